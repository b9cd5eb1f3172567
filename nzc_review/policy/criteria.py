"""The criteria an expert panel scores, as data: the review's scoring guidance
(``catalog/review_criteria.yaml``) and the acceptance criteria (``catalog/acceptance_criteria.yaml``).

A review meeting scores the six review criteria of DESIGN.md ("Review criteria"), equal weights
(:data:`nzc_review.store.records.DEFAULT_CRITERIA`), with the guidance of
``review_criteria.yaml``. An expert acceptance meeting (验收, 河环发〔2023〕23号 三、(二)2) scores the
acceptance criteria of ``acceptance_criteria.yaml``: id, Chinese name, weight, what the expert
looks at, the plan clause it rests on (or 本工具默认规则) and score bands as guidance. This module
only loads and checks them (:class:`~nzc_review.errors.CatalogError` on a malformed entry).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nzc_review.errors import CatalogError
from nzc_review.files import yaml_text

__all__ = ["ACCEPTANCE_FILE", "REVIEW_FILE", "ScoringCriterion", "acceptance_criteria",
           "scoring_guidance"]

REVIEW_FILE = "review_criteria.yaml"
ACCEPTANCE_FILE = "acceptance_criteria.yaml"


class ScoringCriterion(BaseModel):
    """One acceptance criterion as the catalog gives it.

    ``weight`` is in points (the criteria's points add up to 100; a session keeps them
    normalised to 1); ``basis`` is the plan clause the criterion rests on, or 本工具默认规则.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    name_en: str = ""
    weight: float = Field(gt=0)
    guidance: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    bands: dict[str, str] = Field(default_factory=dict)


def _read(name: str) -> Any:
    text = resources.files("nzc_review.policy.catalog").joinpath(name).read_text(encoding="utf-8")
    return yaml_text.safe_load(text)


@cache
def acceptance_criteria() -> tuple[ScoringCriterion, ...]:
    """The acceptance criteria of ``catalog/acceptance_criteria.yaml``, in order.

    Raises
    ------
    CatalogError
        A malformed entry, duplicate ids or names, or weights not adding up to 100.
    """
    data = _read(ACCEPTANCE_FILE)
    items = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CatalogError(f"{ACCEPTANCE_FILE}: expected a non-empty list under `criteria`")
    try:
        out = tuple(ScoringCriterion.model_validate(item) for item in items)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{ACCEPTANCE_FILE}: criteria.{where}: {first['msg']}") from None
    for what in ("id", "name"):
        values = [getattr(c, what) for c in out]
        if len(set(values)) != len(values):
            raise CatalogError(f"{ACCEPTANCE_FILE}: duplicate criterion {what}")
    if abs(sum(c.weight for c in out) - 100.0) > 1e-9:
        raise CatalogError(f"{ACCEPTANCE_FILE}: the weights must add up to 100")
    return out


@cache
def scoring_guidance() -> dict[str, dict[str, Any]]:
    """Scoring guidance by criterion name, for the review and the acceptance criteria alike:
    ``{name: {"guidance": …, "bands": {…}, "section"|"basis": …}}`` (a review criterion gives
    its outline section, an acceptance criterion its plan clause)."""
    out: dict[str, dict[str, Any]] = dict(_read(REVIEW_FILE) or {})
    for c in acceptance_criteria():
        out[c.name] = {"guidance": c.guidance, "bands": dict(c.bands), "basis": c.basis}
    return out

