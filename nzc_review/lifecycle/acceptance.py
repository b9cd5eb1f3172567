"""Acceptance evaluation (验收评价) of a self-evaluation report against its application.

河环发〔2023〕23号 三、(二)2: *建设主体完成建设目标，达到验收要求时，向属地生态环境主管部门提出验收申请
并提交自我评价报告，由市生态环境局会同市级主管部门组织专家开展验收工作*. The work plan sets no
acceptance rubric; the defaults below are ours, written down in ``docs/lifecycle.md`` and every
one configurable (:class:`~nzc_review.mcda.acceptance_rules.AcceptanceRules`).

What is compared (all pure; the inputs are validated models):

* **indicators** — every indicator of the pilot type (附件1 表1–表5): the achieved value (declared,
  or computed from the operation year's figures as in the application: reductions vs the base
  year, per-capita emissions, renewable share, clean-energy rate) is judged against the reference
  value with :func:`nzc_review.evaluation.compliance.judge` (DESIGN.md contract 3) and against the committed
  target (an indicator without a committed target is held to its reference value); a declared
  value more than 5 % from the computed one is flagged;
* **core gate** on achieved values: ``fail`` if a core indicator misses its reference value,
  ``incomplete`` if one has no value or needs review, else ``pass``;
* **key projects** (附件2 五) — each planned project is 按期完成 (completed by the end of the
  construction period), 逾期完成, 未完成 or 未报告; its delivery is actual / expected reduction;
* **accounting and disclosure** — :func:`nzc_review.evaluation.accounting.account_carbon` on the operation
  year, the declared total against the accounted one, reductions consistent with the emissions,
  the operation year a full year after the last project, a disclosure for every year of the
  period (四、(四) 每年对外开展碳排放信息披露).

Score (out of 100, default weights): core indicators 50, general/guidance/unspecified indicators
20, key projects 20, accounting and disclosure 10. Indicator credit is 1 when the achieved value
meets both the reference and the committed target, ``target_miss_credit`` (0.5) when it meets the
reference only, 0 otherwise; group points = weight × mean credit over the type's indicators of
the group. Project credit = ``completion_share`` (0.5) × completed on time + (1 − 0.5) ×
min(1, actual / expected reduction); points = weight × mean credit. Accounting points = weight ×
share of the five checks passed. Grade bands: :data:`nzc_review.mcda.recommendation.DEFAULT_BANDS`
(优秀 ≥ 85, 通过 60–85, 未通过 < 60).

Emissions, computed reductions and the accounting are on the run's accounting basis
(DESIGN.md contract 4, :mod:`nzc_review.evaluation.basis`; default location-based, every year's
electricity at the 2022 grid factor); the achieved reduction on the other basis is kept beside it
(``reduction["other_basis"]``). A declared achieved value that agrees with the data-year or the
declared-figures view is not a disagreement.

**Innovative indicators** (创新指标, ``<PREFIX>-C01``…, 附件2 三 “鼓励根据自身情况提出创新指标及更高目标”,
DESIGN.md contract 4) have no reference value: each one the application declares is judged by its
own direction, the reported value against the application's target (:func:`judge_innovative_achieved`:
``at_least`` met when not below it, ``at_most`` when not above it — equal counts, as 以上/以下
包括本数 —, ``yes`` when true). They are listed apart, never enter the core gate or the score, and
a miss is a reason that does not fail the acceptance — all 本工具默认规则; ``require_innovative_targets``
makes a miss (or a missing value) fail it.

Verdict 通过验收 when every core indicator meets its reference value (一票否决), every key project
was completed by the end of the construction period and the score reaches the pass threshold
(the lower bound of the 通过 band, 60); otherwise 不通过, with every reason. A failed acceptance
has the grade 未通过 whatever its score.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.accounting import Accounting, account_carbon
from nzc_review.evaluation.basis import (
    BASIS_ZH,
    AccountingOptions,
    EmissionSeries,
    category_notes,
    emission_series,
    project_category,
    reduces_under,
)
from nzc_review.evaluation.compliance import MET, MISSING, NEEDS_REVIEW, NOT_MET, STATUS_ZH, judge
from nzc_review.evaluation.derive import (
    Derived,
    derived_alongside,
    derived_current,
    reduction_pct,
)
from nzc_review.evaluation.factors import EmissionFactor
from nzc_review.evaluation.innovative import INNOVATIVE_ZH
from nzc_review.lifecycle.intake import AcceptanceCase
from nzc_review.lifecycle.model import Acceptance, ReportedValue
from nzc_review.mcda.acceptance_rules import DEFAULT_ACCEPTANCE_RULES, AcceptanceRules
from nzc_review.policy import catalog
from nzc_review.policy.application import Application, IndicatorValue

PASSED, FAILED = "通过验收", "不通过"
_EPS = 1e-9

#: An innovative indicator's direction as acceptance compares it (achieved against target).
DIRECTION_ZH = {"at_least": "越高越好（不低于目标值）", "at_most": "越低越好（不高于目标值）",
                "yes": "是否达成（是/否）"}
PROJECT_STATUS_ZH = {"done": "按期完成", "late": "逾期完成", "not_done": "未完成",
                     "unreported": "未报告"}


@dataclass
class AchievedResult:
    """One indicator at acceptance: committed target, achieved value, the two judgements."""

    code: str
    category: str
    name_zh: str
    type: str
    unit: str
    reference: str
    rule: str
    committed: object
    achieved: object
    source: str | None  # declared | computed | None
    benchmark: float | None
    reference_status: str
    target_status: str
    reference_margin: float | None
    credit: float
    computed: list[dict] = field(default_factory=list)
    discrepancy: str | None = None
    evidence: str | None = None


@dataclass
class InnovativeAchieved:
    """One innovative indicator (创新指标) of the application at acceptance: the reported value
    against the committed target, by the indicator's direction (:func:`judge_innovative_achieved`).

    ``margin`` is achieved − target for ``at_least`` and target − achieved for ``at_most``
    (positive = better than committed)."""

    code: str
    name_zh: str
    unit: str
    direction: str
    direction_zh: str
    current: object  # the application's current value (申报现状值)
    committed: object  # the application's target
    achieved: object
    status: str  # met | not_met | missing | needs_review
    margin: float | None
    evidence: str | None = None


@dataclass
class ProjectResult:
    """One planned key project at acceptance."""

    name: str
    planned_end_year: int | None
    completed_year: int | None
    status: str  # done | late | not_done | unreported
    expected_reduction_tco2: float | None
    actual_reduction_tco2: float | None
    delivery: float
    planned_investment_10k_cny: float | None
    actual_investment_10k_cny: float | None
    credit: float
    evidence: str | None = None

    @property
    def status_zh(self) -> str:
        return PROJECT_STATUS_ZH[self.status]


@dataclass
class Check:
    """One accounting or disclosure check (each worth an equal share of its points)."""

    code: str
    label: str
    passed: bool
    detail: str


@dataclass
class ScorePart:
    code: str
    label: str
    weight: float
    points: float
    detail: str


@dataclass
class Reason:
    """Why the verdict is what it is; ``blocking`` reasons fail the acceptance."""

    code: str
    message: str
    blocking: bool


@dataclass
class AcceptanceResult:
    """The acceptance evaluation of one pilot."""

    id: str
    name: str
    pilot_type: str
    organization: str | None
    county: str | None
    base_year: int
    period: dict | None
    achieved_year: int
    submitted_on: str | None
    summary: str | None
    core_gate: str
    indicators: list[AchievedResult]
    projects: list[ProjectResult]
    checks: list[Check]
    reduction: dict
    emissions: dict[int, float]
    committed_tco2: float | None
    required_tco2: float | None
    accounting: Accounting
    #: The accounting basis of every emission figure above (``location`` / ``green_deducted``).
    basis: str
    basis_zh: str
    score_parts: list[ScorePart]
    score: float
    score_grade: str
    score_grade_label: str
    grade: str
    grade_label: str
    passed: bool
    verdict: str
    reasons: list[Reason]
    warnings: list[str]
    rules: dict
    #: 创新指标, judged apart: never in the core gate or the score (本工具默认规则).
    innovative: list[InnovativeAchieved] = field(default_factory=list)

    @property
    def pilot_type_zh(self) -> str:
        return catalog.PILOT_TYPE_ZH[self.pilot_type]

    def to_dict(self) -> dict:
        return asdict(self)


# --- the parts -------------------------------------------------------------------------------


def operation_application(app: Application, acc: Acceptance) -> Application:
    """The application with the acceptance's yearly figures merged in (the acceptance's win),
    cut at the achieved year: the figures the achieved values are computed from."""
    year = acc.achieved_year

    def merge(a: dict, b: dict) -> dict:
        return {y: v for y, v in sorted({**a, **b}.items()) if y <= year}

    return app.model_copy(update={
        "emissions_tco2": merge(app.emissions_tco2, acc.emissions_tco2),
        "energy": merge(app.energy, acc.energy),
        "profile": merge(app.profile, acc.profile),
    })


def against_target(row: catalog.Indicator, value: object, target: object,
                   reference_status: str) -> str:
    """Judge an achieved value against the committed target.

    Higher is better for ≥/以上/reductions/counts/ratios/100 %, lower for ≤ and (by default)
    benchmarks; a range indicator, or one without a committed target, is held to its reference
    value; a yes/no target of ``false`` commits to nothing beyond the reference.
    """
    if value is None:
        return MISSING
    if target is None:
        return reference_status
    rule = row.rule
    if rule.kind in catalog.BOOLEAN_RULES:
        if not isinstance(value, bool):
            return NEEDS_REVIEW
        return MET if (value or target is False) else NOT_MET
    if isinstance(value, bool) or isinstance(target, bool):
        return NEEDS_REVIEW
    if rule.kind == "range":
        return reference_status
    lower = rule.kind == "at_most" or (rule.kind == "benchmark" and rule.better == "lower")
    margin = float(target) - float(value) if lower else float(value) - float(target)
    return MET if margin >= -_EPS else NOT_MET


def _disagreement(declared: float, computed: list[Derived], basis: str | None,
                  tolerance_pct: float) -> str | None:
    candidates = [d for d in computed if basis is None or d.basis == basis]
    if not candidates:
        return None
    for d in candidates:
        if abs(declared - d.value) <= tolerance_pct / 100 * abs(d.value) + _EPS:
            return None
    shown = "；".join(d.how for d in candidates)
    return (f"申报实际值 {declared:g} 与按运行年数据计算的值不一致（相差超过{tolerance_pct:g}%）："
            f"{shown}")


def evaluate_achieved(op_app: Application, row: catalog.Indicator,
                      reported: ReportedValue | None, committed: IndicatorValue | None,
                      year: int, rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES,
                      series: EmissionSeries | None = None) -> AchievedResult:
    """One indicator at acceptance: achieved value vs reference value and committed target;
    computed values on the accounting basis of ``series`` (default options)."""
    reported = reported or ReportedValue()
    committed = committed or IndicatorValue()
    series = emission_series(op_app) if series is None else series
    computed = [d for d in derived_current(op_app, row, series) if d.year == year]
    basis = reported.basis or committed.basis
    value, source, discrepancy = reported.value, None, None
    if value is not None:
        source = "declared"
        if computed and not isinstance(value, bool):
            alongside = [d for d in derived_alongside(op_app, row, series) if d.year == year]
            discrepancy = _disagreement(float(value), computed + alongside, basis,
                                        rules.tolerance_pct)
    elif computed:
        usable = [d for d in computed if basis is None or d.basis == basis] or computed
        best = max(usable, key=lambda d: d.value if row.rule.kind == "reduction" else -d.value)
        value, source = round(best.value, 6), "computed"
    benchmark = reported.benchmark if reported.benchmark is not None else committed.benchmark
    ref = judge(row, value, benchmark)
    target_status = against_target(row, value, committed.target, ref.status)
    credit = 0.0
    if ref.status == MET:
        credit = 1.0 if target_status == MET else rules.target_miss_credit
    return AchievedResult(
        code=row.code, category=row.category, name_zh=row.name_zh, type=row.type,
        unit=reported.unit or committed.unit or row.unit, reference=row.reference,
        rule=row.rule.kind, committed=committed.target, achieved=value, source=source,
        benchmark=benchmark, reference_status=ref.status, target_status=target_status,
        reference_margin=ref.margin, credit=credit, computed=[asdict(d) for d in computed],
        discrepancy=discrepancy, evidence=reported.evidence)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def judge_innovative_achieved(direction: str, achieved: object, committed: object
                              ) -> tuple[str, float | None]:
    """``(status, margin)`` of an innovative indicator's reported value against the committed
    target, by its direction (本工具默认规则: the plan gives innovative indicators no reference).

    ``at_least`` is met when ``achieved`` ≥ ``committed``, ``at_most`` when ≤ (the bound
    included, as 以上/以下 包括本数, DESIGN.md contract 3); ``yes`` when ``achieved`` is true, or the
    target is ``false`` (it commits to nothing). No value is ``missing``; a value of the wrong
    kind, or a numeric indicator without a committed target, ``needs_review``.
    """
    if achieved is None:
        return MISSING, None
    if direction == "yes":
        if not isinstance(achieved, bool):
            return NEEDS_REVIEW, None
        return (MET if achieved or committed is False else NOT_MET), None
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"unknown direction {direction!r}")
    if not (_number(achieved) and _number(committed)):
        return NEEDS_REVIEW, None
    margin = float(achieved) - float(committed)
    if direction == "at_most":
        margin = -margin
    return (MET if margin >= -_EPS else NOT_MET), margin


def innovative_rule_zh(require_targets: bool = False) -> str:
    """The innovative-indicator rule as acceptance reports print it."""
    veto = ("未达到申报目标值或缺少实际值的，不通过验收" if require_targets
            else "未达到的列为问题，不影响验收结论")
    return ("创新指标为申报单位自设的指标（附件2 三“鼓励根据自身情况提出创新指标及更高目标”），"
            "无参考值：按其方向以实际值对比申报目标值判定（不劣于目标值即达到），单列，"
            f"不计入核心指标门槛和综合得分，{veto}（本工具默认规则，可在规则文件中以 "
            "require_innovative_targets 调整）")


def evaluate_innovative_achieved(app: Application, acc: Acceptance) -> list[InnovativeAchieved]:
    """Every innovative indicator the application declares (``<PREFIX>-C01``…), in code order,
    judged on what the acceptance reports (:func:`judge_innovative_achieved`)."""
    out = []
    for code in sorted(c for c in app.indicators if catalog.is_innovative_code(c)):
        declared = app.indicators[code]
        direction = declared.direction or "at_least"  # a validated application states one
        reported = acc.achieved.get(code) or ReportedValue()
        status, margin = judge_innovative_achieved(direction, reported.value, declared.target)
        out.append(InnovativeAchieved(
            code=code, name_zh=declared.name or "", unit=reported.unit or declared.unit or "",
            direction=direction, direction_zh=DIRECTION_ZH[direction], current=declared.current,
            committed=declared.target, achieved=reported.value, status=status, margin=margin,
            evidence=reported.evidence))
    return out


def achieved_core_gate(results: list[AchievedResult]) -> str:
    """``fail`` / ``incomplete`` / ``pass`` from the core indicators' achieved values judged
    against their reference values (DESIGN.md contract 3, applied to what was achieved)."""
    core = [r for r in results if r.type == "core"]
    if any(r.reference_status == NOT_MET for r in core):
        return "fail"
    if any(r.reference_status in {MISSING, NEEDS_REVIEW} for r in core):
        return "incomplete"
    return "pass"


def _deadline(app: Application, acc: Acceptance) -> int:
    return app.period.end if app.period else acc.achieved_year


def evaluate_projects(app: Application, acc: Acceptance,
                      rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES) -> list[ProjectResult]:
    """Every planned key project: completed by the end of the period? reduction delivered?"""
    deadline = _deadline(app, acc)
    outcomes = {p.name: p for p in acc.key_projects}
    results = []
    for planned in app.key_projects:
        outcome = outcomes.get(planned.name)
        completed = outcome.completed_year if outcome else None
        if outcome is None:
            status = "unreported"
        elif completed is None:
            status = "not_done"
        else:
            status = "done" if completed <= deadline else "late"
        expected = planned.expected_reduction_tco2_per_year
        actual = outcome.actual_reduction_tco2_per_year if outcome else None
        if expected:
            delivery = min(1.0, actual / expected) if actual is not None else 0.0
        else:
            delivery = 1.0 if completed is not None else 0.0
        share = rules.completion_share
        credit = share * (status == "done") + (1 - share) * delivery
        results.append(ProjectResult(
            name=planned.name, planned_end_year=planned.end_year, completed_year=completed,
            status=status, expected_reduction_tco2=expected, actual_reduction_tco2=actual,
            delivery=delivery, planned_investment_10k_cny=planned.investment_10k_cny,
            actual_investment_10k_cny=outcome.actual_investment_10k_cny if outcome else None,
            credit=credit, evidence=outcome.evidence if outcome else None))
    return results


def accounting_checks(app: Application, acc: Acceptance, accounting: Accounting,
                      indicators: list[AchievedResult], projects: list[ProjectResult],
                      rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES) -> list[Check]:
    """The five accounting and disclosure checks A1–A5 (equal shares of their points)."""
    year = acc.achieved_year
    tol = rules.tolerance_pct
    account = accounting.years.get(year) if year in acc.energy else None
    checks = []
    ok = account is not None and account.total_tco2 > 0
    checks.append(Check("A1", "运行年能源活动数据完整并完成核算", ok,
                        f"{year}年核算碳排放 {account.total_tco2:,.0f} tCO2" if ok
                        else f"自我评价报告未提供{year}年能源活动数据，无法核算"))
    if ok and account.difference_pct is not None:
        agree = abs(account.difference_pct) <= tol + _EPS
        detail = (f"申报 {account.declared_tco2:,.0f} tCO2，核算 {account.total_tco2:,.0f} tCO2，"
                  f"相差 {account.difference_pct:+.1f}%")
    else:
        agree, detail = False, "无法比较（缺少运行年核算结果）"
    checks.append(Check("A2", f"运行年申报碳排放总量与核算结果一致（相差不超过{tol:g}%）", agree,
                        detail))
    reductions = [r for r in indicators if r.rule == "reduction"]
    bad = [r.code for r in reductions if not r.computed or r.discrepancy]
    checks.append(Check("A3", "实际降幅可由排放数据复核且与申报一致", not bad,
                        "全部下降率指标均与排放数据一致" if not bad
                        else "无法复核或不一致：" + "、".join(bad)))
    finished = [p.completed_year for p in projects if p.completed_year is not None]
    all_done = all(p.completed_year is not None for p in projects)
    last = max(finished) if finished else None
    full_year = all_done and (last is None or year > last)
    checks.append(Check(
        "A4", "运行年为全部重点项目完工后的完整运行年", full_year,
        (f"重点项目最晚于{last}年完工，{year}年为完工后运行年" if full_year and last
         else "无重点项目" if full_year else
         "尚有重点项目未完工" if not all_done else f"重点项目{last}年完工，{year}年不是完工后的完整运行年")))
    start = app.period.start if app.period else app.base_year + 1
    expected = list(range(start, year + 1))
    missing = [y for y in expected if y not in acc.disclosures]
    checks.append(Check("A5", "建设期内逐年对外开展碳排放信息披露", not missing,
                        f"{expected[0]}—{year}年均已披露" if expected and not missing
                        else "未披露年份：" + "、".join(map(str, missing)) if missing
                        else "无应披露年份"))
    return checks


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 1.0


def score_parts(indicators: list[AchievedResult], projects: list[ProjectResult],
                checks: list[Check], rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES
                ) -> list[ScorePart]:
    """The four parts of the acceptance score (weights from ``rules``)."""
    w = rules.weights
    core = [r.credit for r in indicators if r.type == "core"]
    other = [r.credit for r in indicators if r.type != "core"]
    proj = [p.credit for p in projects]
    passed = [1.0 if c.passed else 0.0 for c in checks]
    return [
        ScorePart("core", "核心指标", w.core, w.core * _mean(core),
                  f"{len(core)} 项，得分率 {_mean(core):.0%}"),
        ScorePart("other", "一般指标与引导指标", w.other, w.other * _mean(other),
                  f"{len(other)} 项，得分率 {_mean(other):.0%}"),
        ScorePart("projects", "重点项目", w.projects, w.projects * _mean(proj),
                  f"{len(proj)} 个，得分率 {_mean(proj):.0%}" if proj else "申报未列重点项目"),
        ScorePart("accounting", "碳排放核算与信息披露", w.accounting,
                  w.accounting * _mean(passed), f"{int(sum(passed))}/{len(passed)} 项核查通过"),
    ]


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _list(results: list[AchievedResult], with_target: bool = False) -> str:
    parts = []
    for r in results:
        shown = f"{r.code} {r.name_zh}（实际 {_shown(r.achieved)}"
        if with_target:
            shown += f"，承诺目标 {_shown(r.committed)}）"
        else:
            bench = f"，基准值 {_shown(r.benchmark)}" if r.rule == "benchmark" else ""
            shown += f"，参考值 {catalog.display_reference(r.reference)}{bench}）"
        parts.append(shown)
    return "；".join(parts)


def verdict_reasons(indicators: list[AchievedResult],
                    projects: list[ProjectResult], checks: list[Check], score: float,
                    deadline: int, rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES,
                    innovative: list[InnovativeAchieved] | None = None) -> list[Reason]:
    """Every rule that applies, blocking ones first."""
    reasons: list[Reason] = []
    core = [r for r in indicators if r.type == "core"]
    failed = [r for r in core if r.reference_status == NOT_MET]
    if failed:
        reasons.append(Reason("CORE_NOT_MET", "核心指标未达到参考值（一票否决）：" + _list(failed),
                              rules.require_core_met))
    open_core = [r for r in core if r.reference_status in {MISSING, NEEDS_REVIEW}]
    if open_core:
        reasons.append(Reason(
            "CORE_INCOMPLETE", "核心指标缺少实际值或需人工核定："
            + "、".join(f"{r.code} {r.name_zh}（{STATUS_ZH[r.reference_status]}）"
                       for r in open_core), rules.require_core_met))
    late = [p for p in projects if p.status != "done"]
    if late:
        reasons.append(Reason(
            "PROJECTS_NOT_DONE", f"重点项目未在建设期末（{deadline}年）前完成："
            + "、".join(f"{p.name}（{p.status_zh}）" for p in late), rules.require_projects_done))
    if score < rules.threshold - _EPS:
        reasons.append(Reason("SCORE_LOW", f"综合得分 {score:.1f} 分，低于通过验收所需的 "
                                           f"{rules.threshold:g} 分", True))
    missed_core = [r for r in core if r.reference_status == MET and r.target_status == NOT_MET]
    if missed_core:
        reasons.append(Reason("CORE_TARGET_MISSED", "核心指标达到参考值但未达到申报承诺目标："
                              + _list(missed_core, True), rules.require_core_targets))
    other = [r for r in indicators if r.type != "core"]
    other_failed = [r for r in other if r.reference_status == NOT_MET]
    if other_failed:
        reasons.append(Reason("OTHER_NOT_MET", "一般指标或引导指标未达到参考值：" +
                              _list(other_failed), False))
    other_missed = [r for r in other if r.reference_status == MET and r.target_status == NOT_MET]
    if other_missed:
        reasons.append(Reason("TARGET_MISSED", "一般指标或引导指标未达到申报承诺目标："
                              + _list(other_missed, True), False))
    other_open = [r for r in other if r.reference_status in {MISSING, NEEDS_REVIEW}]
    if other_open:
        reasons.append(Reason("OTHER_INCOMPLETE", "一般指标或引导指标缺少实际值或需人工核定："
                              + "、".join(r.code for r in other_open), False))
    missed = [r for r in innovative or [] if r.status == NOT_MET]
    if missed:
        reasons.append(Reason(
            "INNOVATIVE_NOT_MET", f"{INNOVATIVE_ZH}未达到申报目标值：" + "；".join(
                f"{r.code} {r.name_zh}（实际 {_shown(r.achieved)}，目标 {_shown(r.committed)}，"
                f"{r.direction_zh}）" for r in missed), rules.require_innovative_targets))
    open_innovative = [r for r in innovative or [] if r.status in {MISSING, NEEDS_REVIEW}]
    if open_innovative:
        reasons.append(Reason(
            "INNOVATIVE_INCOMPLETE", f"{INNOVATIVE_ZH}缺少实际值或需人工核定："
            + "、".join(f"{r.code} {r.name_zh}（{STATUS_ZH[r.status]}）" for r in open_innovative),
            rules.require_innovative_targets))
    for r in indicators:
        if r.discrepancy:
            reasons.append(Reason("DISCREPANCY", f"{r.code} {r.name_zh}：{r.discrepancy}", False))
    for c in checks:
        if not c.passed:
            reasons.append(Reason(f"CHECK_{c.code}", f"{c.label}：未通过（{c.detail}）", False))
    return sorted(reasons, key=lambda r: not r.blocking)


# --- the whole evaluation --------------------------------------------------------------------


def evaluate_acceptance(case: AcceptanceCase, rules: AcceptanceRules = DEFAULT_ACCEPTANCE_RULES,
                        factors: list[EmissionFactor] | None = None,
                        options: AccountingOptions | None = None) -> AcceptanceResult:
    """Evaluate a self-evaluation report against its application (河环发〔2023〕23号 三、(二)2).

    Parameters
    ----------
    case:
        The acceptance and the application it refers to, validated
        (:func:`nzc_review.lifecycle.intake.load_acceptance`).
    rules:
        Weights, credits, requirements and grade bands (defaults in the module docstring).
    factors:
        Emission factors for the accounting; the shipped ones when ``None``.
    options:
        The accounting basis and grid-factor choice (default location, held); its factors,
        when given, take the place of ``factors``.

    Returns
    -------
    AcceptanceResult
        Indicators, projects, checks, score parts, score, grade, verdict and every reason.
    """
    app, acc = case.application, case.acceptance
    year = acc.achieved_year
    if options is None:
        options = AccountingOptions(factors=factors)
    elif options.factors is None and factors is not None:
        options = AccountingOptions(options.basis, options.grid_factor, tuple(factors),
                                    options.electricity_scope)
    op_app = operation_application(app, acc)
    series = emission_series(op_app, options)
    rows = catalog.indicators(app.pilot_type)
    indicators = [evaluate_achieved(op_app, row, acc.achieved.get(row.code),
                                    app.indicators.get(row.code), year, rules, series)
                  for row in rows]
    gate = achieved_core_gate(indicators)
    innovative = evaluate_innovative_achieved(app, acc)
    projects = evaluate_projects(app, acc, rules)
    accounting = account_carbon(op_app, options=options)
    checks = accounting_checks(app, acc, accounting, indicators, projects, rules)
    parts = score_parts(indicators, projects, checks, rules)
    score = round(sum(p.points for p in parts), 6)
    deadline = _deadline(app, acc)
    reasons = verdict_reasons(indicators, projects, checks, score, deadline, rules, innovative)
    passed = not any(r.blocking for r in reasons)
    score_band = rules.grade_for(score)
    band = score_band if passed else rules.bands[-1]

    emissions = series.values
    total = reduction_pct(op_app, "total", year, emissions)
    other = emission_series(op_app, options.other())
    other_total = reduction_pct(op_app, "total", year, other.values)
    base = emissions.get(app.base_year)
    total_row = next((r for r in rows if r.rule.kind == "reduction" and "total" in r.rule.basis),
                     None)
    committed_pct = None
    if total_row is not None:
        target = app.indicators.get(total_row.code)
        if target is not None and isinstance(target.target, int | float) \
                and not isinstance(target.target, bool):
            committed_pct = float(target.target)
    required_pct = total_row.rule.min if total_row is not None else None
    reduction = {
        "base_year": app.base_year, "base_tco2": base, "year": year,
        "achieved_tco2": emissions.get(year),
        "reduction_pct": total.value if total else None,
        "committed_pct": committed_pct, "required_pct": required_pct,
        "indicator": total_row.code if total_row else None,
        "basis": series.basis, "declared_tco2": op_app.emissions_tco2.get(year),
        "other_basis": {"basis": other.basis, "basis_zh": other.basis_zh,
                        "base_tco2": other.values.get(app.base_year),
                        "achieved_tco2": other.values.get(year),
                        "reduction_pct": other_total.value if other_total else None},
    }
    warnings = list(accounting.warnings) + [
        n for n in accounting.basis_notes if n not in accounting.warnings]
    warnings += category_notes(app.key_projects)
    warnings += [f"重点项目“{p.name}”为绿电交易/绿证，{BASIS_ZH[series.basis]}口径下不减少核算排放，"
                 "其实际减排量只用于评价项目完成情况" for p in app.key_projects
                 if not reduces_under(project_category(p)[0], series.basis)]
    if base is None:
        warnings.append(f"缺少基准年（{app.base_year}年）碳排放总量，无法计算实际降幅")
    return AcceptanceResult(
        id=app.id, name=app.name, pilot_type=app.pilot_type,
        organization=app.applicant.organization if app.applicant else None,
        county=app.applicant.county if app.applicant else None, base_year=app.base_year,
        period=app.period.model_dump() if app.period else None, achieved_year=year,
        submitted_on=acc.submitted_on, summary=acc.summary, core_gate=gate,
        indicators=indicators, projects=projects, checks=checks, reduction=reduction,
        emissions=dict(emissions),
        committed_tco2=base * (1 - committed_pct / 100) if base and committed_pct is not None
        else None,
        required_tco2=base * (1 - required_pct / 100) if base and required_pct is not None
        else None,
        accounting=accounting, basis=series.basis, basis_zh=series.basis_zh,
        score_parts=parts, score=score, score_grade=score_band.code,
        score_grade_label=score_band.label, grade=band.code, grade_label=band.label,
        passed=passed, verdict=PASSED if passed else FAILED, reasons=reasons,
        warnings=warnings, rules=_rules_dict(rules), innovative=innovative)


def _rules_dict(rules: AcceptanceRules) -> dict:
    data = asdict(rules)
    data["bands"] = [{"code": b.code, "label": b.label,
                      "lower": b.lower if math.isfinite(b.lower) else None} for b in rules.bands]
    data["threshold"] = rules.threshold
    return data
