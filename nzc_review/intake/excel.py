"""Excel workbooks (.xlsx) of ``nzc-application/1``: templates, filled workbooks, reading back.

One workbook carries a whole application (DESIGN.md contract 2) of one pilot type. Applicants
get an empty template (:func:`write_template`), fill it in Excel or LibreOffice, and every
command reads it like a YAML file (the ``.xlsx`` reader registered here). :func:`write_workbook`
writes an application as a filled workbook (``nzc-review convert app.yaml app.xlsx``).

Layout
------
Sheets, in order (names are part of the format; the workbook structure is protected):

============  ========================================================================
填表说明       instructions (not read)
基本信息       one item per row: 项目 | 填写内容 | 填写说明 | hidden field key (column D)
指标           the type's indicator table, one row per code (pre-filled, locked: 指标代码,
               一级指标, 指标名称, 单位, 参考值, 指标类型), then 现状值, 目标值, 基准值, 填报单位,
               计算口径, 佐证说明, 备注 to fill
碳排放         年份 | 碳排放总量（tCO2）, one row per year
能源与基础数据  年份, the denominators (``profile``) and the activity data (``energy``) per year
重点项目       附件2 五: one project per row, in order, plus 寿命年限
进度安排       年份 | 工作内容, one item per row (a blank year continues the year above)
保障措施       附件2 七: one row per safeguard, 是/否
遴选条件       the type's selection conditions (locked), 是否满足 and 佐证说明 to fill
证明材料       附件2 八: one row per kind (locked), file names in 文件1, 文件2, … (one per cell)
============  ========================================================================

Every data sheet has a title (row 1), a hint (row 2), Chinese column headers (row 3), a hidden
row of machine field keys (row 4) and data from row 5. Columns are found by their field key (or,
if that row was deleted, by their Chinese header), rows of the fixed tables by their code, so
inserted or moved columns and rows still read. Merged cells in the data area are refused (except
years merged down the 进度安排 year column).

Reading
-------
Cells are read leniently where the meaning is unambiguous and strictly elsewhere:

* yes/no: 是/否, √/×, ✓/✗, ✔/✘, 对/错, 有/无, Y/N, yes/no, TRUE/FALSE (Excel booleans too);
* numbers: numbers stored as text, full-width digits (``１２``), thousands separators
  (``1,200``; only in groups of three), surrounding spaces, a trailing 年 on years;
* percentages: in a field measured in percent (``12`` means 12 %), ``12%`` typed as text and a
  numeric cell formatted as a percentage holding ``0.12`` both read as 12; in the fractional
  ``bau_growth_rate`` (0.02 means 2 %) ``2%`` and a percent-formatted ``0.02`` read as 0.02; a
  percentage anywhere else is an error. A plain ``0.12`` in a percent field stays 0.12 (no
  guessing);
* formulas: the value Excel or LibreOffice computed and saved is read; a formula without a saved
  value (as written by openpyxl) is an error naming the cell;
* text: surrounding white space is dropped, numbers become text, dates become ``YYYY-MM-DD``.

Anything else (``十二``, ``—``, a date where a number belongs, a fractional year) is an error that
names the sheet, the cell, the column header, the row and the value, e.g.
``app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'``. The content is then validated
by :func:`~nzc_review.intake.validate_application` like a YAML file, and its errors are mapped back
to cells (``indicators.YQ-03.target`` → ``指标!H7 (目标值, YQ-03)``) or at least to rows.

Canonical form
--------------
A workbook cannot tell an empty entry from a missing one, so a round trip keeps every value but
drops empty entries (``profile: {2024: {}}``, ``schedule: {2025: []}``, ``proofs: {other: []}``, an
indicator without any value), reads an eligibility answer without evidence as a plain
``true``/``false``, strips surrounding white space from texts and keeps numbers to 16 significant
digits. Everything else, including evidence texts, notes, key projects in order and schedule
items in order, comes back equal.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nzc_review.errors import InputError
from nzc_review.files.atomic import write_atomic
from nzc_review.limits import check_workbook
from nzc_review.policy import catalog
from nzc_review.policy.application import FORMAT, Application

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "SHEETS",
    "build_workbook",
    "read_xlsx",
    "workbook_bytes",
    "write_template",
    "write_workbook",
]

# --- layout ------------------------------------------------------------------------------------

INSTRUCTIONS = "填表说明"
BASIC = "基本信息"
INDICATORS = "指标"
EMISSIONS = "碳排放"
ENERGY = "能源与基础数据"
PROJECTS = "重点项目"
SCHEDULE = "进度安排"
SAFEGUARDS = "保障措施"
ELIGIBILITY = "遴选条件"
PROOFS = "证明材料"
SHEETS: tuple[str, ...] = (
    INSTRUCTIONS,
    BASIC,
    INDICATORS,
    EMISSIONS,
    ENERGY,
    PROJECTS,
    SCHEDULE,
    SAFEGUARDS,
    ELIGIBILITY,
    PROOFS,
)
DATA_SHEETS = SHEETS[1:]

TITLE_ROW, HINT_ROW, HEADER_ROW, KEY_ROW, FIRST_ROW = 1, 2, 3, 4, 5
HEADER_SEARCH_ROWS = 30
FILE_COLUMNS = 8
MAX_TEXT = 32767  # characters Excel keeps in one cell

YES_NO = ("是", "否")
_YES = frozenset({"是", "√", "✓", "✔", "☑", "对", "有", "Y", "YES", "TRUE", "T"})
_NO = frozenset({"否", "×", "✗", "✘", "✕", "错", "无", "N", "NO", "FALSE", "F"})


@dataclass(frozen=True)
class Column:
    """One column of a data sheet.

    Attributes
    ----------
    key:
        The machine field key written in the hidden key row (row 4).
    label:
        The Chinese header (row 3).
    width:
        Column width in Excel units.
    kind:
        How cells are read: ``text``, ``number``, ``year``, ``whole``, ``fraction``, ``yesno``,
        ``basis``, ``indicator`` (by the indicator's rule), ``value`` (基本信息: by the row's item)
        or ``info`` (locked, not read).
    locked:
        Pre-filled and locked (grey).
    wrap:
        Wrap long text.
    """

    key: str
    label: str
    width: float
    kind: str = "text"
    locked: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class BasicItem:
    """One row of 基本信息: the field path in the application, its label, kind and hint."""

    path: str
    label: str
    kind: str
    hint: str
    locked: bool = False


BASIC_COLUMNS = (
    Column("label", "项目", 26, "info", locked=True),
    Column("value", "填写内容", 46, "value", wrap=True),
    Column("hint", "填写说明", 64, "info", locked=True, wrap=True),
    Column("field", "字段键", 22, "info", locked=True),
)
BASIC_ITEMS = (
    BasicItem("format", "格式版本", "text", "固定为 nzc-application/1，请勿修改", locked=True),
    BasicItem("id", "申报编号", "text", "字母、数字和 . _ -，不超过 64 个字符，如 HC-2024-YQ-001"),
    BasicItem("pilot_type", "试点类型", "pilot_type", "由模板确定，请勿修改", locked=True),
    BasicItem("name", "试点名称", "text", "如：××园区近零碳排放园区试点"),
    BasicItem("applicant.organization", "申报主体（单位名称）", "text", "建设主体的全称"),
    BasicItem("applicant.county", "所在县（区）", "text", "如：宜州区"),
    BasicItem("applicant.contact", "联系人", "text", ""),
    BasicItem("applicant.phone", "联系电话", "text", "按文本填写，如 0778-0000000"),
    BasicItem("base_year", "基准年", "year", "碳排放核算的基准年，一般为 2022（指标表“较2022年”）"),
    BasicItem("period.start", "建设期开始年", "year", "四位年份，如 2024"),
    BasicItem("period.end", "建设期结束年（目标年）", "year", "目标值为该年末应达到的状态"),
    BasicItem(
        "bau_growth_rate",
        "无规划情景碳排放年增长率",
        "fraction",
        "不实施试点措施时碳排放的年增长率（情景预测法），填 2% 或 0.02；可为负数；留空为 0",
    ),
)

INDICATOR_COLUMNS = (
    Column("code", "指标代码", 10, "info", locked=True),
    Column("category", "一级指标", 12, "info", locked=True, wrap=True),
    Column("name", "指标名称", 34, "info", locked=True, wrap=True),
    Column("catalog_unit", "单位", 10, "info", locked=True, wrap=True),
    Column("reference", "参考值", 24, "info", locked=True, wrap=True),
    Column("type", "指标类型", 10, "info", locked=True),
    Column("current", "现状值", 11, "indicator"),
    Column("target", "目标值", 11, "indicator"),
    Column("benchmark", "基准值", 11, "indicator"),
    Column("unit", "填报单位", 14, "text"),
    Column("basis", "计算口径", 20, "basis"),
    Column("evidence", "佐证说明", 40, "text", wrap=True),
    Column("note", "备注", 30, "text", wrap=True),
)

PROFILE_FIELDS = (
    ("population", "人口（人）"),
    ("floor_area_m2", "建筑面积（m²）"),
    ("output_value_10k_cny", "产值（万元）"),
    ("industrial_value_added_10k_cny", "工业增加值（万元）"),
)
ENERGY_FIELDS = (
    ("electricity_mwh", "外购电力（MWh）"),
    ("green_electricity_mwh", "其中：绿电（MWh）"),
    ("onsite_renewable_mwh", "自发自用可再生能源电力（MWh）"),
    ("raw_coal_t", "原煤（t）"),
    ("natural_gas_10k_m3", "天然气（万m³）"),
    ("gasoline_t", "汽油（t）"),
    ("diesel_t", "柴油（t）"),
    ("lpg_t", "液化石油气（t）"),
    ("purchased_heat_gj", "外购热力（GJ）"),
)
YEAR_COLUMN = Column("year", "年份", 9, "year")
EMISSIONS_COLUMNS = (YEAR_COLUMN, Column("emissions_tco2", "碳排放总量（tCO2）", 20, "number"))
ENERGY_COLUMNS = (
    YEAR_COLUMN,
    *(Column(k, label, 15, "number", wrap=True) for k, label in PROFILE_FIELDS + ENERGY_FIELDS),
)

_PROJECT_KIND = {
    "start_year": "year",
    "end_year": "year",
    "investment_10k_cny": "number",
    "expected_reduction_tco2_per_year": "number",
    "lifetime_years": "whole",
}
_PROJECT_WIDTH = {"name": 24, "content": 36, "plan": 30, "owner": 20}

SCHEDULE_COLUMNS = (YEAR_COLUMN, Column("item", "工作内容", 70, "text", wrap=True))
SAFEGUARD_COLUMNS = (
    Column("id", "编号", 22, "info", locked=True),
    Column("label", "保障措施", 48, "info", locked=True, wrap=True),
    Column("value", "是否落实", 12, "yesno"),
)
ELIGIBILITY_COLUMNS = (
    Column("id", "条件编号", 26, "info", locked=True),
    Column("text", "遴选条件", 52, "info", locked=True, wrap=True),
    Column("kind", "类别", 10, "info", locked=True),
    Column("source", "依据", 10, "info", locked=True),
    Column("answer", "是否满足", 11, "yesno"),
    Column("evidence", "佐证说明", 44, "text", wrap=True),
)
CONDITION_KIND_ZH = {"hard": "必备条件", "preference": "优先考虑"}


def _proof_columns(files: int = FILE_COLUMNS) -> tuple[Column, ...]:
    fixed = (
        Column("number", "序号", 7, "info", locked=True),
        Column("id", "类别编号", 22, "info", locked=True),
        Column("label", "材料名称", 48, "info", locked=True, wrap=True),
    )
    return fixed + tuple(Column(f"file_{i}", f"文件{i}", 24, "text") for i in range(1, files + 1))


def _project_columns() -> tuple[Column, ...]:
    cols = [
        Column(
            f.field,
            f.label_zh,
            _PROJECT_WIDTH.get(f.field, 14),
            _PROJECT_KIND.get(f.field, "text"),
            wrap=f.field in _PROJECT_WIDTH,
        )
        for f in catalog.outline().key_project_fields
    ]
    cols.append(Column("lifetime_years", "寿命年限（年）", 12, "whole"))
    return tuple(cols)


# --- small helpers ----------------------------------------------------------------------------


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _shown(value: object) -> str:
    """A cell value as an error message shows it (``'十二'``, ``12``, ``TRUE``)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return f"a date ({_date_text(value)})"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return f"a date or time ({value})"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "…'"
    return str(value)


def _date_text(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.isoformat(sep=" ")
    return value.strftime("%Y-%m-%d")


def _norm(text: str) -> str:
    """NFKC (full-width → half-width), minus signs unified, surrounding white space dropped."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def _is_percent_format(number_format: str | None) -> bool:
    if not number_format or "%" not in number_format:
        return False
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format)
    return "%" in stripped


def _scaled(value: float | int, factor: str) -> float:
    """``value × factor`` in decimal, so 0.12 × 100 is 12.0 and not 12.000000000000002."""
    result = float(Decimal(repr(value)) * Decimal(factor))
    if not math.isfinite(result):
        raise _Bad(f"expected a finite number, got {_shown(value)} (too large)")
    return result


class _Bad(Exception):
    """A cell that cannot be read; the message says what was expected and what was found."""


_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_RE = re.compile(r"[+-]?\d+")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _parse_number(value: object, number_format: str | None, percent: str = "none") -> float | int:
    """A number from a cell.

    Parameters
    ----------
    value:
        The cell value (never ``None`` or blank text).
    number_format:
        The cell's number format (a percent format scales the value, see ``percent``).
    percent:
        ``"percent"`` when the field is measured in percent (``12%`` → 12), ``"fraction"`` when
        it is a fraction (``2%`` → 0.02), ``"none"`` when a percentage is an error.
    """
    if isinstance(value, bool):
        raise _Bad(f"expected a number, got {_shown(value)}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Bad(f"expected a finite number, got {_shown(value)}")
        if _is_percent_format(number_format):
            if percent == "percent":
                return _scaled(value, "100")
            if percent == "fraction":
                return value
            raise _Bad(
                f"expected a number, got a percentage ({_scaled(value, '100'):g}%): "
                "this field is not measured in percent"
            )
        return value
    if not isinstance(value, str):
        raise _Bad(f"expected a number, got {_shown(value)}")
    text = _norm(value)
    is_percent = text.endswith("%")
    if is_percent:
        text = text[:-1].rstrip()
    if _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        hint = (
            " (leave the cell empty if there is no value)" if text in {"-", "—", "/", "无"} else ""
        )
        raise _Bad(f"expected a number, got {_shown(value)}{hint}")
    if len(text) > 300:
        raise _Bad(f"expected a number, got {_shown(value)} (too many digits)")
    number: float | int = int(text) if _INTEGER_RE.fullmatch(text) else float(text)
    if isinstance(number, float) and not math.isfinite(number):
        raise _Bad(f"expected a finite number, got {_shown(value)} (too large)")
    if is_percent:
        if percent == "percent":
            return number
        if percent == "fraction":
            return _scaled(number, "0.01")
        raise _Bad(f"expected a number, got {_shown(value)}: this field is not measured in percent")
    return number


def _parse_whole(value: object, number_format: str | None) -> int:
    if isinstance(value, str):
        text = _norm(value)
        if text.endswith("年"):
            text = text[:-1].rstrip()
        value_for_number: object = text
    else:
        value_for_number = value
    try:
        number = _parse_number(value_for_number, None)
    except _Bad:
        raise _Bad(f"expected a whole number, got {_shown(value)}") from None
    if _is_percent_format(number_format) or float(number) != int(number):
        raise _Bad(f"expected a whole number, got {_shown(value)}")
    return int(number)


def _parse_year(value: object, number_format: str | None) -> int:
    try:
        year = _parse_whole(value, number_format)
    except _Bad:
        raise _Bad(f"expected a year (1990–2100), got {_shown(value)}") from None
    if not 1990 <= year <= 2100:
        raise _Bad(f"expected a year between 1990 and 2100, got {_shown(value)}")
    return year


def _parse_yesno(value: object, number_format: str | None = None) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = _norm(value).upper()
        if text in _YES:
            return True
        if text in _NO:
            return False
    raise _Bad(f"expected 是 or 否, got {_shown(value)}")


def _parse_text(value: object, number_format: str | None = None) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise _Bad(f"expected text, got {_shown(value)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(f"expected text, got {_shown(value)}")
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return _date_text(value)
    return str(value).strip()


def _parse_basis(value: object, number_format: str | None = None) -> str:
    if isinstance(value, str):
        text = _norm(value)
        for key, label in catalog.BASIS_ZH.items():
            if text in (key, label):
                return key
    wanted = "、".join(catalog.BASIS_ZH.values())
    raise _Bad(f"expected one of {wanted}, got {_shown(value)}")


def _parse_pilot_type(value: object, number_format: str | None = None) -> str:
    if isinstance(value, str):
        text = _norm(value)
        for key, label in catalog.PILOT_TYPE_ZH.items():
            if text in (key, label, label.removeprefix("近零碳排放")):
                return key
    wanted = "、".join(catalog.PILOT_TYPE_ZH.values())
    raise _Bad(f"expected one of {wanted}, got {_shown(value)}")


_PARSERS: dict[str, Callable[[object, str | None], object]] = {
    "text": _parse_text,
    "number": lambda v, f: _parse_number(v, f, "none"),
    "fraction": lambda v, f: _parse_number(v, f, "fraction"),
    "year": _parse_year,
    "whole": _parse_whole,
    "yesno": _parse_yesno,
    "basis": _parse_basis,
    "pilot_type": _parse_pilot_type,
}


def _indicator_parser(row: catalog.Indicator) -> Callable[[object, str | None], object]:
    if row.expects_boolean:
        return _parse_yesno
    percent = "percent" if row.is_percent else "none"
    return lambda v, f: _parse_number(v, f, percent)


# --- writing ------------------------------------------------------------------------------------


@dataclass
class _Styles:
    """Fonts, fills and borders shared by every sheet (created once per workbook)."""

    font: Any
    bold: Any
    title: Any
    small: Any
    key: Any
    header_fill: Any
    locked_fill: Any
    input_fill: Any
    border: Any


def _styles() -> _Styles:
    from openpyxl.styles import Border, Font, PatternFill, Side

    thin = Side(style="thin", color="BFBFBF")
    name = "等线"
    return _Styles(
        font=Font(name=name, size=11),
        bold=Font(name=name, size=11, bold=True),
        title=Font(name=name, size=14, bold=True),
        small=Font(name=name, size=10, color="595959"),
        key=Font(name=name, size=9, italic=True, color="808080"),
        header_fill=PatternFill("solid", fgColor="DDEBF7"),
        locked_fill=PatternFill("solid", fgColor="F2F2F2"),
        input_fill=PatternFill("solid", fgColor="FFF9E1"),
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
    )


class _Writer:
    """Builds the workbook of one pilot type, optionally filled with an application."""

    def __init__(self, pilot_type: str, app: Application | None, source: str):
        from openpyxl import Workbook

        if pilot_type not in catalog.PILOT_TYPES:
            raise InputError(
                source,
                f"unknown pilot type {pilot_type!r}; expected one of {', '.join(catalog.PILOT_TYPES)}",
            )
        self.pilot_type = pilot_type
        self.app = app
        self.source = source
        self.wb = Workbook()
        self.s = _styles()
        self.problems: list[tuple[str, str]] = []
        self._styled: dict[tuple, Any] = {}  # style key → StyleArray

    # cells -----------------------------------------------------------------------------------

    def put(self, ws: Worksheet, row: int, col: int, value: object, path: str = "") -> Cell:
        """Write ``value``; text is always stored as text (never as a formula), see
        :mod:`nzc_review.files.excel_safety`."""
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        from nzc_review.files.excel_safety import as_text

        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                self.problems.append((path, "contains a control character Excel cannot store"))
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(value) > MAX_TEXT:
                self.problems.append((path, f"longer than Excel's {MAX_TEXT} characters per cell"))
                value = value[:MAX_TEXT]
            cell.value = value
            as_text(cell)  # a string cell, quote-prefixed when it begins with = + - @ (OWASP)
        else:
            cell.value = value
        return cell

    def style(
        self, cell: Cell, *, locked: bool, wrap: bool = False, fmt: str | None = None
    ) -> None:
        """Style a data cell: grey and locked, or pale yellow to fill in."""
        from copy import copy

        from openpyxl.styles import Alignment, Protection

        key = (locked, wrap, fmt)
        done = self._styled.get(key)
        if done is not None:  # copying the style array is much faster than setting styles
            cell._style = copy(done)
            return
        cell.font = self.s.font
        cell.border = self.s.border
        cell.fill = self.s.locked_fill if locked else self.s.input_fill
        cell.protection = Protection(locked=locked)
        cell.alignment = Alignment(vertical="top", wrap_text=wrap)
        if fmt:
            cell.number_format = fmt
        self._styled[key] = copy(cell._style)

    def table_sheet(
        self, title: str, heading: str, hint: str, columns: tuple[Column, ...], rows: int
    ) -> Worksheet:
        """A data sheet: title, hint, headers, hidden key row and ``rows`` formatted rows."""
        from openpyxl.styles import Alignment, Protection

        ws = self.wb.create_sheet(title)
        last = _letter(len(columns))
        ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
        ws.merge_cells(f"A{HINT_ROW}:{last}{HINT_ROW}")
        cell = ws.cell(TITLE_ROW, 1, heading)
        cell.font = self.s.title
        cell = ws.cell(HINT_ROW, 1, hint)
        cell.font = self.s.small
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[TITLE_ROW].height = 24
        ws.row_dimensions[HINT_ROW].height = max(30, 15 * (1 + len(hint) // 90))
        for col, spec in enumerate(columns, start=1):
            cell = ws.cell(HEADER_ROW, col, spec.label)
            cell.font = self.s.bold
            cell.fill = self.s.header_fill
            cell.border = self.s.border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.protection = Protection(locked=True)
            key = ws.cell(KEY_ROW, col, spec.key)
            key.font = self.s.key
            ws.column_dimensions[_letter(col)].width = spec.width
            for row in range(FIRST_ROW, FIRST_ROW + rows):
                self.style(
                    ws.cell(row, col),
                    locked=spec.locked,
                    wrap=spec.wrap,
                    fmt=_FORMATS.get(spec.kind),
                )
        ws.row_dimensions[HEADER_ROW].height = 32
        ws.row_dimensions[KEY_ROW].hidden = True
        ws.freeze_panes = f"A{FIRST_ROW}"
        self.protect(ws, rows_editable=False)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        return ws

    def protect(self, ws: Worksheet, *, rows_editable: bool) -> None:
        """Sheet protection without a password: locked cells stay, users may unprotect."""
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.protection.formatCells = True
        ws.protection.insertRows = not rows_editable
        ws.protection.deleteRows = not rows_editable

    def validation(self, ws: Worksheet, kind: str, ranges: Iterable[str], **extra: Any) -> None:
        """Excel data validation (drop-down lists, numbers, whole-number years)."""
        from openpyxl.worksheet.datavalidation import DataValidation

        ranges = [r for r in ranges if r]
        if not ranges:
            return
        spec = dict(_VALIDATIONS[kind])
        spec.update(extra)
        dv = DataValidation(
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            **spec,
        )
        for r in ranges:
            dv.add(r)
        ws.add_data_validation(dv)

    # sheets ------------------------------------------------------------------------------------

    def build(self) -> Workbook:
        from openpyxl.workbook.protection import WorkbookProtection

        self.wb.remove(self.wb.active)
        self.instructions()
        self.basic()
        self.indicators()
        self.emissions()
        self.energy()
        self.projects()
        self.schedule()
        self.safeguards()
        self.eligibility()
        self.proofs()
        self.wb.active = 0
        self.wb.security = WorkbookProtection(lockStructure=True)
        props = self.wb.properties
        props.creator = "nzc-review"
        props.title = (
            self.app.name if self.app else f"{catalog.PILOT_TYPE_ZH[self.pilot_type]}试点申报表"
        )
        if self.problems:
            raise InputError(self.source, self.problems)
        return self.wb

    def instructions(self) -> None:
        from openpyxl.styles import Alignment

        ws = self.wb.create_sheet(INSTRUCTIONS)
        table = catalog.indicator_table(self.pilot_type)
        type_zh = catalog.PILOT_TYPE_ZH[self.pilot_type]
        lines: list[tuple[str, str]] = [
            ("title", f"{type_zh}试点申报表（{FORMAT}）填表说明"),
            (
                "",
                "依据：《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"
                f"附件1 {table.source.split('附件1', 1)[-1].strip()}、二、遴选条件、附件2 创建方案（编制大纲）。",
            ),
            ("", ""),
            ("head", "一、通用规则"),
            (
                "",
                "1. 浅黄色单元格为填写区；灰色单元格为预填内容（指标、条件、材料类别等），已锁定。",
            ),
            (
                "",
                "2. 工作表和工作簿已保护但未设密码，确需调整时可在“审阅 → 撤销工作表保护”解除。"
                "请勿修改工作表名称、表头和隐藏的字段键行（第4行）。",
            ),
            ("", "3. 是/否类单元格从下拉列表选择“是”或“否”（也可识别 √/×、对/错、有/无、Y/N）。"),
            (
                "",
                "4. 百分数按百分数值填写：12 表示 12%，也可填“12%”。降幅类指标填较基准年下降的百分数，"
                "如 40 表示下降 40%。无规划情景年增长率填 2% 或 0.02。",
            ),
            (
                "",
                "5. 数值只填数字（可含千分位，如 1,200），不要填文字或单位；年份填四位整数（1990–2100）。",
            ),
            (
                "",
                "6. 没有数据的单元格请留空，不要填“无”“/”“—”。可以使用公式，但须在 Excel 或 WPS、"
                "LibreOffice 中保存后提交（保存时才会写入计算结果）。",
            ),
            ("", ""),
            ("head", "二、各工作表"),
            ("", f"{BASIC}：申报编号、试点名称、申报主体、基准年、建设期等。"),
            (
                "",
                f"{INDICATORS}：{table.source.split('附件1', 1)[-1].strip()}各项指标已预填。"
                "现状值为最近核算年度的状态，目标值为建设期末（目标年）承诺达到的状态。"
                "定性指标填是/否（满足参考值要求填“是”；“不得使用”类指标未使用即填“是”）；"
                "“优于……基准值”类指标须填写基准值；计算口径仅降幅类指标填写（有多种口径时选一种）。"
                "鼓励提出更高目标。",
            ),
            ("", f"{EMISSIONS}：每年一行，填核算的碳排放总量（tCO2），至少包括基准年。"),
            (
                "",
                f"{ENERGY}：每年一行，填人口、建筑面积、产值、工业增加值（计算人均、单位面积、"
                "单位产值碳排放用）及各类能源消费量（碳排放核算用），均可选填。",
            ),
            ("", f"{PROJECTS}：附件2 五、重点项目，每个项目一行，名称必填，按顺序填写。"),
            ("", f"{SCHEDULE}：附件2 六、进度安排，每项工作一行；年份留空表示与上一行同一年。"),
            ("", f"{SAFEGUARDS}：附件2 七、保障措施，逐项填是/否。"),
            ("", f"{ELIGIBILITY}：本类型试点的遴选条件，逐条填是否满足，并可填写佐证说明。"),
            (
                "",
                f"{PROOFS}：附件2 八、有关证明材料，在“文件1、文件2……”列填写随附材料的文件名，每格一个。",
            ),
            ("", ""),
            ("head", "三、检查"),
            (
                "",
                "填好后可运行 nzc-review check 本文件.xlsx 检查。错误信息指明工作表、单元格、列名和填写值，"
                "如：指标!H7 (目标值, YQ-03): expected a number, got '十二'。",
            ),
        ]
        ws.column_dimensions["A"].width = 120
        for row, (kind, text) in enumerate(lines, start=1):
            cell = ws.cell(row, 1, text)
            cell.font = {"title": self.s.title, "head": self.s.bold}.get(kind, self.s.font)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if len(text) > 60:
                ws.row_dimensions[row].height = 15 * (1 + len(text) // 60)
        self.protect(ws, rows_editable=False)

    def basic(self) -> None:
        from openpyxl.styles import Protection

        ws = self.table_sheet(
            BASIC,
            f"基本信息 — {catalog.PILOT_TYPE_ZH[self.pilot_type]}试点",
            "在“填写内容”列填写；灰色内容由模板确定。",
            BASIC_COLUMNS,
            rows=len(BASIC_ITEMS),
        )
        ws.column_dimensions["D"].hidden = True
        app = self.app
        values: dict[str, object] = {
            "format": FORMAT,
            "pilot_type": catalog.PILOT_TYPE_ZH[self.pilot_type],
            "base_year": 2022,
        }
        if app is not None:
            values.update(
                {
                    "id": app.id,
                    "name": app.name,
                    "base_year": app.base_year,
                    "bau_growth_rate": app.bau_growth_rate,
                }
            )
            if app.applicant:
                for key in ("organization", "county", "contact", "phone"):
                    values[f"applicant.{key}"] = getattr(app.applicant, key)
            if app.period:
                values["period.start"] = app.period.start
                values["period.end"] = app.period.end
        for row, item in enumerate(BASIC_ITEMS, start=FIRST_ROW):
            self.put(ws, row, 1, item.label)
            self.put(ws, row, 3, item.hint)
            self.put(ws, row, 4, item.path)
            ws.cell(row, 4).font = self.s.key
            value_cell = ws.cell(row, 2)
            value_cell.protection = Protection(locked=item.locked)
            value_cell.fill = self.s.locked_fill if item.locked else self.s.input_fill
            value_cell.number_format = _FORMATS.get(item.kind, "General")
            value = values.get(item.path)
            if value is not None:
                self.put(ws, row, 2, value, item.path)
            if item.kind == "year":
                self.validation(ws, "year", [f"B{row}"])
            elif item.kind == "fraction":
                self.validation(ws, "fraction", [f"B{row}"])
        ws.freeze_panes = f"B{FIRST_ROW}"

    def indicators(self) -> None:
        rows = catalog.indicators(self.pilot_type)
        table = catalog.indicator_table(self.pilot_type)
        ws = self.table_sheet(
            INDICATORS,
            f"指标 — {table.source.split('附件1', 1)[-1].strip()}",
            "灰色为政策规定（锁定）。现状值：最近核算年度；目标值：建设期末。百分数填百分数值（12 表示 12%）；"
            "定性指标填是/否；“优于基准值”类指标填基准值；降幅类指标可选计算口径。选中单元格可看填写提示。",
            INDICATOR_COLUMNS,
            rows=len(rows),
        )
        col = {c.key: i for i, c in enumerate(INDICATOR_COLUMNS, start=1)}
        groups: dict[tuple, list[str]] = {}
        for r, ind in enumerate(rows, start=FIRST_ROW):
            for key, value in (
                ("code", ind.code),
                ("category", ind.category),
                ("name", ind.name_zh),
                ("catalog_unit", ind.unit),
                ("reference", catalog.display_reference(ind.reference)),
                ("type", catalog.INDICATOR_TYPE_ZH[ind.type]),
            ):
                self.put(ws, r, col[key], value)
            values = f"{_letter(col['current'])}{r}:{_letter(col['target'])}{r}"
            groups.setdefault(_value_validation(ind), []).append(values)
            benchmark = ws.cell(r, col["benchmark"])
            basis = ws.cell(r, col["basis"])
            if ind.rule.kind == "benchmark":
                groups.setdefault(_value_validation(ind), []).append(benchmark.coordinate)
            else:
                self.style(benchmark, locked=True)
            if ind.rule.kind == "reduction":
                labels = ",".join(catalog.BASIS_ZH[b] for b in ind.rule.basis)
                self.validation(ws, "basis", [basis.coordinate], formula1=f'"{labels}"')
            else:
                self.style(basis, locked=True)
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(ind.name_zh) / 15))
        for (kind, prompt), ranges in groups.items():
            self.validation(ws, kind, ranges, prompt=prompt)
        ws.freeze_panes = f"D{FIRST_ROW}"
        if self.app is not None:
            by_code = {ind.code: r for r, ind in enumerate(rows, start=FIRST_ROW)}
            for code, value in self.app.indicators.items():
                r = by_code[code]
                for key in ("current", "target", "benchmark", "unit", "evidence", "note"):
                    v = getattr(value, key)
                    if isinstance(v, bool):
                        v = YES_NO[0] if v else YES_NO[1]
                    if v is not None:
                        self.put(ws, r, col[key], v, f"indicators.{code}.{key}")
                if value.basis is not None:
                    self.put(ws, r, col["basis"], catalog.BASIS_ZH[value.basis])

    def emissions(self) -> None:
        app = self.app
        data = sorted(app.emissions_tco2.items()) if app else []
        ws = self.table_sheet(
            EMISSIONS,
            "碳排放 — 历年碳排放核算总量",
            "每年一行：年份（四位整数）和核算的碳排放总量（tCO2），至少包括基准年。",
            EMISSIONS_COLUMNS,
            rows=max(20, len(data) + 10),
        )
        self.protect(ws, rows_editable=True)
        n = max(20, len(data) + 10)
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{FIRST_ROW + n - 1}"])
        self.validation(ws, "number", [f"B{FIRST_ROW}:B{FIRST_ROW + n - 1}"])
        for r, (year, value) in enumerate(data, start=FIRST_ROW):
            self.put(ws, r, 1, year)
            self.put(ws, r, 2, value)

    def energy(self) -> None:
        app = self.app
        years = sorted(set(app.profile) | set(app.energy)) if app else []
        n = max(20, len(years) + 10)
        ws = self.table_sheet(
            ENERGY,
            "能源与基础数据 — 分母与能源消费量（按年）",
            "每年一行。人口、建筑面积、产值、工业增加值为计算人均、单位面积、单位产值碳排放的分母；"
            "能源消费量用于碳排放核算（外购电力含绿电；自发自用可再生能源电力不含在外购电力中）。均可选填。",
            ENERGY_COLUMNS,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        last = _letter(len(ENERGY_COLUMNS))
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{FIRST_ROW + n - 1}"])
        self.validation(ws, "number", [f"B{FIRST_ROW}:{last}{FIRST_ROW + n - 1}"])
        ws.freeze_panes = f"B{FIRST_ROW}"
        for r, year in enumerate(years, start=FIRST_ROW):
            self.put(ws, r, 1, year)
            profile = app.profile.get(year) if app else None
            energy = app.energy.get(year) if app else None
            for c, (key, _label) in enumerate(PROFILE_FIELDS + ENERGY_FIELDS, start=2):
                source = profile if key in dict(PROFILE_FIELDS) else energy
                value = getattr(source, key) if source is not None else None
                if value is not None:
                    self.put(ws, r, c, value)

    def projects(self) -> None:
        columns = _project_columns()
        projects = self.app.key_projects if self.app else []
        n = max(50, len(projects) + 20)
        ws = self.table_sheet(
            PROJECTS,
            "重点项目 — 附件2 五、重点项目",
            "每个项目一行（名称必填）：建设内容、实施计划、建设主体、建设周期（开始年、结束年）、"
            "预期碳减排量（tCO2/年）、投资规模（万元）、寿命年限（年，用于成本效益分析）。",
            columns,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        end = FIRST_ROW + n - 1
        for c, spec in enumerate(columns, start=1):
            rng = f"{_letter(c)}{FIRST_ROW}:{_letter(c)}{end}"
            if spec.kind in ("year", "number"):
                self.validation(ws, spec.kind, [rng])
            elif spec.kind == "whole":
                self.validation(ws, "lifetime", [rng])
        for r, project in enumerate(projects, start=FIRST_ROW):
            for c, spec in enumerate(columns, start=1):
                value = getattr(project, spec.key)
                if value is not None:
                    self.put(ws, r, c, value, f"key_projects[{r - FIRST_ROW}].{spec.key}")

    def schedule(self) -> None:
        items = (
            [(y, item) for y, lst in sorted(self.app.schedule.items()) for item in lst]
            if (self.app)
            else []
        )
        n = max(60, len(items) + 20)
        ws = self.table_sheet(
            SCHEDULE,
            "进度安排 — 附件2 六、年度实施计划和工作内容",
            "每项工作一行：年份和工作内容；年份留空表示与上一行同一年。",
            SCHEDULE_COLUMNS,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{FIRST_ROW + n - 1}"])
        previous = None
        for r, (year, item) in enumerate(items, start=FIRST_ROW):
            if year != previous:
                self.put(ws, r, 1, year)
            previous = year
            self.put(ws, r, 2, item, f"schedule.{year}")

    def safeguards(self) -> None:
        items = catalog.outline().safeguards
        ws = self.table_sheet(
            SAFEGUARDS,
            "保障措施 — 附件2 七",
            "逐项填写是否落实（是/否）。",
            SAFEGUARD_COLUMNS,
            rows=len(items),
        )
        for r, item in enumerate(items, start=FIRST_ROW):
            self.put(ws, r, 1, item.id)
            self.put(ws, r, 2, item.label_zh)
            value = getattr(self.app.safeguards, item.id) if self.app else None
            if value is not None:
                self.put(ws, r, 3, YES_NO[0] if value else YES_NO[1])
        self.validation(ws, "yesno", [f"C{FIRST_ROW}:C{FIRST_ROW + len(items) - 1}"])

    def eligibility(self) -> None:
        conditions = catalog.selection_conditions(self.pilot_type)
        ws = self.table_sheet(
            ELIGIBILITY,
            f"遴选条件 — {catalog.PILOT_TYPE_ZH[self.pilot_type]}（河环发〔2023〕23号 二、遴选条件）",
            "逐条填写是否满足（是/否），可在佐证说明中写明依据（文件名称、文号等）。"
            "必备条件须满足；优先考虑条件满足的优先入选。",
            ELIGIBILITY_COLUMNS,
            rows=len(conditions),
        )
        for r, cond in enumerate(conditions, start=FIRST_ROW):
            self.put(ws, r, 1, cond.id)
            self.put(ws, r, 2, cond.text_zh)
            self.put(ws, r, 3, CONDITION_KIND_ZH[cond.kind])
            self.put(ws, r, 4, cond.source)
            given = self.app.eligibility.get(cond.id) if self.app else None
            if given is not None:
                value = given if isinstance(given, bool) else given.value
                self.put(ws, r, 5, YES_NO[0] if value else YES_NO[1])
                if not isinstance(given, bool) and given.evidence is not None:
                    self.put(ws, r, 6, given.evidence, f"eligibility.{cond.id}.evidence")
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(cond.text_zh) / 26))
        self.validation(ws, "yesno", [f"E{FIRST_ROW}:E{FIRST_ROW + len(conditions) - 1}"])

    def proofs(self) -> None:
        kinds = catalog.outline().proofs
        proofs = self.app.proofs if self.app else {}
        files = max([FILE_COLUMNS, *(len(v) for v in proofs.values())])
        columns = _proof_columns(files)
        ws = self.table_sheet(
            PROOFS,
            "证明材料 — 附件2 八、有关证明材料",
            "在“文件1、文件2……”列填写随附材料的文件名，每格一个，从文件1起依次填写。",
            columns,
            rows=len(kinds),
        )
        for r, kind in enumerate(kinds, start=FIRST_ROW):
            self.put(ws, r, 1, kind.number)
            self.put(ws, r, 2, kind.id)
            self.put(ws, r, 3, kind.label_zh)
            for c, name in enumerate(proofs.get(kind.id, []), start=4):
                self.put(ws, r, c, name, f"proofs.{kind.id}")
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(kind.label_zh) / 24))
        ws.freeze_panes = f"D{FIRST_ROW}"


_FORMATS = {"text": "@", "year": "0", "fraction": "0.00%", "whole": "0", "pilot_type": "@"}

_VALIDATIONS: dict[str, dict[str, Any]] = {
    "yesno": {
        "type": "list",
        "formula1": '"是,否"',
        "promptTitle": "是/否",
        "prompt": "从下拉列表选择“是”或“否”",
        "errorTitle": "请选择是或否",
        "error": "请填“是”或“否”。",
    },
    "basis": {
        "type": "list",
        "promptTitle": "计算口径",
        "prompt": "降幅按哪种口径计算（可选）",
        "errorTitle": "计算口径",
        "error": "请从下拉列表选择计算口径。",
    },
    "year": {
        "type": "whole",
        "operator": "between",
        "formula1": "1990",
        "formula2": "2100",
        "promptTitle": "年份",
        "prompt": "四位整数年份（1990–2100）",
        "errorTitle": "年份",
        "error": "请填 1990–2100 之间的四位整数年份。",
    },
    "lifetime": {
        "type": "whole",
        "operator": "between",
        "formula1": "1",
        "formula2": "100",
        "promptTitle": "寿命年限",
        "prompt": "项目设施的寿命年限（1–100 年）",
        "errorTitle": "寿命年限",
        "error": "请填 1–100 之间的整数。",
    },
    "number": {
        "type": "decimal",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数值",
        "prompt": "填不小于 0 的数值，不含单位",
        "errorTitle": "数值",
        "error": "请填不小于 0 的数值（不含单位、文字）。",
    },
    "fraction": {
        "type": "decimal",
        "operator": "between",
        "formula1": "-0.99",
        "formula2": "0.99",
        "promptTitle": "年增长率",
        "prompt": "如 2% 或 0.02；可为负数",
        "errorTitle": "年增长率",
        "error": "请填 -99% 到 99% 之间的增长率，如 2%。",
    },
    "percent": {
        "type": "decimal",
        "operator": "between",
        "formula1": "0",
        "formula2": "100",
        "promptTitle": "百分数",
        "errorTitle": "百分数",
        "error": "请填 0–100 之间的百分数值（12 表示 12%）。",
    },
    "reduction": {
        "type": "decimal",
        "operator": "lessThanOrEqual",
        "formula1": "100",
        "promptTitle": "降幅（%）",
        "errorTitle": "降幅",
        "error": "请填较基准年下降的百分数（不超过 100；上升填负数）。",
    },
    "count": {
        "type": "whole",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数量",
        "errorTitle": "数量",
        "error": "请填不小于 0 的整数。",
    },
    "nonnegative": {
        "type": "decimal",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数值",
        "errorTitle": "数值",
        "error": "请填不小于 0 的数值（不含单位、文字）。",
    },
}


def _value_validation(ind: catalog.Indicator) -> tuple[str, str]:
    """The data validation kind and input prompt of an indicator's value cells."""
    unit = ind.unit.strip()
    if ind.expects_boolean:
        if ind.rule.kind == "prohibited":
            return "yesno", "是/否：未使用填“是”"
        return "yesno", "是/否：满足参考值要求填“是”"
    kind = ind.rule.kind
    if kind == "reduction":
        return "reduction", "较基准年下降的百分数，如 40 表示下降 40%"
    if kind == "count":
        return "count", f"整数（{unit or '个'}）"
    if kind in ("ratio",):
        return "nonnegative", "百分数值（可超过 100），如 120 表示 120%"
    if ind.is_percent and kind in ("at_least", "at_most", "full"):
        return "percent", "百分数值，如 12 表示 12%"
    return "nonnegative", f"数值（{unit}）" if unit else "数值"


# --- output -------------------------------------------------------------------------------------


def build_workbook(pilot_type: str, app: Application | None = None, source: str = "") -> Workbook:
    """The workbook of a pilot type: an empty template, or filled with ``app``.

    Parameters
    ----------
    pilot_type:
        One of :data:`nzc_review.policy.catalog.PILOT_TYPES`.
    app:
        The application to fill in (its pilot type must be ``pilot_type``), or ``None``.
    source:
        Name used in error messages (the file the application came from).

    Raises
    ------
    InputError
        When a text cannot be stored in Excel (control characters, more than 32 767 characters).
    """
    if app is not None and app.pilot_type != pilot_type:
        raise InputError(source, [("pilot_type", f"expected {pilot_type}, got {app.pilot_type}")])
    return _Writer(pilot_type, app, source or "workbook").build()


def _timestamp() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) or now, in UTC without tzinfo."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    else:
        stamp = dt.datetime.now(tz=dt.UTC)
    return max(stamp, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).replace(tzinfo=None, microsecond=0)


def workbook_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` bytes of a workbook, with one timestamp throughout (see :func:`_timestamp`),
    so that the same content and ``SOURCE_DATE_EPOCH`` give the same bytes; carriage returns in
    texts are kept (:func:`nzc_review.files.excel_safety.keep_carriage_returns`)."""
    from nzc_review.files.excel_safety import keep_carriage_returns

    stamp = _timestamp()
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with (
        zipfile.ZipFile(io.BytesIO(keep_carriage_returns(raw.getvalue()))) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, data)
    return out.getvalue()



def write_template(pilot_type: str, path: str | Path) -> None:
    """Write the empty application template of a pilot type to ``path`` (atomically)."""
    write_atomic(
        path, workbook_bytes(build_workbook(pilot_type, source=Path(path).name)), make_parents=False
    )


def write_workbook(app: Application, path: str | Path, source: str = "") -> None:
    """Write an application as a filled workbook to ``path`` (atomically).

    ``source`` names the application's own file in error messages.
    """
    wb = build_workbook(app.pilot_type, app, source or Path(path).name)
    write_atomic(path, workbook_bytes(wb), make_parents=False)


# --- reading ------------------------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(path: Path) -> tuple[Workbook, Workbook | None]:
    """The workbook with saved values, and (when the file has formulas) with formula texts."""
    import openpyxl

    source = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    if not head:
        raise InputError(source, "the file is empty")
    if head.startswith(_OLE_MAGIC):
        raise InputError(
            source,
            "an old Excel 97–2003 (.xls) or encrypted workbook; save it as .xlsx without a "
            "password (另存为 Excel 工作簿 .xlsx)",
        )
    if not head.startswith(_ZIP_MAGIC):
        raise InputError(source, "not an Excel workbook (.xlsx): the file is not a zip archive")
    # sizes, cells and ranges checked in the archive before openpyxl unpacks anything
    has_formulas = check_workbook(path, source).has_formulas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False) if has_formulas else None
        except Exception as exc:  # noqa: BLE001 - a damaged file may fail anywhere in the parser
            detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise InputError(source, f"not a readable Excel workbook (.xlsx): {detail}") from None
    return values, formulas


@dataclass
class _Table:
    """A data sheet as read: where its header is, which column holds which key, its cells."""

    name: str
    order: int
    ws: Worksheet
    fws: Worksheet | None
    columns: dict[str, int]
    labels: dict[str, str]
    data_row: int
    cells: dict[int, dict[int, Cell]]
    fcells: dict[tuple[int, int], Cell]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def data_rows(self) -> list[int]:
        """The rows below the header that have any cell, in order (never the empty ones)."""
        return sorted(r for r in self.cells if r >= self.data_row)

    def span(self) -> tuple[str, str]:
        cols = sorted(self.columns.values())
        return _letter(cols[0]), _letter(cols[-1])


class _Reader:
    """Reads one workbook into plain application data, collecting every problem."""

    def __init__(self, source: str, values: Workbook, formulas: Workbook | None):
        self.source = source
        self.wb = values
        self.fwb = formulas
        self.problems: list[tuple[tuple, str, str]] = []
        self.locator: dict[str, tuple[tuple, str]] = {}
        self.bad: set[str] = set()

    # problems and locations ----------------------------------------------------------------

    def problem(self, key: tuple, where: str, message: str, path: str | None = None) -> None:
        self.problems.append((key, where, message))
        if path:
            self.bad.add(path)

    def cell_where(self, t: _Table, row: int, col: int, context: str = "") -> str:
        label = "" if t.name == BASIC and context else t.labels.get(_key_of(t, col), "")
        inside = ", ".join(x for x in (label, context) if x)
        return f"{t.name}!{_letter(col)}{row}" + (f" ({inside})" if inside else "")

    def row_where(self, t: _Table, row: int, context: str = "") -> str:
        first, last = t.span()
        return f"{t.name}!{first}{row}:{last}{row}" + (f" ({context})" if context else "")

    def locate(self, path: str, t: _Table, row: int, col: int | None, context: str = "") -> None:
        """Remember which cell (or row, ``col=None``) holds the field at ``path``."""
        if col is None:
            self.locator[path] = ((t.order, row, 0), self.row_where(t, row, context))
        else:
            self.locator[path] = ((t.order, row, col), self.cell_where(t, row, col, context))

    # sheets --------------------------------------------------------------------------------

    def table(
        self,
        name: str,
        columns: tuple[Column, ...],
        *,
        extra: Callable[[str], bool] | None = None,
        merged_ok: Callable[[_Table, tuple[int, int, int, int]], bool] | None = None,
    ) -> _Table | None:
        """Find a sheet's header (key row, else Chinese header row) and its columns, and
        report merged cells in its data area (except those ``merged_ok`` allows)."""
        order = SHEETS.index(name)
        ws = _sheet(self.wb, name)
        if ws is None:
            self.problem(
                (order, 0, 0),
                name,
                "the sheet is missing (it may stay empty but must not be deleted or renamed)",
            )
            return None
        fws = _sheet(self.fwb, name) if self.fwb is not None else None
        cells = _sparse(ws)
        fcells = dict(fws._cells) if fws is not None else {}
        keys = {c.key: c for c in columns}
        by_label = {_norm(c.label): c.key for c in columns}
        found: dict[str, int] = {}
        labels: dict[str, str] = {c.key: c.label for c in columns}
        key_row = label_row = 0
        for r in sorted(x for x in cells if x <= HEADER_SEARCH_ROWS):
            texts = {
                c: _norm(cell.value) for c, cell in cells[r].items() if isinstance(cell.value, str)
            }
            as_keys = {c: x for c, x in texts.items() if x in keys or (extra and extra(x))}
            as_labels = {c: by_label[t] for c, t in texts.items() if t in by_label}
            if (
                not key_row
                and len(as_keys) >= min(2, len(columns))
                and (len(as_keys) >= len(as_labels))
            ):
                key_row = r
                for c, k in sorted(as_keys.items()):
                    if k in found and found[k] != c:
                        self.problem(
                            (order, r, c),
                            f"{name}!{_letter(c)}{r}",
                            f"the column {labels.get(k, k)} ({k}) appears twice",
                        )
                    found.setdefault(k, c)
            elif not label_row and len(as_labels) >= min(2, len(columns)):
                label_row = r
                for c, k in as_labels.items():
                    labels[k] = texts[c]
        if not key_row and label_row:  # the key row was deleted: fall back on the headers
            row = cells[label_row]
            for c, cell in sorted(row.items()):
                text = _norm(cell.value) if isinstance(cell.value, str) else ""
                k = by_label.get(text) or _file_key(text)
                if k and k not in found:
                    found[k] = c
        if not key_row and not label_row:
            wanted = "、".join(
                c.label for c in columns if c.kind != "info" or c.key in ("code", "id")
            )
            self.problem(
                (order, 0, 0), name, f"no header row found (expected the columns {wanted})"
            )
            return None
        # labels as printed in the header row, for messages
        if label_row:
            for k, c in found.items():
                cell = cells.get(label_row, {}).get(c)
                if cell is not None and isinstance(cell.value, str) and cell.value.strip():
                    labels[k] = cell.value.strip()
        for k in found:
            if k not in labels:
                labels[k] = _file_label(k)
        required = [c for c in columns if c.kind != "info" or c.key in ("code", "id")]
        missing = [c for c in required if c.key not in found and not c.key.startswith("file_")]
        if name == BASIC and "field" not in found and "label" not in found:
            missing.append(columns[0])
        if missing:
            for c in missing:
                self.problem((order, 0, 0), name, f"the column {c.label} ({c.key}) is missing")
            return None
        t = _Table(
            name=name,
            order=order,
            ws=ws,
            fws=fws,
            columns=found,
            labels=labels,
            data_row=max(key_row, label_row) + 1,
            cells=cells,
            fcells=fcells,
        )
        t.merged = [
            (rng.min_row, rng.min_col, rng.max_row, rng.max_col) for rng in ws.merged_cells.ranges
        ]
        self.check_merged(t, (lambda rng: merged_ok(t, rng)) if merged_ok else None)
        return t

    def check_merged(
        self, t: _Table, allowed: Callable[[tuple[int, int, int, int]], bool] | None = None
    ) -> None:
        used = set(t.columns.values())
        for rng in t.merged:
            r1, c1, r2, c2 = rng
            if r2 < t.data_row or not any(c1 <= c <= c2 for c in used):
                continue
            if allowed and allowed(rng):
                continue
            ref = f"{_letter(c1)}{r1}:{_letter(c2)}{r2}"
            self.problem(
                (t.order, r1, c1),
                f"{t.name}!{ref}",
                "merged cells in the data area cannot be read; unmerge them (取消单元格合并) and "
                "fill every cell",
            )

    def value(self, t: _Table, row: int, col: int | None) -> tuple[object, str | None, str | None]:
        """(value, number format, problem) of a cell; blank text reads as ``None``."""
        if col is None:
            return None, None, None
        cell = t.cells.get(row, {}).get(col)
        fcell = t.fcells.get((row, col))
        value = cell.value if cell is not None else None
        if fcell is not None and fcell.data_type == "f" and value is None:
            formula = fcell.value if isinstance(fcell.value, str) else "a formula"
            shown = formula if len(formula) <= 40 else formula[:37] + "…"
            return (
                None,
                None,
                (
                    f"the formula {shown} has no saved result; open and save the file in Excel, WPS "
                    "or LibreOffice, or type the value"
                ),
            )
        if cell is not None and cell.data_type == "e":
            return None, None, f"the cell shows the error {value}; correct the formula or the value"
        if isinstance(value, str) and not value.strip():
            value = None
        fmt = cell.number_format if cell is not None else None
        return value, fmt, None

    def read(
        self,
        t: _Table,
        row: int,
        key: str,
        parse: Callable[[object, str | None], object],
        path: str,
        context: str = "",
    ) -> object:
        """Read and parse one cell, remembering where ``path`` is; ``None`` when blank or bad."""
        col = t.columns.get(key)
        if col is None:
            return None
        self.locate(path, t, row, col, context)
        value, fmt, problem = self.value(t, row, col)
        where = self.cell_where(t, row, col, context)
        if problem:
            self.problem((t.order, row, col), where, problem, path)
            return None
        if value is None:
            return None
        try:
            return parse(value, fmt)
        except _Bad as exc:
            self.problem((t.order, row, col), where, str(exc), path)
            return None

    def blank_row(self, t: _Table, row: int, keys: Iterable[str]) -> bool:
        for k in keys:
            col = t.columns.get(k)
            if col is None:
                continue
            cell = t.cells.get(row, {}).get(col)
            if cell is None:
                continue
            if cell.value is not None and not (
                isinstance(cell.value, str) and not cell.value.strip()
            ):
                return False
            fcell = t.fcells.get((row, col))
            if fcell is not None and fcell.data_type == "f":
                return False
        return True

    def code_of(self, t: _Table, row: int, key: str) -> str:
        col = t.columns[key]
        cell = t.cells.get(row, {}).get(col)
        value = cell.value if cell is not None else None
        if value is None:
            return ""
        return _norm(str(value))

    # the whole workbook --------------------------------------------------------------------

    def run(self) -> dict:
        present = {_norm(n) for n in self.wb.sheetnames}
        if not present & set(DATA_SHEETS):
            raise InputError(
                self.source,
                "not an application workbook of nzc-review: none of the sheets "
                f"{'、'.join(DATA_SHEETS)} found (sheets: {'、'.join(self.wb.sheetnames)}); "
                "start from `nzc-review template --type TYPE OUT.xlsx`",
            )
        data: dict[str, Any] = {}
        pilot_type = self.basic(data)
        if pilot_type is not None:
            data["indicators"] = self.indicators(pilot_type)
            data["eligibility"] = self.eligibility(pilot_type)
        self.years(data)
        data["key_projects"] = self.projects()
        data["schedule"] = self.schedule()
        data["safeguards"] = self.safeguards()
        data["proofs"] = self.proofs()
        data = {k: v for k, v in data.items() if v not in ({}, [], None)}
        if pilot_type is not None:
            self.validate(data)
        if self.problems:
            self.problems.sort(key=lambda p: p[0])
            raise InputError(self.source, [(where, msg) for _k, where, msg in self.problems])
        return data

    def validate(self, data: dict) -> None:
        from nzc_review.intake import validate_application

        try:
            validate_application(data, self.source)
        except InputError as exc:
            for path, message in exc.problems:
                if _within(path, self.bad):
                    continue
                key, where = self.find(path)
                self.problems.append((key, where, message))

    def find(self, path: str) -> tuple[tuple, str]:
        probe = path
        while probe:
            if probe in self.locator:
                return self.locator[probe]
            probe = _parent(probe)
        return (len(SHEETS), 0, 0), path

    # 基本信息 ----------------------------------------------------------------------------------

    def basic(self, data: dict) -> str | None:
        t = self.table(BASIC, BASIC_COLUMNS)
        if t is None:
            return None
        items = {item.path: item for item in BASIC_ITEMS}
        by_label = {_norm(item.label): item.path for item in BASIC_ITEMS}
        seen: dict[str, int] = {}
        for row in t.data_rows():
            path = self.code_of(t, row, "field") if "field" in t.columns else ""
            if path not in items:
                label = self.code_of(t, row, "label") if "label" in t.columns else ""
                path = by_label.get(label, "")
            if not path:
                if not self.blank_row(t, row, ["value"]):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row),
                        "a value in a row that is not an item of the form",
                    )
                continue
            if path in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, items[path].label),
                    f"{items[path].label} appears twice (rows {seen[path]} and {row})",
                )
                continue
            seen[path] = row
        for item in BASIC_ITEMS:
            if item.path not in seen:
                self.problem(
                    (t.order, 0, 0), BASIC, f"the row {item.label} ({item.path}) is missing"
                )
        pilot_type = None
        for path, row in seen.items():
            item = items[path]
            parse = _PARSERS[item.kind]
            value = self.read(t, row, "value", parse, path, item.label)
            if path == "period.end":
                self.locate("period", t, row, t.columns["value"], item.label)
            if path == "applicant.organization":
                self.locate("applicant", t, row, t.columns["value"], item.label)
            if value is None:
                if path == "pilot_type" and path not in self.bad:
                    self.problem(
                        (t.order, row, t.columns["value"]),
                        self.cell_where(t, row, t.columns["value"], item.label),
                        "required field is missing",
                        path,
                    )
                continue
            if path == "pilot_type":
                pilot_type = value
            head, _, tail = path.partition(".")
            if tail:
                data.setdefault(head, {})[tail] = value
            else:
                data[head] = value
        return pilot_type

    # 指标 --------------------------------------------------------------------------------------

    def indicators(self, pilot_type: str) -> dict:
        t = self.table(INDICATORS, INDICATOR_COLUMNS)
        if t is None:
            return {}
        rows = {ind.code: ind for ind in catalog.indicators(pilot_type)}
        value_keys = ("current", "target", "benchmark", "unit", "basis", "evidence", "note")
        out: dict[str, dict] = {}
        seen: dict[str, int] = {}
        for row in t.data_rows():
            code = self.code_of(t, row, "code").upper()
            if not code:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row),
                        "values in a row without an indicator code (指标代码)",
                    )
                continue
            if code in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, code),
                    f"{code} appears twice (rows {seen[code]} and {row})",
                )
                continue
            seen[code] = row
            ind = rows.get(code)
            if ind is None:
                if not self.blank_row(t, row, value_keys):
                    other = catalog.indicator_index().get(code)
                    why = (
                        f"an indicator of pilot type {other.pilot_type}, not of {pilot_type}"
                        if other
                        else f"not an indicator code of {pilot_type}"
                    )
                    self.problem(
                        (t.order, row, 1), self.row_where(t, row, code), f"{code} is {why}"
                    )
                continue
            where = f"indicators.{code}"
            self.locate(where, t, row, None, code)
            number = _indicator_parser(ind)
            parsers: dict[str, Callable[[object, str | None], object]] = {
                "current": number,
                "target": number,
                "benchmark": lambda v, f, _ind=ind: _parse_number(
                    v, f, "percent" if _ind.is_percent else "none"
                ),
                "unit": _parse_text,
                "basis": _parse_basis,
                "evidence": _parse_text,
                "note": _parse_text,
            }
            entry = {}
            for key, parse in parsers.items():
                value = self.read(t, row, key, parse, f"{where}.{key}", code)
                if value is not None:
                    entry[key] = value
            if entry:
                out[code] = entry
        for code, ind in rows.items():
            if code not in seen:
                self.problem(
                    (t.order, 0, 0), INDICATORS, f"the row of {code} ({ind.name_zh}) is missing"
                )
        return out

    # 碳排放, 能源与基础数据 ----------------------------------------------------------------------

    def years(self, data: dict) -> None:
        t = self.table(EMISSIONS, EMISSIONS_COLUMNS)
        if t is not None:
            emissions: dict[int, object] = {}
            for row, year in self.year_rows(t, ["emissions_tco2"]):
                value = self.read(
                    t,
                    row,
                    "emissions_tco2",
                    _PARSERS["number"],
                    f"emissions_tco2.{year}",
                    str(year),
                )
                if value is not None:
                    emissions[year] = value
            data["emissions_tco2"] = emissions
        t = self.table(ENERGY, ENERGY_COLUMNS)
        if t is not None:
            profile: dict[int, dict] = {}
            energy: dict[int, dict] = {}
            keys = [k for k, _ in PROFILE_FIELDS + ENERGY_FIELDS]
            for row, year in self.year_rows(t, keys):
                for group, fields, out in (
                    ("profile", PROFILE_FIELDS, profile),
                    ("energy", ENERGY_FIELDS, energy),
                ):
                    self.locate(f"{group}.{year}", t, row, None, str(year))
                    entry = {}
                    for key, _label in fields:
                        value = self.read(
                            t, row, key, _PARSERS["number"], f"{group}.{year}.{key}", str(year)
                        )
                        if value is not None:
                            entry[key] = value
                    if entry:
                        out[year] = entry
            data["profile"] = profile
            data["energy"] = energy

    def year_rows(self, t: _Table, keys: list[str]) -> list[tuple[int, int]]:
        """(row, year) of every non-blank row of a per-year sheet; duplicates are problems."""
        out: list[tuple[int, int]] = []
        seen: dict[int, int] = {}
        for row in t.data_rows():
            if self.blank_row(t, row, ["year", *keys]):
                continue
            col = t.columns["year"]
            value, fmt, problem = self.value(t, row, col)
            where = self.cell_where(t, row, col)
            if problem:
                self.problem((t.order, row, col), where, problem)
                continue
            if value is None:
                self.problem((t.order, row, col), where, "the year is empty")
                continue
            try:
                year = _parse_year(value, fmt)
            except _Bad as exc:
                self.problem((t.order, row, col), where, str(exc))
                continue
            if year in seen:
                self.problem(
                    (t.order, row, col),
                    where,
                    f"the year {year} appears twice (rows {seen[year]} and {row})",
                )
                continue
            seen[year] = row
            out.append((row, year))
        return out

    # 重点项目 ------------------------------------------------------------------------------------

    def projects(self) -> list[dict]:
        columns = _project_columns()
        t = self.table(PROJECTS, columns)
        if t is None:
            return []
        keys = [c.key for c in columns]
        out: list[dict] = []
        for row in t.data_rows():
            if self.blank_row(t, row, keys):
                continue
            i = len(out)
            name_value, _, _ = self.value(t, row, t.columns["name"])
            context = name_value.strip() if isinstance(name_value, str) else f"项目{i + 1}"
            context = context if len(context) <= 30 else context[:29] + "…"
            self.locate(f"key_projects[{i}]", t, row, None, context)
            entry = {}
            for spec in columns:
                value = self.read(
                    t, row, spec.key, _PARSERS[spec.kind], f"key_projects[{i}].{spec.key}", context
                )
                if value is not None:
                    entry[spec.key] = value
            out.append(entry)
        return out

    # 进度安排 ------------------------------------------------------------------------------------

    def schedule(self) -> dict[int, list[str]]:
        # years may be merged down the year column
        t = self.table(SCHEDULE, SCHEDULE_COLUMNS,
                       merged_ok=lambda t, rng: rng[1] == rng[3] == t.columns["year"])
        if t is None:
            return {}
        year_col = t.columns["year"]
        out: dict[int, list[str]] = {}
        year: int | None = None
        year_ok = True
        for row in t.data_rows():
            value, fmt, problem = self.value(t, row, year_col)
            where = self.cell_where(t, row, year_col)
            if problem:
                self.problem((t.order, row, year_col), where, problem)
                year_ok = False
            elif value is not None:
                try:
                    year = _parse_year(value, fmt)
                    year_ok = True
                except _Bad as exc:
                    self.problem((t.order, row, year_col), where, str(exc))
                    year_ok = False
            if self.blank_row(t, row, ["item"]):
                continue
            if year is None and year_ok:
                self.problem(
                    (t.order, row, year_col),
                    where,
                    "the year is empty (and there is no year above)",
                )
                year_ok = False
            items = out.setdefault(year, []) if year_ok and year is not None else []
            if year_ok and year is not None:
                if not items:
                    self.locate(f"schedule.{year}", t, row, None, str(year))
                path = f"schedule.{year}[{len(items)}]"
            else:
                path = f"schedule.?{row}"
            item = self.read(t, row, "item", _parse_text, path, str(year or ""))
            if item and year_ok and year is not None:
                items.append(item)
        return {y: v for y, v in out.items() if v}

    # 保障措施, 遴选条件, 证明材料 ------------------------------------------------------------------

    def keyed_rows(self, t: _Table, known: dict[str, str], value_keys: list[str]) -> dict[str, int]:
        """Row of every known id of a fixed table; missing, unknown and doubled ids are problems."""
        seen: dict[str, int] = {}
        by_label = {_norm(label): key for key, label in known.items()}
        label_key = "label" if "label" in t.columns else "text" if "text" in t.columns else None
        for row in t.data_rows():
            key = self.code_of(t, row, "id")
            if key not in known and label_key:
                key = by_label.get(self.code_of(t, row, label_key), key)
            if not key:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1), self.row_where(t, row), "values in a row without an id"
                    )
                continue
            if key not in known:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row, key),
                        f"unknown id {key!r}; expected one of {', '.join(known)}",
                    )
                continue
            if key in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, key),
                    f"{key} appears twice (rows {seen[key]} and {row})",
                )
                continue
            seen[key] = row
        for key, label in known.items():
            if key not in seen:
                self.problem((t.order, 0, 0), t.name, f"the row of {key} ({label}) is missing")
        return seen

    def safeguards(self) -> dict:
        t = self.table(SAFEGUARDS, SAFEGUARD_COLUMNS)
        if t is None:
            return {}
        known = {s.id: s.label_zh for s in catalog.outline().safeguards}
        out = {}
        for key, row in self.keyed_rows(t, known, ["value"]).items():
            value = self.read(t, row, "value", _parse_yesno, f"safeguards.{key}", key)
            if value is not None:
                out[key] = value
        return out

    def eligibility(self, pilot_type: str) -> dict:
        t = self.table(ELIGIBILITY, ELIGIBILITY_COLUMNS)
        if t is None:
            return {}
        known = {c.id: c.text_zh for c in catalog.selection_conditions(pilot_type)}
        out: dict[str, object] = {}
        for key, row in self.keyed_rows(t, known, ["answer", "evidence"]).items():
            path = f"eligibility.{key}"
            self.locate(path, t, row, None, key)
            answer = self.read(t, row, "answer", _parse_yesno, f"{path}.value", key)
            evidence = self.read(t, row, "evidence", _parse_text, f"{path}.evidence", key)
            if f"{path}.value" in self.bad:
                continue
            if answer is None:
                if evidence:
                    col = t.columns["answer"]
                    self.problem(
                        (t.order, row, col),
                        self.cell_where(t, row, col, key),
                        "佐证说明 is given but 是否满足 is empty: answer 是 or 否",
                        path,
                    )
                continue
            out[key] = {"value": answer, "evidence": evidence} if evidence else answer
        return out

    def proofs(self) -> dict:
        t = self.table(
            PROOFS,
            _proof_columns(),
            extra=lambda text: text.startswith("file_") and _file_key(text) is not None,
        )
        if t is None:
            return {}
        known = {p.id: p.label_zh for p in catalog.outline().proofs}
        fixed = {"number", "id", "label"}
        file_cols = sorted(c for k, c in t.columns.items() if k not in fixed)
        last_fixed = max(c for k, c in t.columns.items() if k in fixed)
        out: dict[str, list[str]] = {}
        for key, row in self.keyed_rows(t, known, [k for k in t.columns if k not in fixed]).items():
            self.locate(f"proofs.{key}", t, row, None, key)
            # file columns, then anything typed further right without a header
            beyond = [c for c in t.cells.get(row, {}) if c > last_fixed and c not in file_cols]
            names = []
            for col in sorted(set(file_cols) | set(beyond)):
                value, _fmt, problem = self.value(t, row, col)
                where = (
                    f"{t.name}!{_letter(col)}{row} ({t.labels.get(_key_of(t, col), '文件')}, {key})"
                )
                if problem:
                    self.problem((t.order, row, col), where, problem, f"proofs.{key}")
                    continue
                if value is None:
                    continue
                try:
                    names.append(_parse_text(value))
                except _Bad as exc:
                    self.problem((t.order, row, col), where, str(exc), f"proofs.{key}")
            if names:
                out[key] = names
        return out


def _key_of(t: _Table, col: int) -> str:
    for k, c in t.columns.items():
        if c == col:
            return k
    return ""


def _file_key(text: str) -> str | None:
    m = re.fullmatch(r"(?:file_|文件)(\d+)", text)
    return f"file_{int(m.group(1))}" if m else None


def _file_label(key: str) -> str:
    m = re.fullmatch(r"file_(\d+)", key)
    return f"文件{m.group(1)}" if m else key


def _sheet(wb: Workbook | None, name: str) -> Worksheet | None:
    if wb is None:
        return None
    for title in wb.sheetnames:
        if _norm(title) == name:
            ws = wb[title]
            return ws if hasattr(ws, "_cells") else None
    return None


def _sparse(ws: Worksheet) -> dict[int, dict[int, Cell]]:
    """The cells a sheet actually has, by row and column (never creates cells)."""
    rows: dict[int, dict[int, Cell]] = {}
    for (r, c), cell in ws._cells.items():
        rows.setdefault(r, {})[c] = cell
    return rows


def _parent(path: str) -> str:
    """``key_projects[2].name`` → ``key_projects[2]`` → ``key_projects`` → ``''``."""
    m = re.match(r"^(.*?)(?:\.[^.\[\]]+|\[\d+\])$", path)
    return m.group(1) if m else ""


def _within(path: str, bad: set[str]) -> bool:
    probe = path
    while probe:
        if probe in bad:
            return True
        probe = _parent(probe)
    return False


def read_xlsx(path: Path) -> dict:
    """Read an application workbook into plain data (the registered ``.xlsx`` reader).

    The data is also validated (:func:`~nzc_review.intake.validate_application`) so that model
    errors can be reported at their cells.

    Raises
    ------
    InputError
        naming the sheet, cell, column header, row and value of every problem, e.g.
        ``app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'``.
    """
    path = Path(path)
    values, formulas = _open(path)
    return _Reader(path.name, values, formulas).run()


def _register() -> None:
    from nzc_review.intake import register_reader

    register_reader((".xlsx",), read_xlsx)


_register()
