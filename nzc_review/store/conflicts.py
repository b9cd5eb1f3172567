"""Detecting conflicts of interest (利益冲突) between experts and applicants.

Pure functions: an expert and an application in, the grounds for a possible conflict out.
Detected conflicts are only candidates: the secretary confirms (the expert is recused,
回避) or waives them with a reason.

Two grounds are detected:

``same_organization``
    The expert's organisation and the applicant's (``applicant.organization``) are the
    same after normalisation (Unicode NFKC, case and white space ignored), or one contains
    the other and the shorter has at least :data:`MIN_CONTAINED` characters (``宜州区人民政府``
    in ``河池市宜州区人民政府``).
``same_county``
    The expert's county (optional) equals the applicant's ``applicant.county``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["MIN_CONTAINED", "Ground", "detect", "normalise"]

#: Minimum length of an organisation name contained in the other to count as the same.
MIN_CONTAINED = 4


@dataclass(frozen=True)
class Ground:
    """Why an expert may be conflicted: ``basis`` (``same_organization``/``same_county``)
    and a readable ``detail``."""

    basis: str
    detail: str


def normalise(text: str | None) -> str:
    """NFKC, case-folded, without white space or a few neutral punctuation marks."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·.,、()（）")


def detect(
    expert_organisation: str | None,
    expert_county: str | None,
    applicant_organisation: str | None,
    applicant_county: str | None,
) -> list[Ground]:
    """The grounds of a possible conflict of interest; empty when there are none."""
    grounds: list[Ground] = []
    a, b = normalise(expert_organisation), normalise(applicant_organisation)
    if a and b:
        if a == b:
            grounds.append(
                Ground(
                    "same_organization",
                    f"专家单位“{expert_organisation}”与申报主体“{applicant_organisation}”相同",
                )
            )
        elif min(len(a), len(b)) >= MIN_CONTAINED and (a in b or b in a):
            grounds.append(
                Ground(
                    "same_organization",
                    f"专家单位“{expert_organisation}”与申报主体“{applicant_organisation}”"
                    "名称相互包含",
                )
            )
    c, d = normalise(expert_county), normalise(applicant_county)
    if c and d and c == d:
        grounds.append(
            Ground("same_county", f"专家所在县（市、区）“{expert_county}”与申报主体所在地相同")
        )
    return grounds
