"""The feasibility verdict (建设可行性结论, 附件2 二(三)): 可行 / 基本可行 / 不可行, with reasons.

附件2 二(三) asks the application to “充分论证试点项目创建的可行性，并给出相应结论”; the plan
sets no levels and no thresholds. The three levels and the rules below are the tool's
(本工具默认规则, :mod:`nzc_review.evaluation.review_rules`, configurable); each reason names the
plan's clause it rests on, or the tool's rule. In order (the lowest level any rule gives wins):

不可行 (infeasible)
  * N1 a core indicator's target is not met (core gate ``fail``; the rows are labelled 核心指标
    in 附件1 表1–表5) — the veto (一票否决) is the tool's rule: with ``veto.action``
    ``lower_verdict`` (default) it gives 不可行, with ``flag_only`` it is a flag
    (:attr:`Verdict.flags`) that changes no level, and ``veto.enabled: false`` drops it;
  * N2 a hard selection condition (遴选条件, 二、) is not met;
  * N3 the scenario forecast (附件2 二(一) 情景预测法) does not reach the reduction the pilot
    type requires (附件1 表1–表5 较2022年下降) by the target year (the gap in tCO2 is given).

基本可行 (basically feasible: feasible after the listed items are supplemented or checked)
  * B1 a core indicator's target is missing or needs review (core gate ``incomplete``);
  * B2 a hard selection condition is unanswered;
  * B3 the application is incomplete against the outline of 附件2;
  * B4 the forecast cannot be made (no base-year emissions or no construction period);
  * B5 the probability of meeting the required reduction under delivery risk is below
    ``min_probability`` (default 0.8);
  * B6 declared figures disagree with the tool's computation by more than
    ``disagreement_tolerance_pct`` (default 5 %).

可行 (feasible) when no rule applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LEVELS = {"feasible": "可行", "basically_feasible": "基本可行", "infeasible": "不可行"}
_ORDER = ["feasible", "basically_feasible", "infeasible"]

#: How a rule of the tool's own is labelled wherever it is shown.
TOOL_RULE = "本工具默认规则"
#: Said of a rule a review-rules file changed from the tool's default.
CHANGED_RULE = "本次评审规则文件设定"
#: Where the plan labels the core indicators.
CORE_LABELS = "河环发〔2023〕23号 附件1 表1–表5 指标类型“核心指标”"
#: What the veto does (``veto.action``).
LOWER_VERDICT, FLAG_ONLY = "lower_verdict", "flag_only"
VETO_ACTIONS: tuple[str, ...] = (LOWER_VERDICT, FLAG_ONLY)
#: The level label of a flag (a reason that changes no level).
FLAG = "提示"
#: The three levels are the tool's: the plan asks for a conclusion without criteria.
LEVELS_RULE_ZH = (f"可行/基本可行/不可行的判定规则为{TOOL_RULE}（附件2 二(三) 要求给出可行性结论，"
                  "未规定判定标准）")


def origin_zh(is_default: bool) -> str:
    """``本工具默认规则`` for a rule at its default, else :data:`CHANGED_RULE`."""
    return TOOL_RULE if is_default else CHANGED_RULE


@dataclass(frozen=True)
class VetoRule:
    """The core-indicator veto (一票否决), the tool's rule (本工具默认规则): the plan labels rows
    核心指标 and says nothing of a veto.

    Attributes
    ----------
    enabled:
        Apply the veto at all.
    action:
        ``lower_verdict`` (default): the feasibility verdict is 不可行 and the scoring rule
        suggests 不推荐 (:func:`nzc_review.mcda.recommendation.recommend`); ``flag_only``: a flag
        shown with its rule that changes no conclusion.
    """

    enabled: bool = True
    action: str = LOWER_VERDICT

    def __post_init__(self) -> None:
        if self.action not in VETO_ACTIONS:
            raise ValueError(f"veto action must be one of {', '.join(VETO_ACTIONS)}")

    @property
    def mode(self) -> str:
        """``off``, ``lower_verdict`` or ``flag_only``."""
        return self.action if self.enabled else "off"

    @property
    def lowers(self) -> bool:
        return self.mode == LOWER_VERDICT

    @property
    def is_default(self) -> bool:
        return self == VetoRule()

    def describe_zh(self) -> str:
        """The rule in one sentence, with its origin (本工具默认规则 or the rules file)."""
        origin = origin_zh(self.is_default)
        if self.mode == "off":
            return f"不实行核心指标一票否决（{origin}）"
        effect = ("可行性结论为不可行，评分规则建议不推荐" if self.lowers
                  else "仅作提示标注，不改变可行性结论和推荐建议")
        return (f"核心指标目标未达到参考值即一票否决：{effect}（{origin}；核心指标依据"
                f"{CORE_LABELS}）")


@dataclass(frozen=True)
class VerdictRules:
    """The thresholds of the verdict (本工具默认规则, configurable in the review rules).

    Attributes
    ----------
    min_probability:
        B5: the lowest probability of meeting the required reduction on time (0.8).
    disagreement_tolerance_pct:
        B6: how far declared figures may differ from the tool's computation, in percent (5).
    clean_energy_majority_pct:
        以电力、天然气等清洁能源为主 (二、(二)): the clean-energy use rate must be above this
        share (50: 为主 read as a majority; :mod:`nzc_review.evaluation.eligibility`).
    """

    min_probability: float = 0.8
    disagreement_tolerance_pct: float = 5.0
    clean_energy_majority_pct: float = 50.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_probability <= 1:
            raise ValueError("min_probability must be between 0 and 1")
        if not 0 <= self.disagreement_tolerance_pct <= 100:
            raise ValueError("disagreement_tolerance_pct must be between 0 and 100")
        if not 0 <= self.clean_energy_majority_pct < 100:
            raise ValueError("clean_energy_majority_pct must be from 0 to below 100")

    @property
    def tolerance(self) -> float:
        """:attr:`disagreement_tolerance_pct` as a fraction (0.05)."""
        return self.disagreement_tolerance_pct / 100


@dataclass
class Reason:
    rule: str
    level: str  # 可行 | 基本可行 | 不可行, or 提示 for a flag
    text: str
    #: The plan's clause the reason rests on, or 本工具默认规则.
    source: str = ""


@dataclass
class Verdict:
    level: str  # 可行 | 基本可行 | 不可行
    code: str  # feasible | basically_feasible | infeasible
    reasons: list[Reason] = field(default_factory=list)
    #: Reasons shown that change no level (the veto under ``flag_only``).
    flags: list[Reason] = field(default_factory=list)

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
    veto: VetoRule | None = None,
) -> Verdict:
    """Apply the rules above to the results of the evaluation."""
    rules = rules or VerdictRules()
    veto = veto or VetoRule()
    default = VerdictRules()
    reasons: list[Reason] = []
    flags: list[Reason] = []

    def add(rule: str, code: str, text: str, source: str) -> None:
        reasons.append(Reason(rule, LEVELS[code], text, source))

    if core_gate == "fail" and veto.mode != "off":
        text = "核心指标目标未达到参考值（一票否决）：" + "、".join(failed_core)
        if veto.lowers:
            add("N1", "infeasible", text, veto.describe_zh())
        else:
            flags.append(Reason("N1", FLAG, text + "；仅作提示，不改变结论", veto.describe_zh()))
    if hard_not_met:
        add("N2", "infeasible", "不符合遴选条件：" + "、".join(hard_not_met),
            "河环发〔2023〕23号 二、遴选条件")
    if meets_target is False:
        gap = f"，目标年尚差 {gap_tco2:,.0f} tCO2" if gap_tco2 else ""
        add("N3", "infeasible",
            f"情景预测显示重点项目不足以实现较基准年下降{required_reduction_pct:g}%的要求{gap}",
            "附件1 表1–表5 碳排放下降要求；附件2 二(一) 情景预测法")
    if core_gate == "incomplete":
        add("B1", "basically_feasible", "核心指标目标缺失或需人工核定",
            f"{TOOL_RULE}（核心指标依据{CORE_LABELS}）")
    if hard_unanswered and eligibility_status != "not_eligible":
        add("B2", "basically_feasible", "遴选条件未作答：" + "、".join(hard_unanswered),
            f"河环发〔2023〕23号 二、遴选条件；{TOOL_RULE}（未作答不视为符合）")
    if completeness_items:
        add("B3", "basically_feasible", f"申报材料不完整，需补充 {len(completeness_items)} 项",
            "附件2 创建方案（编制大纲）")
    if meets_target is None:
        add("B4", "basically_feasible", "缺少基准年排放或建设期，无法进行情景预测",
            "附件2 二(一) 情景预测法")
    if probability is not None and probability < rules.min_probability and meets_target:
        add("B5", "basically_feasible",
            f"考虑项目延期和减排不足风险，按期实现目标的概率为 {probability:.0%}"
            f"（低于 {rules.min_probability:.0%}）",
            origin_zh(rules.min_probability == default.min_probability))
    if disagreements:
        add("B6", "basically_feasible",
            f"申报数据与核算结果不一致 {len(disagreements)} 处"
            f"（相差超过 {rules.disagreement_tolerance_pct:g}%），需核实",
            origin_zh(rules.disagreement_tolerance_pct == default.disagreement_tolerance_pct))
    worst = "feasible"
    for r in reasons:
        code = next(k for k, v in LEVELS.items() if v == r.level)
        if _ORDER.index(code) > _ORDER.index(worst):
            worst = code
    return Verdict(level=LEVELS[worst], code=worst, reasons=reasons, flags=flags)
