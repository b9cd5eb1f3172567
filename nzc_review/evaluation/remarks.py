"""Draft automatic review remarks (自动评审意见草稿), written from the evaluation results.

The remarks are a draft for the expert panel: problems found (存在问题) and items to supplement
(需补充完善), each pointing to the clause it rests on: the section of 附件2 it concerns, the
indicator table of 附件1 (whose 指标类型 column labels the core indicators), or the tool's rule
(本工具默认规则: the veto, the probability threshold;
:mod:`nzc_review.evaluation.review_rules`). Pure text from data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nzc_review.evaluation.review_rules import gate_zh
from nzc_review.evaluation.verdict import LEVELS_RULE_ZH, origin_zh
from nzc_review.policy import catalog


@dataclass
class Remarks:
    summary: str
    strengths: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    to_supplement: list[str] = field(default_factory=list)


def indicator_table_zh(pilot_type: str) -> str:
    """The plan's indicator table of a pilot type: ``附件1 表2``."""
    found = re.search(r"附件1\s*表\s*(\d)", catalog.indicator_table(pilot_type).source)
    return f"附件1 表{found.group(1)}" if found else "附件1"


def _veto_zh(veto) -> str:
    """What the veto makes of a failed core target, with its origin."""
    if veto.mode == "off":
        return ""
    origin = origin_zh(veto.is_default)
    if veto.lowers:
        return f"，一票否决（{origin}）"
    return f"，一票否决仅作提示、不改变结论（{origin}）"


def draft_remarks(ev) -> Remarks:
    """Remarks for an :class:`~nzc_review.evaluation.pipeline.Evaluation`."""
    fc = ev.forecast
    rules = ev.rules
    table = indicator_table_zh(ev.pilot_type)
    strengths, problems, supplement = [], [], []
    indicators = ev.compliance.indicators
    stricter = [r for r in indicators if r.stricter_than_reference]
    if stricter:
        strengths.append(
            f"{len(stricter)} 项指标目标值严于参考值（" + "、".join(r.name_zh for r in stricter[:6])
            + ("等" if len(stricter) > 6 else "") + "），体现了较高的建设目标"
            "（附件2 三、建设目标：鼓励提出更高目标）。"
        )
    if fc.meets_target and fc.projected_reduction_pct is not None:
        strengths.append(
            f"情景预测显示，目标年 {fc.target_year} 年碳排放总量预计较基准年下降 "
            f"{fc.projected_reduction_pct:.1f}%，达到下降 {fc.required_reduction_pct:g}% 的要求"
            "（二、建设基础及可行性）。"
        )
    if ev.completeness.status == "complete":
        strengths.append("申报材料齐全，符合编制大纲（附件2）要求。")
    for r in indicators:
        if r.type == "core" and r.target_status == "not_met":
            problems.append(f"核心指标 {r.code} {r.name_zh} 目标值 {r.target} 未达到参考值"
                            f"“{r.reference}”（{table} 核心指标）{_veto_zh(rules.veto)}。")
    for r in indicators:
        if r.type == "core" and r.target_status in {"missing", "needs_review"}:
            what = "未提供基准值，无法判定" if r.target_status == "needs_review" else "未填写目标值"
            supplement.append(f"核心指标 {r.code} {r.name_zh}{what}（附件2 三、建设目标；{table}）。")
    general = [r for r in indicators if r.type != "core" and r.target_status == "not_met"]
    if general:
        problems.append("以下一般/引导指标目标未达到参考值：" + "、".join(
            f"{r.code} {r.name_zh}" for r in general) + f"（{table}）。")
    if fc.meets_target is False:
        problems.append(
            f"情景预测显示，按所列重点项目，目标年碳排放总量仅下降 {fc.projected_reduction_pct:.1f}%，"
            f"低于 {fc.required_reduction_pct:g}% 的要求，尚差约 {fc.gap_tco2:,.0f} 吨CO2，"
            "需增加或强化重点项目（五、重点项目）。"
        )
    p = fc.probability_meets_target
    threshold = rules.verdict.min_probability
    if p is not None and fc.meets_target and p < threshold:
        origin = origin_zh(threshold == type(rules.verdict)().min_probability)
        problems.append(f"重点项目延期或减排不足时，按期实现目标的概率约为 {p:.0%}"
                        f"（低于 {threshold:.0%}，{origin}），"
                        "建议增加减排余量或提前实施（六、进度安排）。")
    for cond in ev.eligibility.conditions:
        if cond.kind == "hard" and cond.status == "not_met":
            why = f"（{cond.auto_detail}）" if cond.auto_detail else ""
            problems.append(f"不符合遴选条件：{cond.text_zh}{why}。")
        elif cond.kind == "hard" and cond.status == "unanswered":
            supplement.append(f"请说明是否符合遴选条件：{cond.text_zh}。")
    for warning in ev.compliance.warnings + [w for w in ev.accounting.warnings if "相差" in w]:
        problems.append(warning + "（二、建设基础及可行性）。")
    supplement.extend(item + "。" for item in ev.completeness.items_to_supplement)
    supplement.extend(f"请核实：{n.text}。" for n in getattr(ev, "plausibility", []))
    summary = (
        f"经自动评估，该申报项目核心指标门槛为“{gate_zh(ev.core_gate, rules.veto)}”，"
        f"建设可行性结论为“{ev.verdict.level}”（{LEVELS_RULE_ZH}）。"
        "本意见为系统生成的草稿，供专家组评审参考。"
    )
    return Remarks(summary, strengths, problems, supplement)
