"""Export a review session to an Excel workbook: every score, weight and opinion.

Sheets (Chinese first): 评审会 (session and criteria), 评分 (one row per expert and
application with every criterion score and the weighted total), 权重 (each expert's
normalised weights), 评审意见 (each expert's opinion), 专家组意见 (the consensus and
finalization, with the panel's figures from :func:`nzc_review.store.figures.application_figures`),
专家 (panel; no tokens), 利益冲突 (conflicts of interest), 申报 (every
imported version with its SHA-256). The workbook is written to a temporary file next to the
target and renamed into place, so a reader never sees half a file. Every text (names, opinions,
criteria) is stored as text, never as a formula (:mod:`nzc_review.files.excel_safety`, OWASP CSV
Injection).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nzc_review.files.atomic import write_atomic
from nzc_review.files.excel_safety import append_row, workbook_bytes
from nzc_review.store.errors import StoreError
from nzc_review.store.interface import ReviewStore
from nzc_review.store.kinds import wording
from nzc_review.store.records import RECOMMENDATION_ZH, ROLE_ZH, Actor, Expert

__all__ = ["expert_row", "export_workbook"]


def expert_row(e: Expert) -> list[str]:
    """One member of the panel as the 专家 sheet and ``nzc-review expert list`` show them:
    代号, 姓名, 单位, 职称, 专业领域, 县（市、区）, 角色, 有效 (no token)."""
    return [
        e.code,
        e.name,
        e.organisation,
        e.title or "",
        e.field or "",
        e.county or "",
        e.role_zh,
        "是" if e.active else "否",
    ]


def _write_sheet(
    wb: Any,
    title: str,
    header: list[str],
    rows: list[list[Any]],
    widths: dict[int, int] | None = None,
) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    ws.freeze_panes = "A2"
    for i, name in enumerate(header, start=1):
        width = (widths or {}).get(i) or min(max(len(str(name)) * 2 + 2, 10), 40)
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and len(cell.value) > 30:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def export_workbook(store: ReviewStore, actor: Actor, out: str | os.PathLike[str]) -> Path:
    """Write the session's workbook to ``out`` (``.xlsx``); return the path.

    Raises
    ------
    PermissionDenied
        ``actor`` is not the chair, the secretary or the operator.
    StoreError
        ``out`` does not end in ``.xlsx`` or its folder does not exist.
    """
    from openpyxl import Workbook

    from nzc_review.store import audit_head

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise StoreError(f"{out}: the export is an Excel workbook; name it *.xlsx")
    if not out.parent.is_dir():
        raise StoreError(f"{out.parent}: no such folder")

    reviews = store.reviews(actor)  # checks the actor may read everything
    info = store.session(actor)
    experts = {e.id: e for e in store.experts(actor)}
    apps = {a.id: a for a in store.applications(actor)}
    conflicts = store.conflicts(actor)
    crit = info.criteria
    use_names = info.session_rules.shows_names
    words = wording(info)  # 评审 or 验收: the session's kind

    def who(eid: int) -> list[Any]:
        e = experts.get(eid)
        return [
            e.code if e else f"#{eid}",
            e.name if e else "",
            ROLE_ZH.get(e.role, "") if e else "",
        ]

    wb = Workbook()
    wb.remove(wb.active)

    session_rows: list[list[Any]] = [
        ["名称", info.name],
        ["日期", info.date or ""],
        ["批次", info.batch or ""],
        ["创建时间 (UTC)", info.created_at],
        ["专家显示", "姓名" if use_names else "专家A/B/C"],
        ["数据库版本", info.schema_version],
        ["审计链头", audit_head(store, actor)],
        [],
        [words.criteria, "默认权重"],
    ]
    session_rows += [[c.name, round(c.weight, 6)] for c in crit]
    _write_sheet(wb, words.meeting, ["项目", "内容"], session_rows, {1: 30, 2: 40})

    header = ["申报编号", "申报名称", f"{words.doing}版本", "专家代号", "专家姓名", "角色", "状态",
              "回避"]
    header += [c.name for c in crit] + [
        "加权总分",
        words.choice,
        "保存次数",
        "最后保存 (UTC)",
        "提交时间 (UTC)",
        "退回原因",
    ]
    rows = []
    for r in reviews:
        app = apps.get(r.app_id)
        rows.append(
            [
                r.app_id,
                app.name if app else "",
                r.app_version,
                *who(r.expert_id),
                r.status_zh,
                "是" if r.recused else "",
            ]
            + [r.scores.get(c.id) for c in crit]
            + [
                None if r.total is None else round(r.total, 4),
                r.opinion.recommendation_zh,
                r.saves,
                r.updated_at,
                r.submitted_at or "",
                r.reopen_reason or "",
            ]
        )
    _write_sheet(wb, "评分", header, rows)

    rows = []
    for r in reviews:
        w = r.weights or {}
        norm = w.get("normalized") or {}
        method = {"direct": "直接赋分", "pairwise": "层次分析法"}.get(w.get("method"), "默认权重")
        rows.append(
            [r.app_id, *who(r.expert_id)[:2], method]
            + [
                round(norm[c.id], 6) if c.id in norm else (None if w else round(c.weight, 6))
                for c in crit
            ]
            + [w.get("cr")]
        )
    _write_sheet(
        wb,
        "权重",
        ["申报编号", "专家代号", "专家姓名", "赋权方法"]
        + [c.name for c in crit]
        + ["一致性比率 CR"],
        rows,
    )

    rows = [
        [
            r.app_id,
            *who(r.expert_id)[:2],
            r.status_zh,
            r.opinion.strengths,
            r.opinion.problems,
            r.opinion.revisions,
            r.opinion.recommendation_zh,
        ]
        for r in reviews
    ]
    _write_sheet(
        wb,
        words.opinion,
        [
            "申报编号",
            "专家代号",
            "专家姓名",
            "状态",
            "主要优点",
            "存在问题",
            "修改意见",
            words.choice,
        ],
        rows,
        {5: 50, 6: 50, 7: 50},
    )

    from nzc_review.store.figures import application_figures

    rows = []
    for app in apps.values():
        cons = store.consensus(actor, app.id)
        fig = application_figures(
            store, actor, app.id, reviews=[r for r in reviews if r.app_id == app.id]
        )
        rows.append(
            [
                app.id,
                app.name,
                "已定稿" if app.finalized else f"{words.doing}中",
                cons.opinion if cons else "",
                cons.majority if cons else "",
                cons.minority if cons else "",
                RECOMMENDATION_ZH.get(cons.recommendation or "", "") if cons else "",
            ]
            + (
                [
                    fig.panel_total,
                    fig.total.mean,
                    fig.total.median,
                    fig.total.trimmed_mean,
                    fig.panel_total_rule_zh,
                ]
                if fig
                else [None, None, None, None, ""]
            )
            + [
                app.finalized_at or "",
                app.finalized_by or "",
                app.finalize_note or "",
                cons.app_version if cons and cons.app_version else None,
                app.round,
            ]
        )
    _write_sheet(
        wb,
        "专家组意见",
        [
            "申报编号",
            "申报名称",
            "状态",
            words.consensus,
            "多数意见",
            "少数意见",
            words.conclusion,
            "专家组评分",
            "平均分",
            "中位数",
            "去掉最高最低分平均分",
            "计分规则",
            "定稿时间 (UTC)",
            "定稿人",
            "定稿说明",
            "专家组意见所评版本",
            f"{words.doing}轮次",
        ],
        rows,
        {4: 60, 5: 40, 6: 40},
    )

    rows = [expert_row(e) for e in experts.values()]
    _write_sheet(
        wb,
        "专家",
        ["代号", "姓名", "单位", "职称", "专业领域", "所在县（市、区）", "角色", "有效"],
        rows,
    )

    rows = [
        [
            c.id,
            c.app_id,
            *who(c.expert_id)[:2],
            c.basis_zh,
            c.detail,
            c.status_zh,
            c.reason or "",
            c.recorded_at,
            c.decided_by or "",
            c.decided_at or "",
        ]
        for c in conflicts
    ]
    _write_sheet(
        wb,
        "利益冲突",
        [
            "编号",
            "申报编号",
            "专家代号",
            "专家姓名",
            "依据",
            "说明",
            "状态",
            "理由",
            "记录时间 (UTC)",
            "确认人",
            "确认时间 (UTC)",
        ],
        rows,
    )

    rows = [
        [
            v.app_id,
            v.name,
            v.pilot_type,
            v.applicant_organization or "",
            v.applicant_county or "",
            v.version,
            "当前" if apps.get(v.app_id) and apps[v.app_id].version == v.version else "历史",
            v.source_name,
            v.content_sha256,
            v.imported_at,
            v.imported_by,
        ]
        for v in store.versions(actor)
    ]
    _write_sheet(
        wb,
        "申报",
        [
            "申报编号",
            "申报名称",
            "试点类型",
            "申报主体",
            "所在县（市、区）",
            "版本",
            "当前/历史",
            "源文件",
            "源文件 SHA-256",
            "导入时间 (UTC)",
            "导入人",
        ],
        rows,
        {9: 66},
    )

    return write_atomic(out, workbook_bytes(wb))
