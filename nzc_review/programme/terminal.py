"""The register in the terminal: Rich tables in Chinese (pure: rows in, renderables out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from nzc_review.policy.catalog import PILOT_TYPE_ZH
from nzc_review.present.dates import date_zh

__all__ = ["detail_view", "status_table"]


def _t(value: object) -> Text:
    """A cell as plain text (never Rich markup: names are typed by people)."""
    return Text("" if value is None else str(value))


def status_table(rows: Sequence[dict[str, Any]], title: str = "试点名录") -> Table:
    """One line per application: id, name, type, county, department, batch, status, since."""
    table = Table(title=title, header_style="bold")
    for head in ("申报编号", "项目名称", "试点类型", "县（区）", "市级主管部门", "批次", "状态", "状态起始"):
        table.add_column(head)
    for r in rows:
        table.add_row(*map(_t, (r["id"], r["name"], PILOT_TYPE_ZH.get(r["pilot_type"]),
                                r["county"], r["department"], r["batch"], r["status_label"],
                                date_zh(r["since"]))))
    return table


def detail_view(row: dict[str, Any], *, versions: Sequence[dict[str, Any]] = (),
                objections: Sequence[dict[str, Any]] = (),
                results: Sequence[dict[str, Any]] = ()) -> Group:
    """One application: its facts, history, file versions, objections, session results,
    sessions, disclosures and title."""
    facts = Table(show_header=False, box=None)
    facts.add_column(style="bold")
    facts.add_column()
    title = row.get("title")
    for k, v in (("申报编号", row["id"]), ("项目名称", row["name"]),
                 ("试点类型", PILOT_TYPE_ZH.get(row["pilot_type"])), ("县（区）", row["county"]),
                 ("建设主体", row.get("applicant")), ("市级主管部门", row["department"]),
                 ("批次", row["batch"]), ("状态", f"{row['status_label']}（{row['status']}）"),
                 ("称号", f"{title['name']}（{title['doc'] or ''}，{date_zh(title['date'])}）"
                  if title else "—")):
        facts.add_row(_t(k), _t(v))
    history = Table(title="状态变更记录", header_style="bold")
    for head in ("记录时间", "状态", "经办", "文号", "文件日期", "理由"):
        history.add_column(head)
    for h in row["history"]:
        history.add_row(*map(_t, (h["at"], h["status_label"], h["by"], h["doc"],
                                  date_zh(h.get("date")), h["reason"])))
    parts: list[Any] = [facts, history]
    if versions:
        t = Table(title="申报文件版本", header_style="bold")
        for head in ("版本", "原文件", "名录中的副本", "SHA-256", "报送时间"):
            t.add_column(head)
        for v in versions:
            t.add_row(*map(_t, (v["version"], v["source_name"], v["file"], v["sha256"][:16] + "…",
                                v["registered_at"])))
        parts.append(t)
    if objections:
        t = Table(title="异议", header_style="bold")
        for head in ("编号", "收到日期", "异议人", "内容", "认定", "理由"):
            t.add_column(head)
        decided = {"upheld": "成立", "rejected": "不成立", None: "未认定"}
        for o in objections:
            t.add_row(*map(_t, (o["id"], date_zh(o["received"]), o["sender"], o["content"],
                                decided[o["decision"]], o["reason"])))
        parts.append(t)
    if results:
        t = Table(title="评审会（验收会）结论", header_style="bold")
        for head in ("评审会", "轮次", "专家组结论", "记入名录"):
            t.add_column(head)
        for r in results:
            t.add_row(*map(_t, (r["session_name"], r["round"], r["outcome"],
                                "已记入" if r["applied"] else f"未记入：{r['note']}")))
        parts.append(t)
    for label, items in (("关联评审会", row["sessions"]), ("年度碳排放信息披露", row["disclosures"])):
        if items:
            parts.append(Text(f"{label}：" + "；".join(items)))
    return Group(*parts)
