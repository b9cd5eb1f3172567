"""Terminal tables (rich) for the command line, in Chinese. Presentation only.

Every number goes through :func:`number_text` or :func:`format_value`: a missing or non-finite
value (``None``, NaN, ±infinity) shows as "—", never as ``inf`` or ``nan%``.
"""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from nzc_review.evaluation.basis import BASIS_ZH
from nzc_review.evaluation.compliance import STATUS_ZH, ComplianceReport
from nzc_review.evaluation.review_rules import VetoRule, gate_zh
from nzc_review.policy import catalog
from nzc_review.present.compliance_rows import Note, indicator_row

STATUS_STYLE = {
    "met": ("✔", "green"),
    "not_met": ("✘", "bold red"),
    "missing": ("…", "yellow"),
    "needs_review": ("?", "magenta"),
}
GATE_STYLE = {"pass": "bold green", "fail": "bold white on red", "incomplete": "bold black on yellow"}


def status_text(status: str) -> Text:
    mark, style = STATUS_STYLE[status]
    return Text(f"{mark} {STATUS_ZH[status]}", style=style)


def gate_text(gate: str, veto: VetoRule | None = None) -> Text:
    """The core gate as a badge, in the words of the veto rule in force
    (:func:`nzc_review.evaluation.review_rules.gate_zh`; default: the tool's default rule)."""
    return Text(f" {gate_zh(gate, veto)} ", style=GATE_STYLE[gate])


def number_text(value: float | None, digits: int = 0, suffix: str = "", sign: bool = False) -> str:
    """``value`` with thousands separators, ``digits`` decimals and ``suffix``; "—" when missing
    or not a finite number."""
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    return f"{value:{'+' if sign else ''},.{digits}f}{suffix}"


def short_number(value: float | None) -> str:
    """``value`` in the shortest form (``:g``); "—" when missing or not finite."""
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    return f"{value:g}"


def format_value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def catalog_table(pilot_type: str) -> Table:
    table_data = catalog.indicator_table(pilot_type)
    table = Table(title=f"{table_data.source}（{pilot_type}）", show_lines=False)
    for header in ("代码", "一级指标", "指标名称", "单位", "参考值", "指标类型", "判定规则"):
        table.add_column(header, overflow="fold")
    for row in table_data.indicators:
        style = "bold" if row.type == "core" else None
        table.add_row(
            row.code,
            row.category,
            row.name_zh,
            row.unit,
            catalog.display_reference(row.reference),
            catalog.INDICATOR_TYPE_ZH[row.type],
            catalog.RULE_ZH[row.rule.kind],
            style=style,
        )
    return table


#: How the terminal words the notes of an indicator row
#: (:mod:`nzc_review.present.compliance_rows`); a given benchmark is not noted.
NOTE_ZH: dict[Note, str] = {
    "computed": "现状值由排放数据计算",
    "stricter": "目标严于参考值",
    "discrepancy": "现状值与计算值不一致",
    "no_benchmark": "未提供基准值",
}


def compliance_view(console, report: ComplianceReport, *, show_basis: bool = True,
                    veto: VetoRule | None = None) -> None:
    """The compliance table of one application, its innovative indicators apart (创新指标), and
    the accounting basis of the computed values (``show_basis``)."""
    title = Text.assemble(
        (f"{report.id}  {report.name}", "bold"),
        f"  [{catalog.PILOT_TYPE_ZH[report.pilot_type]}]  基准年 {report.base_year}",
        f"  目标年 {report.target_year or '—'}  核心指标门槛：",
        gate_text(report.core_gate, veto),
    )
    console.print()
    console.print(title)
    if show_basis and report.basis_zh:
        console.print(f"核算口径：{report.basis_zh}（由排放数据计算的现状值按此口径）")
    table = Table(show_lines=False, header_style="bold")
    for header in ("代码", "一级指标", "指标名称", "参考值", "类型", "现状值", "现状", "目标值",
                   "目标", "说明"):
        table.add_column(header, overflow="fold")
    for r in map(indicator_row, report.indicators):
        table.add_row(
            r.code,
            r.category,
            r.name_zh,
            r.reference,
            r.type_zh,
            format_value(r.current),
            status_text(r.current_status),
            format_value(r.target),
            status_text(r.target_status),
            "；".join(NOTE_ZH[n] for n in r.notes if n in NOTE_ZH),
            style="bold" if r.core else None,
        )
    console.print(table)
    innovative_view(console, report)
    if report.failed_core:
        console.print(Text("核心指标目标未达标（一票否决）：" + "、".join(report.failed_core),
                           style="bold red"))
    missing_core = [r.code for r in report.indicators
                    if r.type == "core" and r.target_status in {"missing", "needs_review"}]
    if missing_core:
        console.print(Text("核心指标目标待补充或需核定：" + "、".join(missing_core), style="yellow"))
    if report.stricter:
        console.print("目标严于参考值：" + "、".join(report.stricter))
    for warning in report.warnings:
        console.print(Text("注意：" + warning, style="yellow"))


#: The columns of the innovative-indicator table, as in the evaluation report
#: (:func:`nzc_review.present.evaluation_report.innovative_table`).
INNOVATIVE_HEADERS = ("代码", "指标名称", "单位", "方向", "现状值", "现状", "目标值", "目标", "说明")


def innovative_view(console, report: ComplianceReport) -> None:
    """创新指标 (附件2 三) in a table of their own, judged by their direction; nothing without
    any (rule: :mod:`nzc_review.evaluation.innovative`, 本工具默认规则)."""
    from nzc_review.evaluation.innovative import INNOVATIVE_RULE_ZH, INNOVATIVE_ZH

    if not report.innovative:
        return
    table = Table(title=INNOVATIVE_ZH, header_style="bold")
    for header in INNOVATIVE_HEADERS:
        table.add_column(header, overflow="fold")
    for r in report.innovative:
        notes = ["目标优于现状" if r.improves else "", r.evidence or ""]
        table.add_row(
            r.code, r.name_zh, r.unit or "—", r.direction_zh, format_value(r.current),
            Text("—") if r.current_status is None else status_text(r.current_status),
            format_value(r.target), status_text(r.target_status),
            "；".join(n for n in notes if n),
        )
    console.print(table)
    console.print(Text(INNOVATIVE_RULE_ZH + "。", style="dim"))


def compliance_summary(results: list, console) -> None:
    table = Table(title="核查汇总", header_style="bold")
    for header in ("申报编号", "名称", "试点类型", "核心指标门槛", "目标达标", "目标未达标", "缺失"):
        table.add_column(header, overflow="fold")
    for item in results:
        if isinstance(item, dict):
            table.add_row(item["file"], Text("文件无效", style="bold red"), "", "", "", "", "")
            continue
        n = len(item.indicators)
        met = sum(r.target_status == "met" for r in item.indicators)
        not_met = sum(r.target_status == "not_met" for r in item.indicators)
        table.add_row(
            item.id,
            item.name,
            catalog.PILOT_TYPE_ZH[item.pilot_type],
            gate_text(item.core_gate),
            f"{met}/{n}",
            str(not_met),
            str(len(item.missing)),
        )
    console.print()
    console.print(table)


VERDICT_STYLE = {"feasible": "bold white on green", "basically_feasible": "bold black on yellow",
                 "infeasible": "bold white on red"}


_num = number_text


def evaluation_view(console, ev) -> None:
    """Everything ``nzc-review evaluate`` prints for one application."""
    compliance_view(console, ev.compliance, show_basis=False, veto=ev.rules.veto)
    console.print(Text.assemble("可行性结论：", (f" {ev.verdict.level} ", VERDICT_STYLE[ev.verdict.code])))
    for reason in ev.verdict.reasons:
        console.print(f"  [{reason.rule}] {reason.level}：{reason.text}")
    for note in ev.plausibility:
        console.print(f"  [{note.code}] 需核实：{note.text}（{note.source}）", markup=False)

    table = Table(title="遴选条件", header_style="bold")
    for header in ("条件", "类型", "申报", "自动核查", "结论"):
        table.add_column(header, overflow="fold")
    for c in ev.eligibility.conditions:
        answer = {True: "是", False: "否", None: "未作答"}[c.answer]
        status = {"met": Text("✔ 符合", "green"), "not_met": Text("✘ 不符合", "bold red"),
                  "unanswered": Text("… 未作答", "yellow")}[c.status]
        table.add_row(c.text_zh, "必备" if c.kind == "hard" else "优先", answer,
                      c.auto_detail or "", status)
    console.print(table)

    if ev.completeness.items_to_supplement:
        console.print(Text("需补充材料：", style="bold yellow"))
        for item in ev.completeness.items_to_supplement:
            console.print(f"  · {item}")
    else:
        console.print(Text("申报材料完整（附件2 八个部分齐全）", style="green"))

    acc = ev.accounting
    console.print(Text(f"核算口径：{acc.basis_zh}；另一口径（{BASIS_ZH[acc.other_basis]}）并列显示",
                       style="bold"))
    table = Table(title="碳排放核算（tCO2）", header_style="bold")
    for header in ("年份", "直接排放", "间接排放", "总量（基于位置）", "扣除绿电", "本口径·比较用",
                   "另一口径·比较用", "申报总量", "差异", "能耗（tce）", "可再生能源比重",
                   "清洁能源使用率"):
        table.add_column(header, justify="right")
    for year, a in acc.years.items():
        table.add_row(str(year), _num(a.direct_tco2), _num(a.indirect_tco2), _num(a.total_tco2),
                      _num(a.total_green_deducted_tco2), _num(a.basis_tco2),
                      _num(a.other_basis_tco2), _num(a.declared_tco2),
                      _num(a.difference_pct, 1, "%"), _num(a.energy_tce),
                      _num(a.renewable_share_pct, 1, "%"), _num(a.clean_energy_rate_pct, 1, "%"))
    console.print(table)
    for warning in acc.warnings + [n for n in acc.basis_notes if n not in acc.warnings]:
        console.print(Text("注意：" + warning, style="yellow"))

    fc = ev.forecast
    table = Table(title="情景预测（tCO2）", header_style="bold")
    for header in ("年份", "基准情景", "规划情景", "风险P10", "风险P90", "达标线"):
        table.add_column(header, justify="right")
    bands = dict(zip(ev.risk.years, zip(ev.risk.p10_tco2, ev.risk.p90_tco2, strict=True),
                     strict=True))
    for row in fc.years:
        p10, p90 = bands.get(row.year, (None, None))
        table.add_row(str(row.year), _num(row.bau_tco2), _num(row.plan_tco2), _num(p10),
                      _num(p90), _num(row.required_tco2))
    console.print(table)
    if fc.projected_reduction_pct is not None:
        met = {True: Text("达到", "green"), False: Text("未达到", "bold red"), None: Text("无法判断")}
        console.print(Text.assemble(
            f"目标年 {fc.target_year} 预计较{fc.base_year}年下降 "
            f"{_num(fc.projected_reduction_pct, 1, '%')}，"
            f"要求 {short_number(fc.required_reduction_pct)}%：", met[fc.meets_target],
            f"；按期实现概率 {_num((fc.probability_meets_target or 0) * 100, 0, '%')}"
            f"（{fc.basis_zh}）"))
        other = fc.other_basis or {}
        if other.get("projected_reduction_pct") is not None:
            console.print(f"  · 对照：{other['basis_zh']}口径下预计下降 "
                          f"{_num(other['projected_reduction_pct'], 1, '%')}"
                          f"（{ {True: '达到', False: '未达到', None: '无法判断'}[other['meets_target']] }"
                          "要求，仅供参考，不作为结论依据）")
    for note in fc.assumptions + fc.problems:
        console.print(f"  · {note}")
    for left in fc.projects_not_counted:
        console.print(f"  · 未计入：{left['name']}（{left['reason']}）")
    console.print(f"  · {ev.risk.assumptions}")

    table = Table(title="重点项目成本有效性", header_style="bold")
    for header in ("项目", "投资（万元）", "年减排（tCO2）", "寿命（年）", "单位减排成本（元/tCO2）"):
        table.add_column(header, justify="right")
    table.add_column("说明", overflow="fold")
    for p in ev.costs.projects:
        table.add_row(p.name, _num(p.investment_10k_cny), _num(p.reduction_tco2_per_year),
                      str(p.lifetime_years), _num(p.cost_cny_per_tco2), p.note or "")
    console.print(table)


def factors_table_view(rows: list[dict]) -> Table:
    table = Table(title="排放因子", header_style="bold")
    for header in ("因子", "范围", "年份", "数值", "单位", "来源"):
        table.add_column(header, overflow="fold")
    for r in rows:
        value = short_number(r["value"]) + ("（未核实）" if "unverified" in (r.get("note") or "")
                                            else "")
        table.add_row(r["key"], r["scope"], str(r["year"]), value, r["unit"], r["source"])
    return table


def evaluation_summary(results: list, console) -> None:
    table = Table(title="评估汇总", header_style="bold")
    for header in ("申报编号", "名称", "试点类型", "核心指标门槛", "遴选条件", "材料完整性",
                   "目标年预计降幅", "按期实现概率", "可行性结论"):
        table.add_column(header, overflow="fold")
    for ev in results:
        if isinstance(ev, dict):
            table.add_row(ev["file"], Text("文件无效", style="bold red"), *[""] * 7)
            continue
        fc = ev.forecast
        table.add_row(
            ev.id, ev.name, ev.pilot_type_zh, gate_text(ev.core_gate, ev.rules.veto),
            {"eligible": "符合", "not_eligible": "不符合", "unconfirmed": "待确认"}[
                ev.eligibility.status],
            "完整" if ev.completeness.status == "complete"
            else f"缺 {len(ev.completeness.items_to_supplement)} 项",
            _num(fc.projected_reduction_pct, 1, "%")
            + f"（要求 {short_number(fc.required_reduction_pct or 0)}%）",
            _num((fc.probability_meets_target or 0) * 100, 0, "%")
            if fc.probability_meets_target is not None else "—",
            Text(f" {ev.verdict.level} ", VERDICT_STYLE[ev.verdict.code]),
        )
    console.print()
    console.print(table)
    bases = {ev.accounting.basis_zh for ev in results if not isinstance(ev, dict)}
    if bases:
        console.print(f"核算口径：{'、'.join(sorted(bases))}")
