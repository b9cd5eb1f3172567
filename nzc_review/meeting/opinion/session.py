"""The session's results: ranking (排名), the public-notice list (公示名单) and their files.

Pure parts: :func:`rank_totals` (competition ranking with ties) and :func:`session_kendall`.
:func:`session_overview` reads the store (through :func:`~nzc_review.meeting.opinion.data.collect_opinion`,
so the numbers are the very ones the per-application reports print) and
:func:`write_session_summary` writes ``summary.html``, ``summary.xlsx``, ``public_notice.html``,
``public_notice.xlsx`` and ``scores.xlsx`` (the store's export: every score, weight and opinion),
each atomically.

Ranking: finalized applications by the panel total (the total each report's recommendation
rests on), highest first. Totals equal when rounded to two decimals (the precision printed)
share a rank (1, 2, 2, 4) and are noted 并列. Applications without a total come last, unranked.

Public notice: 河环发〔2023〕23号 三、(一)3 publishes “通过专家评审的试点项目”. Which
recommendations enter the list is the session's 公示名单 rule (``public_notice`` of the review
rules, :class:`~nzc_review.evaluation.review_rules.NoticeRule`; 本工具默认规则: the finalized
applications whose panel recommendation, the consensus, is 推荐 or 修改完善后推荐), in ranking
order, with name, applicant, county, pilot type, the recommendation, the panel total
(专家组评分, :func:`nzc_review.store.figures.panel_figures`, as in every other view) and a
note. The core-indicator veto (一票否决) is the tool's rule, not the plan's: by default an
application the panel recommended despite it stays on the list, its note naming the failed core
indicators and the rule, and the summary names it with the rule; a session whose rules say
``veto_removes: true`` leaves it off the list, and the summary names it with that rule. Never a
silent removal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from nzc_review.evaluation.review_rules import NoticeRule
from nzc_review.evaluation.verdict import origin_zh
from nzc_review.files.atomic import write_atomic
from nzc_review.mcda.checks import McdaError
from nzc_review.mcda.panel_stats import KendallW, kendall_w
from nzc_review.meeting.opinion.data import PanelOpinion, collect_opinion
from nzc_review.meeting.opinion.html import audit_head_line
from nzc_review.policy import catalog
from nzc_review.present.dates import date_zh
from nzc_review.store import Actor, ApplicationRecord, ReviewStore, SessionInfo

__all__ = [
    "NOTICE_OUTCOMES",
    "RankedApplication",
    "SessionOverview",
    "notice_html",
    "rank_totals",
    "session_kendall",
    "session_overview",
    "summary_html",
    "write_session_summary",
]

#: Recommendations that put an application on the public-notice list by default
#: (:class:`~nzc_review.evaluation.review_rules.NoticeRule`, 本工具默认规则).
NOTICE_OUTCOMES = NoticeRule().outcomes


def rank_totals(totals: Sequence[float | None], digits: int = 2) -> list[tuple[int | None, bool]]:
    """Competition ranks (1, 2, 2, 4) of totals, highest first, with a tie flag.

    Parameters
    ----------
    totals:
        One total per item; ``None`` is not ranked.
    digits:
        Totals equal after rounding to ``digits`` decimals tie.

    Returns
    -------
    list of (rank, tied)
        In the order of ``totals``; ``(None, False)`` for ``None``.
    """
    keyed = [None if t is None else round(float(t), digits) for t in totals]
    present = [k for k in keyed if k is not None]
    out: list[tuple[int | None, bool]] = []
    for k in keyed:
        if k is None:
            out.append((None, False))
            continue
        rank = 1 + sum(1 for other in present if other > k)
        out.append((rank, present.count(k) > 1))
    return out


def session_kendall(totals: Mapping[str, Mapping[str, float]]) -> tuple[KendallW | None, str]:
    """Kendall's W of the experts over the applications (raters = experts, items =
    applications), from the experts who scored every application.

    Parameters
    ----------
    totals:
        Expert label → application id → that expert's weighted total.

    Returns
    -------
    (KendallW or None, note)
        ``None`` with the reason when W is undefined.
    """
    apps = sorted({a for per in totals.values() for a in per})
    complete = [e for e, per in totals.items() if all(a in per for a in apps)]
    if len(apps) < 2:
        return None, "定稿申报不足 2 项，无法计算专家间排序一致性。"
    if len(complete) < 2:
        return None, "对全部定稿申报都评分的专家不足 2 位（回避或未评分），无法计算。"
    x = np.array([[totals[e][a] for a in apps] for e in complete])
    try:
        return kendall_w(x), f"{len(complete)} 位专家 × {len(apps)} 项申报"
    except McdaError:
        return None, "每位专家给各申报的总分均相同，W 无定义。"


@dataclass(frozen=True)
class RankedApplication:
    """One finalized application in the ranking."""

    rank: int | None
    tied: bool
    app_id: str
    name: str
    applicant: str
    county: str
    pilot_type: str
    pilot_type_zh: str
    total: float | None
    total_source: str
    total_rule: str
    n_experts: int
    mean: float | None
    median: float | None
    trimmed_mean: float | None
    recommendation: str | None
    recommendation_zh: str
    core_gate: str
    vetoed: bool
    #: The failed core indicators (codes) behind a veto flag.
    failed_core: tuple[str, ...] = ()
    #: The veto rule the evaluation followed (one sentence with its origin).
    veto_rule: str = ""
    #: Where that rule comes from: 本工具默认规则, or the session's rules file.
    veto_origin: str = ""

    @property
    def veto_note(self) -> str:
        """The veto flag as the lists show it (empty without a veto)."""
        if not self.vetoed:
            return ""
        return (f"核心指标{'、'.join(self.failed_core)}目标未达到参考值，一票否决提示"
                f"（{self.veto_origin}）；以专家组结论为准")

    @property
    def rank_text(self) -> str:
        """``3``, ``2（并列）`` or ``—`` (no total)."""
        if self.rank is None:
            return "—"
        return f"{self.rank}（并列）" if self.tied else str(self.rank)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True)
class SessionOverview:
    """The session's results for its summary.

    Attributes
    ----------
    session:
        The review session.
    ranking:
        Finalized applications, ranked.
    open_apps:
        Applications not finalized yet (not ranked, no report).
    kendall, kendall_note:
        Kendall's W of the experts over the finalized applications (:func:`session_kendall`).
    audit_head:
        The head of the audit trail when the overview was made
        (:func:`nzc_review.store.audit_head`), printed on the summary.
    """

    session: SessionInfo
    ranking: tuple[RankedApplication, ...]
    open_apps: tuple[ApplicationRecord, ...]
    kendall: KendallW | None
    kendall_note: str
    audit_head: str = ""

    @property
    def notice_rule(self) -> NoticeRule:
        """The session's 公示名单 rule (its review rules)."""
        return self.session.session_rules.review.public_notice

    @property
    def notice(self) -> tuple[RankedApplication, ...]:
        """The public-notice list (公示名单): the recommendations the session's rule lists; an
        application under the veto flag stays on it (with its note) unless the rule says
        ``veto_removes``."""
        rule = self.notice_rule
        return tuple(
            r for r in self.recommended if not (r.vetoed and rule.veto_removes)
        )

    @property
    def recommended(self) -> tuple[RankedApplication, ...]:
        """The applications whose panel recommendation the 公示名单 rule lists."""
        return tuple(r for r in self.ranking if r.recommendation in self.notice_rule.outcomes)

    @property
    def vetoed_but_recommended(self) -> tuple[RankedApplication, ...]:
        """Applications the panel recommended although a core indicator's veto flag is on
        them: named in the summary with the rule (on the list with the flag, or left off it
        when the rule says ``veto_removes``)."""
        return tuple(r for r in self.recommended if r.vetoed)

    @property
    def ties(self) -> tuple[tuple[RankedApplication, ...], ...]:
        """Groups of applications sharing a rank."""
        groups: dict[int, list[RankedApplication]] = {}
        for r in self.ranking:
            if r.tied and r.rank is not None:
                groups.setdefault(r.rank, []).append(r)
        return tuple(tuple(g) for _, g in sorted(groups.items()))


def _ranked_row(op: PanelOpinion) -> dict[str, Any]:
    a, sc = op.app, op.scores
    return {
        "app_id": a.id,
        "name": a.name,
        "applicant": a.applicant_organization or "",
        "county": a.applicant_county or "",
        "pilot_type": a.pilot_type,
        "pilot_type_zh": catalog.PILOT_TYPE_ZH.get(a.pilot_type, a.pilot_type),
        "total": op.total,
        "total_source": op.total_source,
        "total_rule": sc.panel_total_rule_zh if sc else "",
        "n_experts": sc.n_experts if sc else 0,
        "mean": sc.total.mean if sc else None,
        "median": sc.total.median if sc else None,
        "trimmed_mean": sc.total.trimmed_mean if sc else None,
        "recommendation": op.recommendation,
        "recommendation_zh": op.recommendation_zh,
        "core_gate": op.core_gate,
        "vetoed": op.vetoed,
        "failed_core": tuple(op.evaluation.compliance.failed_core),
        "veto_rule": op.veto_rule_zh if op.vetoed else "",
        "veto_origin": origin_zh(op.evaluation.rules.veto.is_default) if op.vetoed else "",
    }


def session_overview(
    store: ReviewStore, actor: Actor, opinions: Mapping[str, PanelOpinion] | None = None
) -> SessionOverview:
    """Rank the finalized applications and make the public-notice list.

    Parameters
    ----------
    store, actor:
        The review store and a reader of every record (chair, secretary, operator).
    opinions:
        Opinions already collected (app id → :class:`PanelOpinion`); the others are
        collected here.
    """
    session = store.session(actor)
    apps = store.applications(actor)
    done = [a for a in apps if a.finalized]
    ops = [(opinions or {}).get(a.id) or collect_opinion(store, actor, a.id) for a in done]
    rows = [_ranked_row(op) for op in ops]
    ranks = rank_totals([r["total"] for r in rows])
    ranked = [
        RankedApplication(rank=rank, tied=tied, **row)
        for row, (rank, tied) in zip(rows, ranks, strict=True)
    ]
    ranked.sort(key=lambda r: (r.rank is None, r.rank or 0, r.app_id))
    per_expert: dict[str, dict[str, float]] = {}
    for op in ops:
        if op.scores is None:
            continue
        for label, total in zip(op.scores.experts, op.scores.totals, strict=True):
            per_expert.setdefault(label, {})[op.app.id] = total
    kw, note = session_kendall(per_expert)
    from nzc_review.store import audit_head

    return SessionOverview(
        session=session,
        ranking=tuple(ranked),
        open_apps=tuple(a for a in apps if not a.finalized),
        kendall=kw,
        kendall_note=note,
        audit_head=audit_head(store, actor),
    )


# --- files ------------------------------------------------------------------------------------

RANKING_COLUMNS = (
    "排名",
    "申报编号",
    "申报名称",
    "申报单位",
    "试点类型",
    "专家组评分",
    "计分规则",
    "评分专家数",
    "平均分",
    "中位数",
    "去掉最高最低分平均分",
    "核心指标门槛",
    "推荐结论",
)
NOTICE_COLUMNS = (
    "序号",
    "申报名称",
    "申报单位",
    "所在县（市、区）",
    "试点类型",
    "推荐结论",
    "专家组评分",
    "备注",
)
_GATE = {"pass": "通过", "fail": "不通过", "incomplete": "待补充"}


def _gate(r: RankedApplication) -> str:
    """The core gate as the ranking shows it, the veto flag named (本工具默认规则)."""
    text = _GATE.get(r.core_gate, r.core_gate)
    return text + "（一票否决）" if r.vetoed else text


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _ranking_values(r: RankedApplication) -> list[Any]:
    return [
        r.rank_text,
        r.app_id,
        r.name,
        r.applicant,
        r.pilot_type_zh,
        _round(r.total),
        r.total_rule or "—",
        r.n_experts,
        _round(r.mean),
        _round(r.median),
        _round(r.trimmed_mean),
        _gate(r),
        r.recommendation_zh,
    ]


def _notice_values(i: int, r: RankedApplication) -> list[Any]:
    return [i, r.name, r.applicant, r.county, r.pilot_type_zh, r.recommendation_zh,
            _round(r.total), r.veto_note]


def _sheet(wb: Any, title: str, header: Sequence[str], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from nzc_review.files.excel_safety import append_row

    ws = wb.create_sheet(title)
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0E8")
    for row in rows:
        append_row(ws, row)
    for i, name in enumerate(header, start=1):
        longest = max([len(str(name))] + [len(str(r[i - 1] or "")) for r in rows])
        ws.column_dimensions[get_column_letter(i)].width = min(max(longest * 2 + 2, 8), 60)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _xlsx(sheets: list[tuple[str, Sequence[str], list[list[Any]]]]) -> bytes:
    """Workbook bytes; text is written as text, never as a formula
    (:mod:`nzc_review.files.excel_safety`, OWASP CSV Injection)."""
    from openpyxl import Workbook

    from nzc_review.files.excel_safety import workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        _sheet(wb, title, header, rows)
    return workbook_bytes(wb)


_CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  font-size: 10pt; margin: 16px; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 10pt; }
th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; overflow-wrap: break-word; }
th { word-break: keep-all; }
th { background: #e8f0e8; } td.num { text-align: right; white-space: nowrap; }
.failed { color: #b71c1c; font-weight: 700; } .note { color: #555; font-size: 9pt; }
"""


def _table(header: Sequence[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_) + "</tr>" for rows_ in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any, num: bool = False) -> str:
    text = "" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
    return f"<td{' class=num' if num else ''}>{escape(text)}</td>"


def _named(apps: Iterable[tuple[str, str]]) -> str:
    """Applications as ``名称（编号）、名称（编号）``, escaped."""
    return escape("、".join(f"{name}（{app_id}）" for name, app_id in apps))


def _named_paragraph(css: str, lead: str, apps: Sequence[tuple[str, str]]) -> str:
    """A paragraph naming ``apps`` after ``lead``; nothing when there are none."""
    return f"<p class='{css}'>{lead}{_named(apps)}</p>" if apps else ""


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def notice_html(overview: SessionOverview, day: str) -> str:
    """The printable public-notice list (公示名单)."""
    s = overview.session
    rows = [
        [_cell(v, num=j in (0, 6)) for j, v in enumerate(_notice_values(i, r))]
        for i, r in enumerate(overview.notice, 1)
    ]
    flagged = any(r.vetoed for r in overview.notice)
    body = (
        f"<p>{escape(s.name)}{'（' + escape(s.batch) + '）' if s.batch else ''}"
        "经专家评审，拟推荐以下申报为近零碳排放区试点，现予以公示。</p>"
        + (_table(NOTICE_COLUMNS, rows) if rows else "<p>无拟推荐的申报。</p>")
        + f"<p class='note'>评审日期：{escape(day)}。依据《河池市近零碳排放区试点建设工作方案"
        "（试行）》（河环发〔2023〕23号）。“修改完善后推荐”的申报须按专家组评审意见修改完善。"
        + ("备注中的一票否决提示为本工具规则，不是工作方案的规定；名单以专家组评审结论为准。"
           if flagged else "")
        + "</p>"
    )
    return _page("近零碳排放区试点拟推荐名单公示", body)


def summary_html(
    overview: SessionOverview,
    day: str,
    reports: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The session summary page: ranking (ties noted), public-notice list, agreement, report
    links and failures.

    Parameters
    ----------
    reports:
        App id → ``{"status", "reason", "outputs": {kind: relative path}}``.
    """
    s = overview.session
    reports = reports or {}
    head = (*RANKING_COLUMNS, "评审意见")
    rows = []
    for r in overview.ranking:
        cells = [_cell(v, num=j in (5, 7, 8, 9, 10)) for j, v in enumerate(_ranking_values(r))]
        rep = reports.get(r.app_id) or {}
        links = " ".join(
            f"<a href='{escape(path)}'>{kind.upper()}</a>"
            for kind, path in (rep.get("outputs") or {}).items()
            if kind in ("html", "pdf")
        )
        if rep.get("status") == "failed":
            links = f"<span class='failed'>生成失败：{escape(str(rep.get('reason') or ''))}</span>"
        cells.append(f"<td>{links}</td>")
        rows.append(cells)
    ties = "".join(
        f"<li>并列第 {g[0].rank}：{_named((r.name, r.app_id) for r in g)}</li>"
        for g in overview.ties
    )
    if overview.kendall is not None:
        k = overview.kendall
        agree = (
            f"<p>专家对各申报排序的一致性：肯德尔协调系数 W = {k.w:.3f}"
            f"（{escape(overview.kendall_note)}，χ² = {k.chi2:.2f}，p = {k.p:.3f}）。</p>"
        )
    else:
        agree = f"<p>专家对各申报排序的一致性：—（{escape(overview.kendall_note)}）</p>"
    notice_rows = [
        [_cell(v, num=j in (0, 6)) for j, v in enumerate(_notice_values(i, r))]
        for i, r in enumerate(overview.notice, 1)
    ]
    open_apps = _named_paragraph(
        "note", "尚未定稿、未列入排名：", [(a.name, a.id) for a in overview.open_apps]
    )
    flagged = overview.vetoed_but_recommended
    rule = overview.notice_rule
    lead = (
        "以下申报核心指标未达标（一票否决提示），专家组结论为推荐，按公示名单规则未列入公示名单，"
        "请组长核对："
        if rule.veto_removes
        else "以下申报核心指标未达标（一票否决提示），专家组结论为推荐，已列入公示名单并在备注中"
        "标注，请组长核对："
    )
    conflicts = _named_paragraph("failed", lead, [(r.name, r.app_id) for r in flagged])
    if flagged:
        conflicts += f"<p class='note'>一票否决规则：{escape(flagged[0].veto_rule)}。</p>"
    notice_rule = f"<p class='note'>{escape(rule.describe_zh())}。</p>"
    body = (
        f"<p>{escape(s.name)}；批次：{escape(s.batch or '—')}；评审日期：{escape(day)}；"
        f"定稿申报 {len(overview.ranking)} 项，拟推荐 {len(overview.notice)} 项。</p>"
        "<h2>评审排名（按专家组评分）</h2>"
        + _table(head, rows)
        + (f"<p>并列：</p><ul>{ties}</ul>" if ties else "<p class='note'>无并列。</p>")
        + agree
        + open_apps
        + "<h2>公示名单（拟推荐）</h2>"
        + (_table(NOTICE_COLUMNS, notice_rows) if notice_rows else "<p>无拟推荐的申报。</p>")
        + notice_rule
        + conflicts
        + "<p class='note'>另见：public_notice.html、public_notice.xlsx（公示名单），"
        "summary.xlsx（排名与公示名单），scores.xlsx（全部评分、权重与意见）。</p>"
        + audit_head_line(overview.audit_head)
    )
    return _page("近零碳排放区试点评审结果汇总", body)


def write_session_summary(
    store: ReviewStore,
    actor: Actor,
    out_dir: str | Path,
    *,
    overview: SessionOverview | None = None,
    reports: Mapping[str, Mapping[str, Any]] | None = None,
    day: str | None = None,
) -> dict[str, Path]:
    """Write the session summary files into ``out_dir`` (atomically).

    Files: ``summary.html`` (ranking, ties, agreement, public-notice list, links to the
    reports), ``summary.xlsx`` (sheets 排名 and 公示名单), ``public_notice.html`` and
    ``public_notice.xlsx`` (公示名单), ``scores.xlsx``
    (:func:`nzc_review.store.export.export_workbook`).

    Parameters
    ----------
    reports:
        App id → ``{"status", "reason", "outputs"}`` of rendered reports (links); reports found
        in ``out_dir/<id>/opinion.{html,pdf}`` are linked as well.
    day:
        The date printed; default the session date, else today.

    Returns
    -------
    dict
        File kind → path.
    """
    from nzc_review.store.export import export_workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    overview = overview or session_overview(store, actor)
    day = date_zh(day or overview.session.date or dt.date.today())
    links: dict[str, dict[str, Any]] = {}
    for r in overview.ranking:
        found = {
            kind: f"{r.app_id}/opinion.{kind}"
            for kind in ("html", "pdf")
            if (out / r.app_id / f"opinion.{kind}").is_file()
        }
        links[r.app_id] = {"status": "ok", "outputs": found}
    for app_id, rep in (reports or {}).items():
        links[app_id] = dict(rep)
    ranking_rows = [_ranking_values(r) for r in overview.ranking]
    notice_rows = [_notice_values(i, r) for i, r in enumerate(overview.notice, 1)]
    paths = {
        "summary_html": write_atomic(out / "summary.html", summary_html(overview, day, links)),
        "summary_xlsx": write_atomic(
            out / "summary.xlsx",
            _xlsx(
                [("排名", RANKING_COLUMNS, ranking_rows), ("公示名单", NOTICE_COLUMNS, notice_rows)]
            ),
        ),
        "notice_html": write_atomic(out / "public_notice.html", notice_html(overview, day)),
        "notice_xlsx": write_atomic(
            out / "public_notice.xlsx", _xlsx([("公示名单", NOTICE_COLUMNS, notice_rows)])
        ),
    }
    paths["scores_xlsx"] = export_workbook(store, actor, out / "scores.xlsx")
    return paths
