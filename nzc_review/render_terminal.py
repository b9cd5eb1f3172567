"""Terminal tables (rich) for the command line, in Chinese. Presentation only."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from nzc_review import catalog
from nzc_review.compliance import GATE_ZH, STATUS_ZH, ComplianceReport

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


def gate_text(gate: str) -> Text:
    return Text(f" {GATE_ZH[gate]} ", style=GATE_STYLE[gate])


def format_value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
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


def compliance_view(console, report: ComplianceReport) -> None:
    title = Text.assemble(
        (f"{report.id}  {report.name}", "bold"),
        f"  [{catalog.PILOT_TYPE_ZH[report.pilot_type]}]  基准年 {report.base_year}",
        f"  目标年 {report.target_year or '—'}  核心指标门槛：",
        gate_text(report.core_gate),
    )
    console.print()
    console.print(title)
    table = Table(show_lines=False, header_style="bold")
    for header in ("代码", "一级指标", "指标名称", "参考值", "类型", "现状值", "现状", "目标值",
                   "目标", "说明"):
        table.add_column(header, overflow="fold")
    for r in report.indicators:
        notes = []
        if r.current_source == "computed":
            notes.append("现状值由排放数据计算")
        if r.stricter_than_reference:
            notes.append("目标严于参考值")
        if r.discrepancy:
            notes.append("现状值与计算值不一致")
        if r.rule == "benchmark" and r.benchmark is None:
            notes.append("未提供基准值")
        table.add_row(
            r.code,
            r.category,
            r.name_zh,
            catalog.display_reference(r.reference),
            catalog.INDICATOR_TYPE_ZH[r.type],
            format_value(r.current),
            status_text(r.current_status),
            format_value(r.target),
            status_text(r.target_status),
            "；".join(notes),
            style="bold" if r.type == "core" else None,
        )
    console.print(table)
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
