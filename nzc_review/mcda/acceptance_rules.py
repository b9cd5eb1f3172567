"""The acceptance rules (验收规则): the weights, credits, requirements and grade bands of the
automatic acceptance evaluation, and the panel bands of an expert acceptance meeting.

河环发〔2023〕23号 三、(二)2 sets no acceptance rubric (*由市生态环境局会同市级主管部门组织专家开展验收
工作*): every rule here is the tool's own (本工具默认规则), written down in ``docs/lifecycle.md`` and
configurable in the ``acceptance:`` section of a rules file (``nzc-review accept --rules``,
``session create --kind acceptance --rules``). How they are applied is
:mod:`nzc_review.lifecycle.acceptance`.

They are data: plain dataclasses checked on construction, the rules-file section
(:class:`AcceptanceSection`, pydantic) and its plain-data form (:func:`acceptance_rules_to_dict`,
:func:`acceptance_rules_from_dict`), and :func:`panel_bands`. They live with the grades and bands
of :mod:`nzc_review.mcda.recommendation`, below the review store, which keeps an acceptance
meeting's rules with the session (:class:`nzc_review.store.rules.SessionRules`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from nzc_review.errors import FieldError, InputError
from nzc_review.mcda.recommendation import ACCEPTANCE_OUTCOMES, DEFAULT_BANDS, Band

__all__ = [
    "DEFAULT_ACCEPTANCE_RULES",
    "AcceptanceRules",
    "AcceptanceSection",
    "RulesError",
    "ScoreWeights",
    "acceptance_rules_from_dict",
    "acceptance_rules_from_section",
    "acceptance_rules_to_dict",
    "panel_bands",
]

_EPS = 1e-9


class RulesError(FieldError, ValueError):
    """Bad acceptance or monitoring rules; ``name`` is the field (``weights.core``)."""


@dataclass(frozen=True)
class ScoreWeights:
    """Points of each part of the acceptance score; they must add up to 100."""

    core: float = 50.0
    other: float = 20.0
    projects: float = 20.0
    accounting: float = 10.0

    def __post_init__(self) -> None:
        values = asdict(self)
        for name, value in values.items():
            if not math.isfinite(value) or value < 0:
                raise RulesError("expected a number of at least 0", name=f"weights.{name}",
                                 value=value)
        total = sum(values.values())
        if abs(total - 100.0) > 1e-6:
            raise RulesError("the weights must add up to 100", name="weights", value=total)


@dataclass(frozen=True)
class AcceptanceRules:
    """The configurable acceptance rules (their use and defaults:
    :mod:`nzc_review.lifecycle.acceptance`, ``docs/lifecycle.md``).

    Attributes
    ----------
    weights:
        Points of core indicators, other indicators, key projects, accounting and disclosure.
    target_miss_credit:
        Credit of an indicator that meets its reference value but not the committed target.
    completion_share:
        Share of a project's credit for completion on time (the rest for delivered reduction).
    require_core_met:
        A core indicator missing its reference value (or without a value) fails the acceptance.
    require_projects_done:
        A key project not completed by the end of the construction period fails it.
    require_core_targets:
        A core indicator missing its committed target fails it (off by default: it costs points).
    require_innovative_targets:
        An innovative indicator (创新指标) missing its committed target, or without a reported
        value, fails it (off by default: they are the applicant's own, 本工具默认规则).
    pass_score:
        Minimum score; ``None`` takes the lower bound of the band coded ``pass`` (60).
    bands:
        Grade bands, best first (:class:`nzc_review.mcda.recommendation.Band`).
    tolerance_pct:
        Declared against computed figures: differences above this percentage are flagged.
    """

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    target_miss_credit: float = 0.5
    completion_share: float = 0.5
    require_core_met: bool = True
    require_projects_done: bool = True
    require_core_targets: bool = False
    require_innovative_targets: bool = False
    pass_score: float | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS
    tolerance_pct: float = 5.0

    def __post_init__(self) -> None:
        for name in ("target_miss_credit", "completion_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise RulesError("expected a share between 0 and 1", name=name, value=value)
        if not self.bands:
            raise RulesError("at least one grade band is needed", name="bands")
        lowers = [b.lower for b in self.bands]
        if any(a <= b for a, b in zip(lowers, lowers[1:], strict=False)):
            raise RulesError("bands must be listed best first with decreasing lower bounds",
                             name="bands")
        if lowers[-1] > 0:
            raise RulesError("the lowest band must start at 0 or below", name="bands")
        if self.pass_score is None and not any(b.code == "pass" for b in self.bands):
            raise RulesError("give pass_score, or a band coded 'pass'", name="pass_score")
        if self.tolerance_pct < 0:
            raise RulesError("expected at least 0", name="tolerance_pct", value=self.tolerance_pct)

    @property
    def threshold(self) -> float:
        """The minimum score to pass."""
        if self.pass_score is not None:
            return self.pass_score
        return next(b.lower for b in self.bands if b.code == "pass")

    def grade_for(self, score: float) -> Band:
        for band in self.bands:
            if score >= band.lower - _EPS:
                return band
        return self.bands[-1]


DEFAULT_ACCEPTANCE_RULES = AcceptanceRules()


# --- the ``acceptance:`` section of a rules file ---------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: The ``weights`` block: the fields and defaults of :class:`ScoreWeights`, read from it.
_Weights = create_model(
    "_Weights",
    __base__=_Model,
    **{f.name: (float, f.default) for f in fields(ScoreWeights)},
)


class _Band(_Model):
    code: str = Field(min_length=1)
    label: str = Field(min_length=1)
    lower: float | None = None
    outcome: str | None = None


class AcceptanceSection(_Model):
    """The ``acceptance:`` section of a rules file as written (every key optional; a key left
    out keeps the default of :class:`AcceptanceRules`)."""

    weights: _Weights | None = None
    target_miss_credit: float | None = None
    completion_share: float | None = None
    require_core_met: bool | None = None
    require_projects_done: bool | None = None
    require_core_targets: bool | None = None
    require_innovative_targets: bool | None = None
    pass_score: float | None = None
    bands: list[_Band] | None = None
    tolerance_pct: float | None = None


class _SectionFile(_Model):
    acceptance: AcceptanceSection | None = None


def acceptance_rules_from_section(section: AcceptanceSection | None) -> AcceptanceRules:
    """The rules of a parsed ``acceptance:`` section (the defaults where a key is left out;
    a band without ``outcome`` recommends, the last one does not).

    Raises
    ------
    FieldError
        :class:`RulesError`, or :class:`~nzc_review.mcda.checks.McdaError` from a band, naming
        the field within the section (``weights.core``).
    """
    if section is None:
        return AcceptanceRules()
    given = {k: v for k, v in section.model_dump(exclude_unset=True).items() if v is not None}
    if "weights" in given:
        given["weights"] = ScoreWeights(**given["weights"])
    if "bands" in given:
        bands = given["bands"]
        given["bands"] = tuple(
            Band(b["code"], b["label"],
                 -math.inf if b.get("lower") is None else float(b["lower"]),
                 b.get("outcome") or ("do_not_recommend" if i == len(bands) - 1 else "recommend"))
            for i, b in enumerate(bands))
    return AcceptanceRules(**given)


def acceptance_rules_to_dict(rules: AcceptanceRules) -> dict[str, Any]:
    """The rules in the shape of the rules file's ``acceptance:`` section (every key given),
    as a session stores them; :func:`acceptance_rules_from_dict` reads it back to equal
    rules."""
    data = {f.name: getattr(rules, f.name) for f in fields(rules)}
    data["weights"] = asdict(rules.weights)
    data["bands"] = [{"code": b.code, "label": b.label,
                      "lower": b.lower if math.isfinite(b.lower) else None,
                      "outcome": b.outcome} for b in rules.bands]
    return data


def acceptance_rules_from_dict(data: object, source: str = "rules") -> AcceptanceRules:
    """Acceptance rules from the plain data of an ``acceptance:`` section (a key left out keeps
    its default), as ``nzc-review accept --rules`` reads it
    (:func:`nzc_review.lifecycle.config.rules_from_mapping`).

    Raises
    ------
    InputError
        naming ``source`` and the field (``acceptance.weights.core``).
    """
    if not isinstance(data, Mapping):
        raise InputError(source, [("acceptance", "expected a mapping of acceptance rules")])
    try:
        parsed = _SectionFile.model_validate({"acceptance": dict(data)})
    except ValidationError as exc:
        from nzc_review.intake import translate_errors

        raise InputError(source, translate_errors(exc)) from None
    try:
        return acceptance_rules_from_section(parsed.acceptance)
    except FieldError as exc:
        where = f"acceptance.{exc.name}" if exc.name else "acceptance"
        raise InputError(source, [(where, exc.detail)]) from None


# --- the panel's bands of an acceptance meeting -----------------------------------------------


def panel_bands(rules: AcceptanceRules | None = None) -> tuple[Band, ...]:
    """The panel's bands of an acceptance meeting: the grades of the acceptance rules (default
    优秀 ≥ 85, 通过 60–85, 未通过 < 60), each with the outcome its band names when that is an
    acceptance outcome (``accepted``, ``not_accepted``), else ``accepted`` when the band starts
    at or above the pass threshold (:attr:`AcceptanceRules.threshold`, 60) and ``not_accepted``
    below it (本工具默认规则; the bands are set in the rules file, ``acceptance.bands`` and
    ``acceptance.pass_score``). One place for both: the automatic evaluation and the panel grade
    the same way."""
    rules = rules or AcceptanceRules()
    out = []
    for b in rules.bands:
        if b.outcome in ACCEPTANCE_OUTCOMES:
            outcome = b.outcome
        else:
            outcome = "accepted" if b.lower >= rules.threshold - _EPS else "not_accepted"
        out.append(Band(b.code, b.label, b.lower, outcome))
    return tuple(out)
