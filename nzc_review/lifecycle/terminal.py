"""Terminal tables (rich) of the lifecycle commands, in Chinese. Presentation only."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from nzc_review.policy import catalog
from nzc_review.present.terminal import format_value, number_text, status_text

VERDICT_STYLE = {True: "bold white on green", False: "bold white on red"}
LEVEL_STYLE = {"ok": "bold green", "warning": "bold black on yellow", "exit": "bold white on red"}
LEVEL_ZH = {"ok": "正常", "warning": "预警", "exit": "建议取消称号"}
PROJECT_STYLE = {"done": "green", "late": "yellow", "not_done": "bold red", "unreported": "red"}


_num = number_text  # "—" for a missing or non-finite number


def _pct(value: float | None) -> str:
    return number_text(value, 1, "%", sign=True)


def level_text(level: str) -> Text:
    return Text(f" {LEVEL_ZH[level]} ", style=LEVEL_STYLE[level])


def verdict_text(res) -> Text:
    return Text(f" {res.verdict} ", style=VERDICT_STYLE[res.passed])


def acceptance_view(console, res) -> None:
    """Everything ``nzc-review accept`` prints for one acceptance."""
    console.print()
    console.print(Text.assemble(
        (f"{res.id}  {res.name}", "bold"), f"  [{catalog.PILOT_TYPE_ZH[res.pilot_type]}]",
        f"  运行年 {res.achieved_year}  验收结论：", verdict_text(res),
        f"  综合得分 {res.score:.1f}  等级 {res.grade_label}"))
    red, other = res.reduction, res.reduction.get("other_basis") or {}
    line = f"核算口径：{res.basis_zh}"
    if red.get("reduction_pct") is not None:
        line += f"；碳排放总量较基准年下降 {red['reduction_pct']:.1f}%"
    if other.get("reduction_pct") is not None:
        line += f"（对照：{other['basis_zh']}口径下降 {other['reduction_pct']:.1f}%）"
    console.print(line)
    table = Table(header_style="bold", title="指标完成情况")
    for header in ("代码", "指标名称", "类型", "参考值", "承诺目标", "实际值", "对照参考值",
                   "对照承诺目标", "系数"):
        table.add_column(header, overflow="fold")
    for r in res.indicators:
        achieved = format_value(r.achieved) + ("（计算）" if r.source == "computed" else "")
        table.add_row(r.code, r.name_zh, catalog.INDICATOR_TYPE_ZH[r.type],
                      catalog.display_reference(r.reference), format_value(r.committed), achieved,
                      status_text(r.reference_status), status_text(r.target_status),
                      f"{r.credit:g}", style="bold" if r.type == "core" else None)
    console.print(table)
    innovative_view(console, res)
    projects = Table(header_style="bold", title="重点项目")
    for header in ("项目", "计划完成", "实际完成", "状态", "预期减排", "实际减排", "兑现率"):
        projects.add_column(header, overflow="fold")
    for p in res.projects:
        projects.add_row(p.name, str(p.planned_end_year or "—"), str(p.completed_year or "—"),
                         Text(p.status_zh, style=PROJECT_STYLE[p.status]),
                         _num(p.expected_reduction_tco2), _num(p.actual_reduction_tco2),
                         f"{p.delivery:.0%}")
    console.print(projects)
    score = Table(header_style="bold", title="评分")
    for header in ("评分项", "分值", "得分", "说明"):
        score.add_column(header)
    for part in res.score_parts:
        score.add_row(part.label, f"{part.weight:g}", f"{part.points:.1f}", part.detail)
    score.add_row(Text("合计", style="bold"), "100", Text(f"{res.score:.1f}", style="bold"),
                  res.score_grade_label)
    console.print(score)
    for c in res.checks:
        mark = Text("✔", style="green") if c.passed else Text("✘", style="bold red")
        console.print(Text.assemble(mark, f" {c.code} {c.label}：{c.detail}"))
    for r in res.reasons:
        console.print(Text(f"[{r.code}] {'否决：' if r.blocking else ''}{r.message}",
                           style="bold red" if r.blocking else "yellow"))


def innovative_view(console, res) -> None:
    """The application's innovative indicators (创新指标) at acceptance, apart; nothing without
    any (rule: :func:`nzc_review.lifecycle.acceptance.judge_innovative_achieved`)."""
    from nzc_review.evaluation.innovative import INNOVATIVE_ZH
    from nzc_review.lifecycle.acceptance import innovative_rule_zh

    if not res.innovative:
        return
    table = Table(header_style="bold", title=INNOVATIVE_ZH)
    for header in ("代码", "指标名称", "单位", "方向", "申报现状值", "承诺目标", "实际值",
                   "对照承诺目标", "说明"):
        table.add_column(header, overflow="fold")
    for r in res.innovative:
        table.add_row(r.code, r.name_zh, r.unit or "—", r.direction_zh, format_value(r.current),
                      format_value(r.committed), format_value(r.achieved),
                      status_text(r.status), r.evidence or "")
    console.print(table)
    console.print(Text(innovative_rule_zh(res.rules["require_innovative_targets"]) + "。",
                       style="dim"))


def acceptance_summary(results: list, console) -> None:
    table = Table(title="验收汇总", header_style="bold")
    for header in ("申报编号", "名称", "试点类型", "核心指标", "综合得分", "等级", "验收结论"):
        table.add_column(header, overflow="fold")
    gate = {"pass": "全部达标", "fail": "未达标", "incomplete": "待补充"}
    for item in results:
        if isinstance(item, dict):
            table.add_row(item["file"], Text("文件无效", style="bold red"), "", "", "", "", "")
            continue
        table.add_row(item.id, item.name, catalog.PILOT_TYPE_ZH[item.pilot_type],
                      gate[item.core_gate], f"{item.score:.1f}", item.grade_label,
                      verdict_text(item))
    console.print()
    console.print(table)


def monitor_view(console, rep) -> None:
    """The ``nzc-review monitor`` tables: pilots with status and reasons, then years."""
    counts = rep.counts()
    overview = Table(title=f"试点复核（截至{rep.as_of}年）：正常 {counts['ok']}，预警 "
                           f"{counts['warning']}，建议取消称号 {counts['exit']}",
                     header_style="bold", show_lines=True)
    for header in ("试点编号", "名称", "类型", "验收年份", f"{rep.as_of}年排放（tCO2）", "较基准年",
                   "复核结论", "原因"):
        overview.add_column(header, overflow="fold")
    for p in rep.pilots:
        now = next((y for y in p.years if y.year == rep.as_of), None)
        reasons = "\n".join(f"[{f.code}] {f.message}" for f in p.flags) or "—"
        overview.add_row(p.id, p.name, catalog.PILOT_TYPE_ZH[p.pilot_type],
                         str(p.accepted_year or "—"),
                         _num(now.emissions_tco2) if now else "—",
                         _pct(now.vs_base_pct) if now else "—", level_text(p.status), reasons)
    console.print(overview)
    console.print(f"核算口径：{rep.basis_zh}；各年排放按此口径比较")
    for p in rep.pilots:
        for note in p.basis_notes:
            console.print(Text(f"注意：{p.id} {note}", style="yellow"))
    years = sorted({y.year for p in rep.pilots for y in p.years})
    matrix = Table(title="逐年状态（碳排放总量 tCO2；灰色：复核期外）", header_style="bold")
    matrix.add_column("试点", overflow="fold")
    for year in years:
        matrix.add_column(str(year), justify="right")
    for p in rep.pilots:
        by_year = {y.year: y for y in p.years}
        cells = []
        for year in years:
            y = by_year.get(year)
            if y is None:
                cells.append(Text(""))
                continue
            text = _num(y.emissions_tco2) if y.disclosed else "未披露"
            style = LEVEL_STYLE[y.status] if y.under_review and y.status != "ok" else (
                "green" if y.under_review else "dim")
            cells.append(Text(text, style=style))
        matrix.add_row(p.id, *cells)
    console.print(matrix)


def disclosure_table(views: list) -> Table:
    table = Table(title="碳排放信息披露", header_style="bold")
    for header in ("试点编号", "名称", "年份", "碳排放总量（tCO2）", "较基准年", "较上年",
                   "核心指标未达到"):
        table.add_column(header, overflow="fold")
    for v in views:
        missed = [i.code for i in v.indicators if i.type == "core" and i.status == "not_met"]
        table.add_row(v.id, v.name, str(v.year), _num(v.emissions_tco2), _pct(v.vs_base_pct),
                      _pct(v.vs_previous_pct), Text("、".join(missed) or "—",
                                                   style="bold red" if missed else ""))
    return table
