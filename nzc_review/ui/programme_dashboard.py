"""The programme dashboard for the bureau (``panels/programme_dashboard.ipynb``, 试点项目总览):
the whole programme of the register served by ``nzc-review serve --programme DIR``.

Counts by pilot type, county, department, status and step of the work plan; every
application with its step and the days in its status, the stalled ones marked (本工具默认规则,
threshold adjustable on the page); the latest linked disclosure of every pilot under
construction or later with the re-review warnings; the chart of applications by type and step;
filters by type, county, department and status; and the Excel export of what is shown, as a
download. Every table and the export take their cells from the same functions
(:func:`nzc_review.present.programme_overview.application_row`, :func:`~nzc_review.present.programme_overview.disclosure_row`,
the overview's counts), so the page and the workbook never disagree.

Only the bureau's token of the running server opens it (:mod:`nzc_review.ui.programme_access`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from nzc_review.errors import NzcError
from nzc_review.present.dates import date_zh
from nzc_review.present.programme_overview import (
    APPLICATION_HEADERS,
    DISCLOSURE_HEADERS,
    ApplicationLine,
    OverviewRules,
    ProgrammeOverview,
    application_row,
    count_rows,
    disclosure_row,
    overview_workbook,
    programme_overview,
)
from nzc_review.ui.common import STYLE, message
from nzc_review.ui.programme_access import (
    bureau_refusal,
    china_today,
    load_programme,
    programme_dir,
)

TITLE = "试点项目总览"
EXTRA_STYLE = """
<style>
.nzc-panel .nzc-counts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.nzc-panel td.num { text-align: right; }
.nzc-panel tr.stalled td { background: #fff4e5; }
.nzc-panel .lv-warning { color: #8d6e00; font-weight: 600; }
.nzc-panel .lv-exit, .nzc-panel .lv-unreadable { color: #b71c1c; font-weight: 600; }
.nzc-panel .lv-ok { color: #1b5e20; }
</style>
"""
#: Largest workbook offered as a download link (the same bound as the chair's report link).
MAX_LINK_BYTES = 1_400_000
ALL = "全部"


# --- HTML of the views (pure) ----------------------------------------------------------------


def _cell(value: Any, header: str = "") -> str:
    if value is None or value == "":
        return "—"
    if header.endswith("年份"):
        return escape(str(value))
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
           classes: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = f" class='{classes[i]}'" if i < len(classes) and classes[i] else ""
        cells = "".join(
            f"<td class='num'>{_cell(v)}</td>" if isinstance(v, int | float) else
            f"<td>{_cell(v)}</td>" for v in row)
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _count_table(title: str, counts: Sequence[tuple[str, int]]) -> str:
    return f"<div>{_table((title, '数量'), count_rows(counts))}</div>"


def summary_html(overview: ProgrammeOverview) -> str:
    """The totals, the day, the filters and the stall rule in two lines."""
    filters = "；".join(f"{k}：{v}" for k, v in overview.filters) or "全部申报项目"
    return (f"{STYLE}{EXTRA_STYLE}<div class='nzc-panel'><p style='font-size:15px'>"
            f"统计日期 {escape(date_zh(overview.today))}：申报项目 <b>{overview.total}</b> 个，"
            f"停滞 <b>{len(overview.stalled)}</b> 个（筛选：{escape(filters)}）</p>"
            f"<p style='color:#555'>{escape(overview.rules.describe())}</p></div>")


def counts_html(overview: ProgrammeOverview) -> str:
    """The counts by pilot type, step, status, county and department, side by side."""
    tables = "".join(_count_table(title, counts) for title, counts in (
        ("试点类型", overview.by_type), ("所处阶段", overview.by_stage),
        ("状态", overview.by_status), ("县（市、区）", overview.by_county),
        ("主管部门", overview.by_department)))
    return f"{STYLE}{EXTRA_STYLE}<div class='nzc-panel'><div class='nzc-counts'>{tables}</div></div>"


def applications_html(lines: Sequence[ApplicationLine], empty: str = "暂无申报项目。") -> str:
    """Every application with its step and days in its status; stalled rows marked."""
    if not lines:
        return f"{STYLE}<div class='nzc-panel'><p>{escape(empty)}</p></div>"
    table = _table(APPLICATION_HEADERS, [application_row(a) for a in lines],
                   ["stalled" if a.stalled else "" for a in lines])
    return f"{STYLE}{EXTRA_STYLE}<div class='nzc-panel'>{table}</div>"


def disclosures_html(lines: Sequence[ApplicationLine]) -> str:
    """The latest linked disclosure of every pilot under construction or later."""
    if not lines:
        return (f"{STYLE}<div class='nzc-panel'><p>暂无建设实施及以后阶段的试点。</p></div>")
    head = "".join(f"<th>{escape(h)}</th>" for h in DISCLOSURE_HEADERS)
    level_column = DISCLOSURE_HEADERS.index("复核结论")
    body = []
    for a in lines:
        cells = []
        for i, v in enumerate(disclosure_row(a)):
            header = DISCLOSURE_HEADERS[i]
            if i == level_column and a.disclosure is not None:
                cells.append(f"<td class='lv-{a.disclosure.level}'>{_cell(v)}</td>")
            elif isinstance(v, int | float) and not header.endswith("年份"):
                cells.append(f"<td class='num'>{_cell(v)}</td>")
            else:
                cells.append(f"<td>{_cell(v, header)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"{STYLE}{EXTRA_STYLE}<div class='nzc-panel'><table><tr>{head}</tr>"
            f"{''.join(body)}</table></div>")


def download_html(data: bytes, today: dt.date) -> str:
    """A download link to the workbook (a ``data:`` link through the page's own kernel; no
    route of the server serves the programme folder)."""
    import base64

    if len(data) > MAX_LINK_BYTES:
        return message("导出文件较大，无法在页面下载，请使用 nzc-review programme-export 导出。",
                       "error")
    name = f"试点项目总览-{today.isoformat()}.xlsx"
    href = ("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
            + base64.b64encode(data).decode("ascii"))
    return (f"{STYLE}<div class='nzc-panel'><div class='nzc-msg ok'>已生成："
            f"<a class='nzc-export-link' download='{escape(name, quote=True)}' href='{href}'>"
            f"下载 {escape(name)}（{len(data) / 1024:.0f} KB）</a></div></div>")


def chart_png(overview: ProgrammeOverview) -> bytes:
    """:func:`nzc_review.present.programme_charts.stage_figure` as PNG."""
    from nzc_review.present.charts import png_bytes
    from nzc_review.present.programme_charts import stage_figure

    return png_bytes(stage_figure(overview))


# --- the panel -------------------------------------------------------------------------------


class ProgrammeDashboard:
    """The dashboard's widgets over the programme in ``folder`` (read again by 刷新)."""

    def __init__(self, folder: str | Path, today: dt.date | None = None) -> None:
        self.folder = Path(folder)
        self.fixed_today = today
        self.programme = load_programme(self.folder)
        self.header = w.HTML(f"{STYLE}<div class='nzc-panel'><h2>{TITLE}（主管部门）</h2></div>")
        layout = w.Layout(width="260px")
        style = {"description_width": "80px"}
        self.filters = {
            "pilot_type": w.Dropdown(description="试点类型", layout=layout, style=style),
            "county": w.Dropdown(description="县（市、区）", layout=layout, style=style),
            "department": w.Dropdown(description="主管部门", layout=w.Layout(width="340px"),
                                     style=style),
            "status": w.Dropdown(description="状态", layout=layout, style=style),
        }
        self.stall_days = w.BoundedIntText(value=OverviewRules().stall_days, min=1, max=3650,
                                           description="停滞阈值（天）",
                                           style={"description_width": "100px"},
                                           layout=w.Layout(width="200px"))
        self.refresh_button = w.Button(description="刷新", icon="refresh")
        self.export_button = w.Button(description="导出 Excel", icon="download",
                                      button_style="primary")
        self.summary = w.HTML()
        self.counts = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="820px"))
        self.applications = w.HTML()
        self.stalled = w.HTML()
        self.disclosures = w.HTML()
        self.download = w.HTML()
        self._updating = False
        self.overview = self._build()
        self._fill_choices()
        for box in self.filters.values():
            box.observe(lambda _change: self.update(), names="value")
        self.stall_days.observe(lambda _change: self.rebuild(), names="value")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.export_button.on_click(lambda _b: self.export())
        section = "<div class='nzc-panel'><h3>{}</h3></div>".format
        self.widget = w.VBox([
            self.header,
            w.HBox([*list(self.filters.values())[:2]]),
            w.HBox([*list(self.filters.values())[2:]]),
            w.HBox([self.stall_days, self.refresh_button, self.export_button]),
            self.download, self.summary, self.counts, self.chart,
            w.HTML(STYLE + section("停滞项目")), self.stalled,
            w.HTML(STYLE + section("申报项目")), self.applications,
            w.HTML(STYLE + section("信息披露与复核（建设实施及以后）")), self.disclosures,
        ])
        self.update()

    @property
    def today(self) -> dt.date:
        return self.fixed_today or china_today()

    def _build(self) -> ProgrammeOverview:
        return programme_overview(self.programme.rows, self.today,
                                  rules=OverviewRules(stall_days=int(self.stall_days.value)),
                                  disclosures=self.programme.checks)

    def _fill_choices(self) -> None:
        self._updating = True
        try:
            for key, choices in self.overview.choices().items():
                box = self.filters[key]
                kept = box.value
                box.options = [(ALL, ""), *choices]
                box.value = kept if kept in {v for _, v in choices} else ""
        finally:
            self._updating = False

    def shown(self) -> ProgrammeOverview:
        """The overview of the applications the filters keep."""
        return self.overview.filtered(**{k: box.value or None for k, box in self.filters.items()})

    def update(self) -> None:
        """Show the filtered overview: totals, counts, chart, tables."""
        if self._updating:
            return
        view = self.shown()
        self.summary.value = summary_html(view) + "".join(
            message(f"名录未能记入评审会结果：{note}", "error") for note in self.programme.notes)
        self.counts.value = counts_html(view)
        self.chart.value = chart_png(view)
        self.stalled.value = applications_html(view.stalled, "无停滞项目。")
        self.applications.value = applications_html(view.applications)
        self.disclosures.value = disclosures_html(view.with_disclosure)
        self.download.value = ""

    def rebuild(self) -> None:
        """Recompute with the threshold on the page (the rows already read)."""
        self.overview = self._build()
        self.update()

    def refresh(self) -> None:
        """Read the register and the linked disclosures again."""
        try:
            self.programme = load_programme(self.folder)
        except NzcError as exc:
            self.download.value = message(f"试点名录无法读取：{exc}", "error")
            return
        self.overview = self._build()
        self._fill_choices()
        self.update()

    def export(self) -> bytes:
        """The workbook of what is shown, offered as a download."""
        view = self.shown()
        data = overview_workbook(view)
        self.download.value = download_html(data, view.today)
        return data


def programme_dashboard(token: str | None, *, today: dt.date | None = None):
    """The dashboard for the bureau's token of the running server; a clear Chinese message
    (no data) for anything else."""
    refusal = bureau_refusal(token)
    if refusal is not None:
        return w.HTML(message(refusal, "error"))
    try:
        return ProgrammeDashboard(programme_dir() or "", today).widget
    except NzcError as exc:
        return w.HTML(message(f"试点名录无法打开：{exc}", "error"))
