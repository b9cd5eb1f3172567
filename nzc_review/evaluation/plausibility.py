"""Plausibility notes (合理性提示): what an expert should check, never decided silently.

Each note is ``needs_review``: it does not change the feasibility verdict, it is shown beside
it (report section 一, the panels, the JSON output) and in the draft remarks, so that the panel
sees it. The checks and their sources:

P1 negative BAU growth (基准情景增长率为负)
    A business-as-usual scenario in which emissions fall by themselves makes the scenario
    forecast (附件2 二(一) 情景预测法) look better than the key projects make it: at −3 %/yr
    the park example without its green-power project moves from 不可行 to 基本可行.
    本工具默认规则: any rate below zero is noted.
P2 “近两年” not the latest two years
    附件2 八(二) asks for 近两年碳排放核算数据: the two years before construction starts
    (``period.start − 2`` and ``period.start − 1``) must both have accounted emissions.
    本工具默认规则: “近两年” is read as those two years.
P3 target year after the first batch's deadline
    河环发〔2023〕23号 一、(三) 工作目标: “到2025年，完成首批试点项目建设与验收”.
    The deadline year is a rule of :class:`PlausibilityRules` (default 2025), since later
    batches may have their own.
P4 an energy-share target no key project addresses
    A target on a renewable / clean / non-fossil energy share above its current value, while
    no key project names a means to raise it (附件2 四 主要任务, 五 重点项目 support the
    targets of 三). 本工具默认规则: a project addresses it when its name or content names
    one of :data:`ENERGY_SHARE_MEANS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nzc_review.evaluation.verdict import CHANGED_RULE, TOOL_RULE
from nzc_review.policy import catalog
from nzc_review.policy.application import Application

#: Words of an energy-share indicator's name (附件1 表1–表5).
ENERGY_SHARE_WORDS = ("可再生能源", "清洁能源", "非化石能源", "新能源")
#: Words in a key project's name or content that name a means of raising an energy share
#: (本工具默认规则).
ENERGY_SHARE_MEANS = (
    "光伏", "风电", "风力", "太阳能", "光热", "地热", "生物质", "水电", "可再生", "清洁能源",
    "新能源", "绿电", "绿证", "绿色电力", "热泵", "电能替代", "以电代", "天然气", "氢能", "储能",
)



@dataclass(frozen=True)
class PlausibilityRules:
    """The tool's thresholds of the plausibility notes (本工具默认规则, configurable in the
    review rules, :mod:`nzc_review.evaluation.review_rules`)."""

    #: Year by which the first batch is built and accepted (一、(三) 工作目标).
    first_batch_deadline: int = 2025
    #: Lowest BAU growth rate accepted without a note.
    min_bau_growth_rate: float = 0.0


@dataclass(frozen=True)
class PlausibilityNote:
    code: str  # P1 … P4
    field: str  # the application field the note is about
    text: str  # what the expert should check, in Chinese
    source: str  # the plan's clause, or 本工具默认规则

    def to_dict(self) -> dict:
        return asdict(self)


def plausibility_notes(
    app: Application, rules: PlausibilityRules | None = None
) -> list[PlausibilityNote]:
    """The notes P1–P4 of ``app``, in that order (empty when nothing needs checking)."""
    rules = rules or PlausibilityRules()
    notes: list[PlausibilityNote] = []
    defaults = PlausibilityRules()
    if app.bau_growth_rate < rules.min_bau_growth_rate:
        low = ("负值" if rules.min_bau_growth_rate == 0
               else f"低于 {rules.min_bau_growth_rate:.1%}")
        origin = (TOOL_RULE if rules.min_bau_growth_rate == defaults.min_bau_growth_rate
                  else CHANGED_RULE)
        notes.append(PlausibilityNote(
            "P1", "bau_growth_rate",
            f"基准情景年增长率为 {app.bau_growth_rate:.1%}（{low}）：未采取措施时排放自行下降"
            "或增长偏低，会使情景预测偏乐观，请核实其依据",
            f"{origin}（附件2 二(一) 情景预测法）"))
    if app.period is not None:
        wanted = [app.period.start - 2, app.period.start - 1]
        missing = [y for y in wanted if y not in app.emissions_tco2]
        if missing:
            notes.append(PlausibilityNote(
                "P2", "emissions_tco2",
                f"“近两年”碳排放核算数据应为建设期开始（{app.period.start}年）前的 "
                f"{wanted[0]}、{wanted[1]} 年，缺少 " + "、".join(f"{y} 年" for y in missing),
                f"附件2 八(二)；{TOOL_RULE}（“近两年”指建设期开始前两年）"))
        if app.period.end > rules.first_batch_deadline:
            notes.append(PlausibilityNote(
                "P3", "period.end",
                f"建设期至 {app.period.end} 年，晚于“到{rules.first_batch_deadline}年，完成首批"
                "试点项目建设与验收”的要求，请核实是否属首批试点",
                "河环发〔2023〕23号 一、(三) 工作目标"
                + ("" if rules.first_batch_deadline == defaults.first_batch_deadline
                   else f"；截止年份为{CHANGED_RULE}")))
    means = [p for p in app.key_projects
             if any(w in f"{p.name} {p.content or ''}" for w in ENERGY_SHARE_MEANS)]
    if not means:
        index = catalog.indicator_index()
        for code, value in app.indicators.items():
            spec = index.get(code)
            if spec is None or not any(w in spec.name_zh for w in ENERGY_SHARE_WORDS):
                continue
            target, current = value.target, value.current
            if isinstance(target, bool) or not isinstance(target, int | float):
                continue
            if isinstance(current, int | float) and not isinstance(current, bool) \
                    and target <= current:
                continue
            notes.append(PlausibilityNote(
                "P4", f"indicators.{code}.target",
                f"{code} {spec.name_zh} 目标 {target:g}{spec.unit}"
                f"{'' if current is None else f'（现状 {current:g}）'}，但没有重点项目提出"
                "提高该比重的措施（如光伏、绿电、电能替代），请核实目标的支撑",
                f"{TOOL_RULE}（附件2 四 主要任务、五 重点项目）"))
    return notes
