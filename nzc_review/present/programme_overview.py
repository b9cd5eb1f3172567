"""The whole pilot programme at a glance, for the bureau (市生态环境局): counts, stages, stalled
applications, the latest disclosures, and the Excel export (pure, but for the writer at the end).

The input is the programme register's status rows (``Register.status_rows()``, one dict per
application: ``id``, ``name``, ``pilot_type``, ``county``, ``department``, ``status``,
``status_label``, ``since``, ``history``, ``disclosures``, ``sessions``, ``title``) and the day
of the overview. From them:

* counts by pilot type, county, routed city department and status, with Chinese labels;
* for each application the step of the work plan it is in (河环发〔2023〕23号 三、实施步骤:
  (一)1 组织申报, (一)2 项目遴选, (一)3 项目确定, (二)1 试点建设, (二)2 验收评价, (三)2 复核提升),
  its status and the days since it entered that status (``since``, a UTC instant, taken as
  the calendar day in China time, :mod:`nzc_review.present.dates`);
* stalled applications: more than :attr:`OverviewRules.stall_days` days in one status before
  the pilot is confirmed. The plan sets no time limit for a step, so the threshold (60 days)
  and the statuses watched are this tool's default (本工具默认规则), set in
  :class:`OverviewRules` (``nzc-review programme-export --stall-days``);
* for every pilot under construction or later, the latest disclosure linked to it, as
  :func:`nzc_review.lifecycle.linked.check_linked_disclosures` judged it with the disclosure
  and monitor functions (given as ``disclosures``; :func:`disclosure_links` says which files).

:func:`overview_workbook` lays every view out on a sheet of its own, with Chinese headers and
text kept as text (:mod:`nzc_review.files.excel_safety`); :func:`write_overview` writes it
whole or not at all (:func:`nzc_review.files.atomic.write_atomic`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nzc_review.errors import FieldError, InputError
from nzc_review.policy import catalog
from nzc_review.present.dates import CHINA_TZ, date_zh

if TYPE_CHECKING:
    from nzc_review.lifecycle.linked import DisclosureCheck

__all__ = [
    "CONSTRUCTION_OR_LATER",
    "STAGES",
    "STATUS_ZH",
    "ApplicationLine",
    "OverviewRules",
    "ProgrammeOverview",
    "disclosure_links",
    "overview_workbook",
    "programme_overview",
    "write_overview",
]

#: The register's status codes and their Chinese labels, in the order of the work plan.
STATUS_ZH: dict[str, str] = {
    "submitted": "已报送（待县级审核）",
    "county_returned": "县级审核退回",
    "county_approved": "县级审核通过",
    "received": "市级主管部门已受理",
    "under_review": "专家评审中",
    "recommended": "评审推荐",
    "to_revise": "修改完善后推荐",
    "not_recommended": "评审不推荐",
    "in_notice": "公示中",
    "objection_upheld": "异议成立（不予确定）",
    "confirmed": "正式确定为试点",
    "under_construction": "建设实施中",
    "acceptance_applied": "已申请验收",
    "accepted": "通过验收",
    "titled": "已授予称号",
    "not_accepted": "未通过验收",
    "re_review": "复核中",
    "revoked": "已取消称号",
}

#: The steps of 河环发〔2023〕23号 三、实施步骤 and the statuses within each.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("组织申报", ("submitted", "county_returned", "county_approved", "received")),
    ("项目遴选（专家评审）", ("under_review", "recommended", "to_revise", "not_recommended")),
    ("项目确定（公示）", ("in_notice", "objection_upheld", "confirmed")),
    ("试点建设", ("under_construction",)),
    ("验收评价", ("acceptance_applied", "accepted", "titled", "not_accepted")),
    ("复核提升、动态退出", ("re_review", "revoked")),
)
STAGE_OF: dict[str, str] = {code: stage for stage, codes in STAGES for code in codes}
OTHER_STAGE = "其他"

#: Statuses from construction on: their pilots disclose yearly (四、(四)) and are shown with
#: their latest disclosure.
CONSTRUCTION_OR_LATER: tuple[str, ...] = ("under_construction", "acceptance_applied",
                                          "accepted", "titled", "not_accepted", "re_review",
                                          "revoked")
#: Statuses before confirmation that wait on somebody: the county, the city department, the
#: panel, the applicant (a returned or to-be-revised application) or the public notice; the
#: ends (评审不推荐, 异议成立) do not.
PRE_CONFIRMATION: tuple[str, ...] = ("submitted", "county_returned", "county_approved",
                                     "received", "under_review", "recommended", "to_revise",
                                     "in_notice")
NOT_GIVEN = "（未填）"


@dataclass(frozen=True)
class OverviewRules:
    """When an application counts as stalled (本工具默认规则: the work plan sets no time limit
    for a step of 三、实施步骤).

    Attributes
    ----------
    stall_days:
        An application is stalled after more than this many days in one status.
    watched:
        The statuses that can stall: by default those before confirmation that wait on
        someone (:data:`PRE_CONFIRMATION`).
    """

    stall_days: int = 60
    watched: tuple[str, ...] = PRE_CONFIRMATION

    def __post_init__(self) -> None:
        if isinstance(self.stall_days, bool) or not isinstance(self.stall_days, int) \
                or self.stall_days < 1:
            raise FieldError("expected a whole number of days of at least 1",
                             name="stall_days", value=self.stall_days)
        unknown = [c for c in self.watched if c not in STATUS_ZH]
        if unknown:
            raise FieldError(f"unknown status {', '.join(unknown)}", name="watched")

    def describe(self) -> str:
        """The rule in one Chinese sentence (shown beside the stalled list and in the export)."""
        return (f"在同一状态（正式确定为试点之前）停留超过 {self.stall_days} 天视为停滞"
                "（本工具默认规则，方案未规定各环节时限，可调整）")


@dataclass(frozen=True)
class ApplicationLine:
    """One application as the overview shows it."""

    id: str
    name: str
    pilot_type: str
    county: str
    department: str
    status: str
    status_label: str
    stage: str
    since: str
    entered: dt.date | None
    days: int | None
    stalled: bool
    title: str | None = None
    disclosure: DisclosureCheck | None = None

    @property
    def pilot_type_zh(self) -> str:
        return catalog.PILOT_TYPE_ZH.get(self.pilot_type, self.pilot_type)


@dataclass(frozen=True)
class ProgrammeOverview:
    """The programme on ``today``: every application and the counts of the lines shown."""

    today: dt.date
    rules: OverviewRules
    applications: tuple[ApplicationLine, ...]
    #: The filters applied, as ``(field label, value label)``.
    filters: tuple[tuple[str, str], ...] = ()
    by_type: tuple[tuple[str, int], ...] = field(init=False)
    by_county: tuple[tuple[str, int], ...] = field(init=False)
    by_department: tuple[tuple[str, int], ...] = field(init=False)
    by_status: tuple[tuple[str, int], ...] = field(init=False)
    by_stage: tuple[tuple[str, int], ...] = field(init=False)

    def __post_init__(self) -> None:
        lines = self.applications
        types = Counter(a.pilot_type for a in lines)
        set_ = object.__setattr__
        set_(self, "by_type", tuple(
            (catalog.PILOT_TYPE_ZH.get(t, t), types[t])
            for t in (*catalog.PILOT_TYPES, *sorted(set(types) - set(catalog.PILOT_TYPES)))))
        set_(self, "by_county", _by_count(a.county for a in lines))
        set_(self, "by_department", _by_count(a.department for a in lines))
        statuses = Counter(a.status for a in lines)
        labels = {a.status: a.status_label for a in lines}
        set_(self, "by_status", tuple(
            (labels[s], statuses[s])
            for s in (*(c for c in STATUS_ZH if c in statuses),
                      *sorted(set(statuses) - set(STATUS_ZH)))))
        stages = Counter(a.stage for a in lines)
        set_(self, "by_stage", tuple(
            (s, stages[s]) for s in (*(s for s, _ in STAGES), OTHER_STAGE)
            if s != OTHER_STAGE or stages[s]))

    @property
    def total(self) -> int:
        return len(self.applications)

    @property
    def stalled(self) -> tuple[ApplicationLine, ...]:
        """The stalled applications, longest first."""
        return tuple(sorted((a for a in self.applications if a.stalled),
                            key=lambda a: (-(a.days or 0), a.id)))

    @property
    def with_disclosure(self) -> tuple[ApplicationLine, ...]:
        """The pilots under construction or later, with their latest linked disclosure."""
        return tuple(a for a in self.applications if a.status in CONSTRUCTION_OR_LATER)

    def by_type_and_stage(self) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
        """For every pilot type (Chinese, as :attr:`by_type`), the applications in each step
        of the plan (as :attr:`by_stage`)."""
        stages = [s for s, _ in self.by_stage]
        zh = catalog.PILOT_TYPE_ZH
        counts = Counter((zh.get(a.pilot_type, a.pilot_type), a.stage) for a in self.applications)
        return tuple((t, tuple((s, counts[(t, s)]) for s in stages)) for t, _ in self.by_type)

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        """``(label, value)`` of every filter value present: pilot types, counties,
        departments and statuses, in the order of the counts."""
        types = {a.pilot_type for a in self.applications}
        statuses = {a.status: a.status_label for a in self.applications}
        return {
            "pilot_type": [(catalog.PILOT_TYPE_ZH.get(t, t), t)
                           for t in (*catalog.PILOT_TYPES, *sorted(types - set(catalog.PILOT_TYPES)))
                           if t in types],
            "county": [(c, c) for c, _ in self.by_county],
            "department": [(d, d) for d, _ in self.by_department],
            "status": [(statuses[s], s) for s in (*STATUS_ZH, *sorted(set(statuses) - set(STATUS_ZH)))
                       if s in statuses],
        }

    def filtered(self, *, pilot_type: str | None = None, county: str | None = None,
                 department: str | None = None, status: str | None = None
                 ) -> ProgrammeOverview:
        """The overview of the applications matching every filter given (``None``: any);
        the counts are those of the lines kept."""
        wanted = {"pilot_type": pilot_type, "county": county, "department": department,
                  "status": status}
        keep = tuple(a for a in self.applications
                     if all(v is None or getattr(a, k) == v for k, v in wanted.items()))
        shown = []
        names = {"pilot_type": "试点类型", "county": "县（市、区）", "department": "主管部门",
                 "status": "状态"}
        labels = {k: dict((v, lbl) for lbl, v in opts) for k, opts in self.choices().items()}
        for key, value in wanted.items():
            if value is not None:
                shown.append((names[key], labels[key].get(value, value)))
        return replace(self, applications=keep, filters=(*self.filters, *shown))


def _by_count(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Counts of ``values``, most first, then by name."""
    counts = Counter(values)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def entered_on(since: object) -> dt.date | None:
    """The calendar day in China time of ``since`` (ISO 8601; a UTC instant or a date), or
    ``None`` when it is not one."""
    if not isinstance(since, str) or not since.strip():
        return None
    text = since.strip()
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA_TZ).date()


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return str(value).strip() if value is not None and str(value).strip() else NOT_GIVEN


def _title(row: Mapping[str, Any]) -> str | None:
    title = row.get("title")
    if not isinstance(title, Mapping) or not title.get("name"):
        return None
    extra = "，".join(str(x) for x in (title.get("doc"), date_zh(title.get("date"))) if x)
    return f"{title['name']}（{extra}）" if extra else str(title["name"])


def _line(row: Mapping[str, Any], index: int, today: dt.date, rules: OverviewRules,
          disclosures: Mapping[str, DisclosureCheck]) -> ApplicationLine:
    problems = [(f"[{index}].{key}", "missing") for key in ("id", "pilot_type", "status")
                if not isinstance(row.get(key), str) or not row.get(key)]
    if problems:
        raise InputError("status rows", problems)
    status = row["status"]
    entered = entered_on(row.get("since"))
    days = max(0, (today - entered).days) if entered is not None else None
    label = row.get("status_label") or STATUS_ZH.get(status, status)
    return ApplicationLine(
        id=row["id"], name=_text(row, "name"), pilot_type=row["pilot_type"],
        county=_text(row, "county"), department=_text(row, "department"), status=status,
        status_label=str(label), stage=STAGE_OF.get(status, OTHER_STAGE),
        since=str(row.get("since") or ""), entered=entered, days=days,
        stalled=status in rules.watched and days is not None and days > rules.stall_days,
        title=_title(row), disclosure=disclosures.get(row["id"]))


def programme_overview(rows: Sequence[Mapping[str, Any]], today: dt.date, *,
                       rules: OverviewRules | None = None,
                       disclosures: Mapping[str, DisclosureCheck] | None = None
                       ) -> ProgrammeOverview:
    """The overview of the programme on ``today``.

    Parameters
    ----------
    rows:
        The register's status rows (``Register.status_rows()``).
    today:
        The day of the overview (China time); the days in a status count up to it.
    rules:
        When an application is stalled (default :class:`OverviewRules`).
    disclosures:
        The latest linked disclosure of each pilot under construction or later, by
        application id (:func:`nzc_review.lifecycle.linked.check_linked_disclosures` of
        :func:`disclosure_links`).

    Raises
    ------
    InputError
        a row without ``id``, ``pilot_type`` or ``status``.
    """
    rules = rules or OverviewRules()
    disclosures = disclosures or {}
    lines = tuple(_line(r, i, today, rules, disclosures) for i, r in enumerate(rows))
    return ProgrammeOverview(today=today, rules=rules, applications=lines)


def disclosure_links(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The disclosure files linked to every pilot under construction or later (application id
    → files; an empty list when none is linked)."""
    return {r["id"]: [str(p) for p in (r.get("disclosures") or [])] for r in rows
            if r.get("status") in CONSTRUCTION_OR_LATER and isinstance(r.get("id"), str)}


# --- the tables of every view (pure) ---------------------------------------------------------

APPLICATION_HEADERS = ("编号", "名称", "试点类型", "县（市、区）", "主管部门", "所处阶段",
                       "当前状态", "进入本状态日期", "已停留天数", "是否停滞", "称号")
DISCLOSURE_HEADERS = ("编号", "名称", "试点类型", "当前状态", "最新披露年份",
                      "碳排放总量（tCO2，披露值）", "较基准年变化（%）", "验收目标水平（tCO2）",
                      "复核结论", "复核年份", "原因", "未达参考值的指标", "核算口径", "披露文件")


def application_row(a: ApplicationLine) -> list[Any]:
    """One application's cells under :data:`APPLICATION_HEADERS`."""
    return [a.id, a.name, a.pilot_type_zh, a.county, a.department, a.stage, a.status_label,
            date_zh(a.entered) if a.entered else "—", a.days if a.days is not None else "—",
            "停滞" if a.stalled else "", a.title or ""]


def disclosure_row(a: ApplicationLine) -> list[Any]:
    """One pilot's latest disclosure under :data:`DISCLOSURE_HEADERS`."""
    d = a.disclosure
    head = [a.id, a.name, a.pilot_type_zh, a.status_label]
    if d is None:
        return [*head, "—", None, None, None, "未关联披露", None, "", "", "", ""]
    vs_base = round(d.vs_base_pct, 1) if d.vs_base_pct is not None else None
    reasons = "；".join(d.reasons) or (d.error or "")
    return [*head, d.year if d.year is not None else "—", d.emissions_tco2, vs_base,
            d.target_emissions_tco2, d.level_zh, d.as_of, reasons,
            "、".join(d.indicators_not_met), d.basis_zh, "、".join(Path(f).name for f in d.files)]


def count_rows(counts: Sequence[tuple[str, int]]) -> list[list[Any]]:
    """Count rows with the total (合计) last."""
    return [[label, n] for label, n in counts] + [["合计", sum(n for _, n in counts)]]


def about_rows(overview: ProgrammeOverview) -> list[list[Any]]:
    """What the workbook shows: its day, the filters, the stall rule, the totals."""
    rows: list[list[Any]] = [
        ["统计日期", date_zh(overview.today)],
        ["申报项目数", overview.total],
        ["停滞项目数", len(overview.stalled)],
        ["停滞规则", overview.rules.describe()],
        ["筛选条件", "；".join(f"{k}：{v}" for k, v in overview.filters) or "全部"],
        ["所处阶段", "河环发〔2023〕23号 三、实施步骤"],
        ["信息披露与复核", "建设实施及以后的试点：最新一期关联披露，按信息披露与复核规则评价"
                          "（nzc-review disclose / monitor 的规则）"],
    ]
    return rows


def sheets(overview: ProgrammeOverview) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """Every view as ``(sheet name, headers, rows)``, in the workbook's order."""
    return [
        ("说明", ("项目", "内容"), about_rows(overview)),
        ("申报项目", APPLICATION_HEADERS,
         [application_row(a) for a in overview.applications]),
        ("按试点类型", ("试点类型", "数量"), count_rows(overview.by_type)),
        ("按县（市、区）", ("县（市、区）", "数量"), count_rows(overview.by_county)),
        ("按主管部门", ("主管部门", "数量"), count_rows(overview.by_department)),
        ("按状态", ("状态", "数量"), count_rows(overview.by_status)),
        ("按阶段", ("所处阶段", "数量"), count_rows(overview.by_stage)),
        ("停滞项目", APPLICATION_HEADERS, [application_row(a) for a in overview.stalled]),
        ("信息披露与复核", DISCLOSURE_HEADERS,
         [disclosure_row(a) for a in overview.with_disclosure]),
    ]


def overview_workbook(overview: ProgrammeOverview) -> bytes:
    """The ``.xlsx`` bytes of every view of ``overview``, one sheet each, headers in bold,
    text always stored as text (OWASP CSV Injection, :mod:`nzc_review.files.excel_safety`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from nzc_review.files.excel_safety import append_row, workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    for name, headers, rows in sheets(overview):
        ws = wb.create_sheet(name)
        append_row(ws, headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(ws, row)
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            width = max([len(str(header))] + [len(str(r[i - 1])) for r in rows
                                              if r[i - 1] is not None])
            ws.column_dimensions[get_column_letter(i)].width = min(60, 4 + 1.6 * width)
    return workbook_bytes(wb)


def write_overview(overview: ProgrammeOverview, path: str | Path) -> Path:
    """Write :func:`overview_workbook` to ``path`` whole or not at all
    (:func:`nzc_review.files.atomic.write_atomic`)."""
    from nzc_review.files.atomic import write_atomic

    return write_atomic(path, overview_workbook(overview))
