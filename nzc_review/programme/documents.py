"""The printed documents of 三、(一)3 项目确定: the public notice (公示) and the list of pilots
confirmed (正式确定名单), each as an HTML page (printed to PDF by the command line) and a
workbook. Pure: texts and bytes in, nothing written here.

The notice lists the applications the expert review passed — name, pilot type, county,
construction entity (建设主体, the applicant's organization when the file names it) — with the
period (its start and end as given) and the contact for objections. Text cells of the
workbooks are never formulas (:mod:`nzc_review.files.excel_safety`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from nzc_review.policy.catalog import PILOT_TYPE_ZH
from nzc_review.present.dates import date_zh
from nzc_review.programme.catalog import ProgrammeRules
from nzc_review.programme.notice import ConfirmPlan, NoticePlan

__all__ = ["COLUMNS", "confirmed_html", "confirmed_xlsx", "notice_html", "notice_xlsx"]

#: The columns of both lists.
COLUMNS = ("序号", "申报编号", "项目名称", "试点类型", "县（区）", "建设主体", "市级主管部门", "批次")
PLAN = "《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"

_CSS = """
@page { size: A4 landscape; margin: 14mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  font-size: 10.5pt; margin: 16px; color: #1a1a1a; line-height: 1.6; }
h1 { font-size: 16pt; text-align: center; } h2 { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0 12pt; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef3ee; word-break: keep-all; } td.num { text-align: right; }
td.id { white-space: nowrap; }
.note { color: #444; font-size: 9.5pt; } .sign { text-align: right; margin-top: 18pt; }
"""


def _values(i: int, r: dict[str, Any]) -> list[Any]:
    return [i, r["id"], r["name"], PILOT_TYPE_ZH.get(r["pilot_type"], r["pilot_type"]),
            r["county"], r.get("applicant") or "", r["department"], r["batch"]]


def _table(rows: Sequence[dict[str, Any]], extra: str | None = None,
           extras: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in (*COLUMNS, *((extra,) if extra else ())))
    body = []
    for i, r in enumerate(rows, 1):
        css = {0: " class=num", 1: " class=id"}
        cells = [f"<td{css.get(j, '')}>{escape(str(v))}</td>" for j, v in enumerate(_values(i, r))]
        if extra:
            cells.append(f"<td>{escape(extras[i - 1])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1>{body}</body></html>\n")


def _batch(batch: str | None) -> str:
    return f"（{batch}）" if batch else ""


def notice_title(plan: NoticePlan) -> str:
    return f"河池市近零碳排放区试点拟确定项目公示{_batch(plan.batch)}"


def notice_html(plan: NoticePlan, rules: ProgrammeRules) -> str:
    """The public notice (公示) as a printable page."""
    revise = [r for r in plan.rows if r["status"] == "to_revise"]
    body = (
        f"<p>根据{PLAN}三、(一)3 项目确定“对通过专家评审的试点项目进行公示”，经专家评审，拟确定以下 "
        f"{len(plan.rows)} 个项目为近零碳排放区试点项目，现予以公示。</p>"
        f"<p><b>公示期：</b>{escape(date_zh(plan.start))}至{escape(date_zh(plan.end))}。</p>"
        + _table(plan.rows)
        + "<p>公示期间，任何单位和个人对公示项目有异议的，请以书面形式提出，写明异议事项和理由，"
        "并留下真实姓名（单位名称）和联系方式。</p>"
        f"<p><b>异议受理联系方式：</b>{escape(plan.contact)}</p>"
        + ("<p class='note'>“修改完善后推荐”的项目（"
           + escape("、".join(r["id"] for r in revise))
           + "）须按专家组评审意见修改完善创建方案。</p>" if revise else "")
        + f"<p class='note'>公示期满无异议或异议不成立的，正式确定为试点项目（{PLAN}三、(一)3）。"
        f"{escape(rules.notice.rules)}（本工具默认规则）。</p>"
        + (f"<p class='sign'>{escape(plan.doc)}</p>" if plan.doc else "")
    )
    return _page(notice_title(plan), body)


def _xlsx(sheets: Sequence[tuple[str, Sequence[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from nzc_review.files.excel_safety import append_row, workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        append_row(ws, header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(ws, row)
        for i, name in enumerate(header, start=1):
            longest = max([len(str(name))] + [len(str(r[i - 1] or "")) for r in rows])
            ws.column_dimensions[get_column_letter(i)].width = min(max(longest * 2 + 2, 8), 60)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
    return workbook_bytes(wb)


def notice_xlsx(plan: NoticePlan) -> bytes:
    """The notice's list as a workbook: sheet 公示名单 (the applications) and sheet 公示信息
    (the period and the contact)."""
    info = [["公示期开始", plan.start], ["公示期截止", plan.end], ["异议受理联系方式", plan.contact],
            ["批次", plan.batch or "全部"], ["文号", plan.doc or ""]]
    return _xlsx([("公示名单", COLUMNS, [_values(i, r) for i, r in enumerate(plan.rows, 1)]),
                  ("公示信息", ("项目", "内容"), info)])


def confirmed_title(plan: ConfirmPlan) -> str:
    return f"河池市近零碳排放区试点项目正式确定名单{_batch(plan.batch)}"


def _periods(plan: ConfirmPlan) -> str:
    return "、".join(f"{date_zh(n['start_date'])}至{date_zh(n['end_date'])}" for n in plan.notices)


def confirmed_html(plan: ConfirmPlan) -> str:
    """The list of pilots confirmed (正式确定名单), with the applications an upheld objection
    kept off it and why."""
    upheld_rows = [r for r, _ in plan.upheld]
    reasons = ["；".join(f"异议 {o['id']}：{o['reason']}" for o in objs) for _, objs in plan.upheld]
    body = (
        f"<p>依据{PLAN}三、(一)3 项目确定，以下项目经公示（公示期 {escape(_periods(plan))}），"
        "公示期满无异议或异议不成立，正式确定为近零碳排放区试点项目。</p>"
        + (_table(plan.confirmed) if plan.confirmed else "<p>无。</p>")
        + ("<h2>异议成立、不予确定的项目</h2>" + _table(upheld_rows, "异议成立的理由", reasons)
           if upheld_rows else "")
        + f"<p class='sign'>{escape(plan.doc or '')}<br>{escape(date_zh(plan.on))}</p>"
    )
    return _page(confirmed_title(plan), body)


def confirmed_xlsx(plan: ConfirmPlan) -> bytes:
    """The list as a workbook: sheet 正式确定名单, and sheet 异议成立不予确定 when any."""
    sheets: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        ("正式确定名单", COLUMNS, [_values(i, r) for i, r in enumerate(plan.confirmed, 1)])]
    if plan.upheld:
        sheets.append(("异议成立不予确定", (*COLUMNS, "异议成立的理由"), [
            [*_values(i, r), "；".join(f"异议 {o['id']}：{o['reason']}" for o in objs)]
            for i, (r, objs) in enumerate(plan.upheld, 1)]))
    return _xlsx(sheets)
