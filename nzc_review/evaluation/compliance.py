"""Indicator compliance of an application (DESIGN.md contract 3).

For every indicator of the application's pilot type, the ``current`` (latest accounted) and
``target`` (committed for the end of the construction period) values are judged against the
reference value of 河环发〔2023〕23号 附件1 表1–表5:

* bounds given as ≥, ≤, 以上, 以下 or a range include the bound (以上/以下 包括本数);
* ``100`` (or ``100%``) means the full 100 %;
* 优于…基准值 means strictly better than the benchmark;
* statuses: ``met``, ``not_met``, ``missing`` (no value), ``needs_review`` (a value the rules
  cannot judge, e.g. a benchmark indicator without a benchmark);
* the core gate is ``fail`` if any core target is not met, else ``incomplete`` if any core
  target is missing or needs review, else ``pass``; what a failed gate does (the veto, 一票否决)
  is the tool's rule (本工具默认规则, :mod:`nzc_review.evaluation.review_rules`).

Bounds are compared with an absolute tolerance of 1e-9 so that a computed 29.999999999 % is
read as the 30 % it is.

Innovative indicators (创新指标, ``<PREFIX>-C01``…) are judged apart by their own direction and
never enter the core gate (本工具默认规则, :mod:`nzc_review.evaluation.innovative`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.basis import EmissionSeries, emission_series
from nzc_review.evaluation.derive import Derived, derived_alongside, derived_current
from nzc_review.evaluation.innovative import (
    InnovativeResult,
    InnovativeRules,
    evaluate_innovative,
)
from nzc_review.policy import catalog
from nzc_review.policy.application import Application, IndicatorValue

MET, NOT_MET, MISSING, NEEDS_REVIEW = "met", "not_met", "missing", "needs_review"
STATUS_ZH = {MET: "达标", NOT_MET: "未达标", MISSING: "缺失", NEEDS_REVIEW: "需人工核定"}
#: The core gate in words under the default veto rule (本工具默认规则); under another rule
#: :func:`nzc_review.evaluation.review_rules.gate_zh`.
GATE_ZH = {"pass": "通过", "fail": "不通过（一票否决）", "incomplete": "待补充"}
#: Declared vs computed differences above this share are flagged (relative; 本工具默认规则,
#: ``verdict.disagreement_tolerance_pct`` of :mod:`nzc_review.evaluation.review_rules`).
DISAGREEMENT_TOLERANCE = 0.05
_EPS = 1e-9


@dataclass(frozen=True)
class Judgement:
    """The verdict on one value: status, signed margin to the reference (positive = better
    than required), and whether it is stricter than the reference requires."""

    status: str
    margin: float | None = None
    stricter: bool | None = None


def judge(row: catalog.Indicator, value: object, benchmark: float | None = None) -> Judgement:
    """Judge one value of ``row`` against its reference rule (contract 3 semantics)."""
    if value is None:
        return Judgement(MISSING)
    rule = row.rule
    kind = rule.kind
    if kind in catalog.BOOLEAN_RULES:
        if not isinstance(value, bool):
            return Judgement(NEEDS_REVIEW)
        return Judgement(MET if value else NOT_MET)
    if isinstance(value, bool):
        return Judgement(NEEDS_REVIEW)
    v = float(value)
    if kind in {"at_least", "reduction", "count", "ratio"}:
        margin = v - rule.min
        return _bounded(margin, stricter_possible=True)
    if kind == "at_most":
        return _bounded(rule.max - v, stricter_possible=True)
    if kind == "full":
        return _bounded(v - 100.0, stricter_possible=False)
    if kind == "range":
        return _bounded(min(v - rule.min, rule.max - v), stricter_possible=False)
    if kind == "benchmark":
        if benchmark is None:
            return Judgement(NEEDS_REVIEW)
        margin = (benchmark - v) if rule.better == "lower" else (v - benchmark)
        return Judgement(MET if margin > _EPS else NOT_MET, margin=margin)
    raise ValueError(f"unknown rule kind {kind!r}")  # pragma: no cover - catalog validated


def _bounded(margin: float, *, stricter_possible: bool) -> Judgement:
    met = margin >= -_EPS
    stricter = (margin > _EPS) if (met and stricter_possible) else (False if met else None)
    return Judgement(MET if met else NOT_MET, margin=margin, stricter=stricter)


@dataclass
class IndicatorResult:
    code: str
    pilot_type: str
    category: str
    name_zh: str
    name_en: str
    unit: str
    reference: str
    type: str
    rule: str
    current: object
    target: object
    benchmark: float | None
    current_source: str | None
    current_status: str
    target_status: str
    current_margin: float | None
    target_margin: float | None
    stricter_than_reference: bool | None
    computed: list[dict] = field(default_factory=list)
    discrepancy: str | None = None
    evidence: str | None = None
    note: str | None = None


@dataclass
class CategorySummary:
    category: str
    indicators: int
    core: int
    current_met: int
    target_met: int
    target_not_met: int
    target_missing: int
    target_needs_review: int


@dataclass
class ComplianceReport:
    id: str
    name: str
    pilot_type: str
    base_year: int
    target_year: int | None
    core_gate: str
    indicators: list[IndicatorResult]
    categories: list[CategorySummary]
    failed_core: list[str]
    missing: list[str]
    needs_review: list[str]
    stricter: list[str]
    warnings: list[str]
    #: 创新指标, judged apart; never part of the core gate (本工具默认规则).
    innovative: list[InnovativeResult] = field(default_factory=list)
    #: The accounting basis of the computed values (:mod:`nzc_review.evaluation.basis`).
    basis: str = "location"
    basis_zh: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _disagreement(declared: float, computed: list[Derived], basis: str | None,
                  tolerance: float = DISAGREEMENT_TOLERANCE) -> str | None:
    candidates = [d for d in computed if basis is None or d.basis == basis]
    if not candidates:
        return None
    for d in candidates:
        scale = abs(d.value)
        if abs(declared - d.value) <= tolerance * scale + _EPS:
            return None
    shown = "；".join(f"{d.how}" for d in candidates)
    return (f"申报现状值 {declared:g} 与按申报数据计算的值不一致（相差超过{tolerance * 100:g}%）："
            f"{shown}")


def evaluate_indicator(
    app: Application, row: catalog.Indicator, value: IndicatorValue | None,
    series: EmissionSeries | None = None, tolerance: float = DISAGREEMENT_TOLERANCE,
) -> IndicatorResult:
    """Judge one indicator of ``app``; computes the current value where the figures allow, on
    the accounting basis of ``series`` (:mod:`nzc_review.evaluation.basis`; default options),
    and flags a declared current value that differs from it by more than ``tolerance``."""
    value = value or IndicatorValue()
    computed = derived_current(app, row, series)
    current, source, discrepancy = value.current, None, None
    if current is not None:
        source = "declared"
        if computed and not isinstance(current, bool):
            discrepancy = _disagreement(float(current),
                                        computed + derived_alongside(app, row, series),
                                        value.basis, tolerance)
    elif computed:
        best = max(computed, key=lambda d: d.value if row.rule.kind == "reduction" else -d.value)
        current, source = round(best.value, 6), "computed"
    now = judge(row, current, value.benchmark)
    then = judge(row, value.target, value.benchmark)
    return IndicatorResult(
        code=row.code,
        pilot_type=row.pilot_type,
        category=row.category,
        name_zh=row.name_zh,
        name_en=row.name_en,
        unit=value.unit or row.unit,
        reference=row.reference,
        type=row.type,
        rule=row.rule.kind,
        current=current,
        target=value.target,
        benchmark=value.benchmark,
        current_source=source,
        current_status=now.status,
        target_status=then.status,
        current_margin=now.margin,
        target_margin=then.margin,
        stricter_than_reference=then.stricter,
        computed=[asdict(d) for d in computed],
        discrepancy=discrepancy,
        evidence=value.evidence,
        note=row.note,
    )


def core_gate(results: list[IndicatorResult]) -> str:
    """``fail`` / ``incomplete`` / ``pass`` from the core indicators' target statuses."""
    core = [r for r in results if r.type == "core"]
    if any(r.target_status == NOT_MET for r in core):
        return "fail"
    if any(r.target_status in {MISSING, NEEDS_REVIEW} for r in core):
        return "incomplete"
    return "pass"


def summarise_categories(results: list[IndicatorResult]) -> list[CategorySummary]:
    """Counts per first-level category, in table order."""
    order: list[str] = []
    groups: dict[str, list[IndicatorResult]] = {}
    for r in results:
        if r.category not in groups:
            order.append(r.category)
            groups[r.category] = []
        groups[r.category].append(r)
    return [
        CategorySummary(
            category=c,
            indicators=len(groups[c]),
            core=sum(r.type == "core" for r in groups[c]),
            current_met=sum(r.current_status == MET for r in groups[c]),
            target_met=sum(r.target_status == MET for r in groups[c]),
            target_not_met=sum(r.target_status == NOT_MET for r in groups[c]),
            target_missing=sum(r.target_status == MISSING for r in groups[c]),
            target_needs_review=sum(r.target_status == NEEDS_REVIEW for r in groups[c]),
        )
        for c in order
    ]


def evaluate_compliance(app: Application, series: EmissionSeries | None = None,
                        innovative: InnovativeRules | None = None,
                        tolerance: float = DISAGREEMENT_TOLERANCE) -> ComplianceReport:
    """Evaluate every indicator of the application's pilot type (computed values on the
    accounting basis of ``series``, :func:`nzc_review.evaluation.basis.emission_series`), and
    its innovative indicators apart (``innovative`` rules, :mod:`.innovative`); ``tolerance``
    is the relative difference of a declared from a computed value that is flagged."""
    series = emission_series(app) if series is None else series
    rows = catalog.indicators(app.pilot_type)
    results = [evaluate_indicator(app, row, app.indicators.get(row.code), series, tolerance)
               for row in rows]
    warnings = [f"{r.code} {r.name_zh}：{r.discrepancy}" for r in results if r.discrepancy]
    return ComplianceReport(
        id=app.id,
        name=app.name,
        pilot_type=app.pilot_type,
        base_year=app.base_year,
        target_year=app.target_year,
        core_gate=core_gate(results),
        indicators=results,
        categories=summarise_categories(results),
        failed_core=[r.code for r in results if r.type == "core" and r.target_status == NOT_MET],
        missing=[r.code for r in results if MISSING in (r.current_status, r.target_status)],
        needs_review=[
            r.code for r in results if NEEDS_REVIEW in (r.current_status, r.target_status)
        ],
        stricter=[r.code for r in results if r.stricter_than_reference],
        warnings=warnings,
        innovative=evaluate_innovative(app, innovative),
        basis=series.basis,
        basis_zh=series.basis_zh,
    )
