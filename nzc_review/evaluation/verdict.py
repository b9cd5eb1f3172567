"""The feasibility verdict (建设可行性结论, 附件2 二(三)): 可行 / 基本可行 / 不可行, with reasons.

The rules, in order (the lowest level any rule gives wins):

不可行 (infeasible)
  * N1 a core indicator's target is not met — 一票否决 (contract 3 core gate ``fail``);
  * N2 a hard selection condition (遴选条件) is not met;
  * N3 the scenario forecast does not reach the reduction the pilot type requires by the
    target year (the gap in tCO2 is given).

基本可行 (basically feasible: feasible after the listed items are supplemented or checked)
  * B1 a core indicator's target is missing or needs review (core gate ``incomplete``);
  * B2 a hard selection condition is unanswered;
  * B3 the application is incomplete against the outline of 附件2;
  * B4 the forecast cannot be made (no base-year emissions or no construction period);
  * B5 the probability of meeting the required reduction under delivery risk is below
    ``min_probability`` (default 0.8);
  * B6 declared figures disagree with the tool's computation by more than 5 %.

可行 (feasible) when no rule applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LEVELS = {"feasible": "可行", "basically_feasible": "基本可行", "infeasible": "不可行"}
_ORDER = ["feasible", "basically_feasible", "infeasible"]


@dataclass(frozen=True)
class VerdictRules:
    min_probability: float = 0.8

    def __post_init__(self) -> None:
        if not 0 <= self.min_probability <= 1:
            raise ValueError("min_probability must be between 0 and 1")


@dataclass
class Reason:
    rule: str
    level: str
    text: str


@dataclass
class Verdict:
    level: str  # 可行 | 基本可行 | 不可行
    code: str  # feasible | basically_feasible | infeasible
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def decide(
    *,
    core_gate: str,
    failed_core: list[str],
    eligibility_status: str,
    hard_not_met: list[str],
    hard_unanswered: list[str],
    completeness_items: list[str],
    meets_target: bool | None,
    gap_tco2: float | None,
    required_reduction_pct: float | None,
    probability: float | None,
    disagreements: list[str],
    rules: VerdictRules | None = None,
) -> Verdict:
    """Apply the rules above to the results of the evaluation."""
    rules = rules or VerdictRules()
    reasons: list[Reason] = []

    def add(rule: str, code: str, text: str) -> None:
        reasons.append(Reason(rule, LEVELS[code], text))

    if core_gate == "fail":
        add("N1", "infeasible", "核心指标目标未达到参考值（一票否决）：" + "、".join(failed_core))
    if hard_not_met:
        add("N2", "infeasible", "不符合遴选条件：" + "、".join(hard_not_met))
    if meets_target is False:
        gap = f"，目标年尚差 {gap_tco2:,.0f} tCO2" if gap_tco2 else ""
        add("N3", "infeasible",
            f"情景预测显示重点项目不足以实现较基准年下降{required_reduction_pct:g}%的要求{gap}")
    if core_gate == "incomplete":
        add("B1", "basically_feasible", "核心指标目标缺失或需人工核定")
    if hard_unanswered and eligibility_status != "not_eligible":
        add("B2", "basically_feasible", "遴选条件未作答：" + "、".join(hard_unanswered))
    if completeness_items:
        add("B3", "basically_feasible", f"申报材料不完整，需补充 {len(completeness_items)} 项")
    if meets_target is None:
        add("B4", "basically_feasible", "缺少基准年排放或建设期，无法进行情景预测")
    if probability is not None and probability < rules.min_probability and meets_target:
        add("B5", "basically_feasible",
            f"考虑项目延期和减排不足风险，按期实现目标的概率为 {probability:.0%}"
            f"（低于 {rules.min_probability:.0%}）")
    if disagreements:
        add("B6", "basically_feasible", f"申报数据与核算结果不一致 {len(disagreements)} 处，需核实")
    worst = "feasible"
    for r in reasons:
        code = next(k for k, v in LEVELS.items() if v == r.level)
        if _ORDER.index(code) > _ORDER.index(worst):
            worst = code
    return Verdict(level=LEVELS[worst], code=worst, reasons=reasons)
