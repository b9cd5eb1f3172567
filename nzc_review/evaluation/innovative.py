"""Innovative indicators (创新指标) of an application, judged by their own direction.

附件2 三 of 河环发〔2023〕23号 encourages applicants to propose innovative indicators and higher
targets (“鼓励根据自身情况提出创新指标及更高目标”). An application adds them under codes
``<PREFIX>-C01``, ``-C02``… with a name, unit and direction (DESIGN.md contract 4,
:class:`nzc_review.policy.application.IndicatorValue`). The plan gives them no reference value,
so the judgement is the tool's own (本工具默认规则, configurable by :class:`InnovativeRules`):

* ``at_least`` (不低于现状) / ``at_most`` (不高于现状): the target is ``met`` when it is not worse
  than the current value — equal counts, as the plan's own 以上/以下 include the bound
  (DESIGN.md contract 3); ``strict_improvement`` asks for strictly better. Without a current
  value to compare with, the target ``needs_review``. The current value has no reference and
  is not judged: its status is ``None`` (``missing`` when absent);
* ``yes`` (是否达成): ``true`` is ``met`` and ``false`` ``not_met``, current value and target alike;
* innovative indicators never enter the core gate (一票否决): the plan labels only the rows of
  表1–表5 核心指标. They are reported apart, as 创新指标.
"""

from __future__ import annotations

from dataclasses import dataclass

from nzc_review.policy import catalog
from nzc_review.policy.application import DIRECTION_ZH, Application

# The statuses of DESIGN.md contract 3 (as spelled in nzc_review.evaluation.compliance, which
# imports this module).
MET, NOT_MET, MISSING, NEEDS_REVIEW = "met", "not_met", "missing", "needs_review"
_EPS = 1e-9

#: The group's name in reports.
INNOVATIVE_ZH = "创新指标"
#: The rule as reports print it.
INNOVATIVE_RULE_ZH = (
    "创新指标为申报单位自设的指标（附件2 三“鼓励根据自身情况提出创新指标及更高目标”），"
    "按其方向以目标值对比现状值判定（不劣于现状即达标），不计入核心指标门槛（本工具默认规则）"
)


@dataclass(frozen=True)
class InnovativeRules:
    """How innovative indicators are judged (本工具默认规则: the plan gives them no reference).

    Attributes
    ----------
    strict_improvement:
        ``False`` (default): a target equal to the current value is met (以上/以下 包括本数, as
        for the plan's own bounds); ``True``: the target must be strictly better.
    """

    strict_improvement: bool = False


@dataclass
class InnovativeResult:
    """The verdict on one innovative indicator, target against current by its direction.

    ``margin`` is target − current for ``at_least`` and current − target for ``at_most``
    (positive = better); ``improves`` says the target is strictly better than the current value.
    """

    code: str
    name_zh: str
    unit: str
    direction: str
    direction_zh: str
    current: object
    target: object
    current_status: str | None
    target_status: str
    margin: float | None
    improves: bool | None
    evidence: str | None = None
    note: str | None = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _yes_no(value: object) -> str:
    if value is None:
        return MISSING
    if not isinstance(value, bool):
        return NEEDS_REVIEW
    return MET if value else NOT_MET


def judge_innovative(
    direction: str, current: object, target: object, rules: InnovativeRules | None = None
) -> tuple[str | None, str, float | None, bool | None]:
    """``(current_status, target_status, margin, improves)`` of one innovative indicator (the
    rule of the module docstring, 本工具默认规则)."""
    rules = rules or InnovativeRules()
    if direction == "yes":
        improves = None
        if isinstance(current, bool) and isinstance(target, bool):
            improves = target and not current
        return _yes_no(current), _yes_no(target), None, improves
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"unknown direction {direction!r}")
    now = MISSING if current is None else (None if _is_number(current) else NEEDS_REVIEW)
    if target is None:
        return now, MISSING, None, None
    if not (_is_number(target) and _is_number(current)):
        return now, NEEDS_REVIEW, None, None
    margin = float(target) - float(current)
    if direction == "at_most":
        margin = -margin
    better = margin > _EPS
    met = better if rules.strict_improvement else margin >= -_EPS
    return now, MET if met else NOT_MET, margin, better


def evaluate_innovative(
    app: Application, rules: InnovativeRules | None = None
) -> list[InnovativeResult]:
    """The innovative indicators of ``app`` (codes ``<PREFIX>-C01``…), in code order."""
    out = []
    for code in sorted(c for c in app.indicators if catalog.is_innovative_code(c)):
        value = app.indicators[code]
        direction = value.direction or "at_least"  # a validated application always states one
        now, then, margin, improves = judge_innovative(
            direction, value.current, value.target, rules
        )
        out.append(
            InnovativeResult(
                code=code,
                name_zh=value.name or "",
                unit=value.unit or "",
                direction=direction,
                direction_zh=DIRECTION_ZH[direction],
                current=value.current,
                target=value.target,
                current_status=now,
                target_status=then,
                margin=margin,
                improves=improves,
                evidence=value.evidence,
                note=value.note,
            )
        )
    return out
