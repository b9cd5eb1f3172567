"""A simple workbook layout (.xlsx) for ``nzc-acceptance/1`` and ``nzc-disclosure/1``.

Applicants fill Excel; the acceptance and disclosure files have a plain layout of one table per
sheet, read into the same data as the YAML file (then validated like it):

==========  ===================================================================================
sheet       columns (row 1 headers, ``中文（key）`` or just ``key``; data from row 2)
==========  ===================================================================================
基本信息     ``字段（field）`` | ``填写内容（value）`` | 说明: dotted field paths, e.g. ``format``,
            ``application.id``, ``application.file``, ``achieved_year``, ``pilot.id``,
            ``pilot.base_profile.population``
指标         acceptance: ``code``, ``value``, ``evidence``, ``benchmark``, ``basis``, ``unit``,
            ``note``; disclosure: ``year`` first (one row per year and indicator)
重点项目     acceptance only: ``name``, ``completed_year``, ``actual_reduction_tco2_per_year``,
            ``actual_investment_10k_cny``, ``evidence``, ``note``
年度数据     ``year``, ``emissions_tco2``, the ``profile`` fields, the ``energy`` fields; for an
            acceptance also ``disclosure`` (where that year was disclosed), for a disclosure
            ``published_on``, ``published_at``, ``note``
其他燃料     ``year``, ``name``, ``amount``, ``unit``, ``tce_per_unit``, ``tco2_per_unit``,
            ``source``: ``energy.<year>.other_fuels``, fuels with declared factors (optional)
园区企业     disclosure only: ``year``, ``name``, ``emissions_tco2``, ``energy_tce``, ``note``:
            a park's enterprises (园区企业碳排放情况, YQ-18; optional)
==========  ===================================================================================

Cells are read with the vocabulary of application workbooks (:mod:`nzc_review.intake.cells`),
so the same text means the same thing in both: yes/no as 是/否, ☑/☐, √/×, T/F, TRUE/FALSE …;
numbers as numbers or digits as text, with thousands separators only in groups of three
(``1,2,3`` is an error); an indicator's ``value`` and ``benchmark`` by the indicator's rule, so a
percentage indicator reads ``12%`` and a percent-formatted 0.12 as 12; years 1990–2100; empty
cells left out; error cells (``#DIV/0!``) and formulas without a saved result are errors. A cell
that cannot be read is an error naming the sheet and the cell
(``年度数据!B4 (emissions_tco2): expected a number, got '约十万'``). A workbook without a
``format`` row that carries the application sheets is read as an application
(:func:`nzc_review.intake.excel.read_xlsx`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nzc_review.errors import InputError
from nzc_review.files.atomic import write_atomic
from nzc_review.intake.cells import (
    CellError,
    cell_value,
    parse_indicator,
    parse_number,
    parse_text,
    parse_year,
)
from nzc_review.lifecycle.model import ACCEPTANCE_FORMAT, DISCLOSURE_FORMAT
from nzc_review.policy import catalog
from nzc_review.policy.application import Energy, Profile

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

BASIC, INDICATORS, PROJECTS, YEARLY = "基本信息", "指标", "重点项目", "年度数据"
FUELS, ENTERPRISES = "其他燃料", "园区企业"
#: ``energy`` fields on 年度数据: all but the list of other fuels (a sheet of its own).
ENERGY_COLUMNS = tuple(k for k in Energy.model_fields if k != "other_fuels")
ENERGY_TEXT = frozenset({"process_method", "carbon_sink_method"})
FUEL_COLUMNS = ("year", "name", "amount", "unit", "tce_per_unit", "tco2_per_unit", "source")

LABELS = {
    "field": "字段", "value": "填写内容", "year": "年份", "code": "指标代码", "evidence": "佐证材料",
    "benchmark": "基准值", "basis": "计算口径", "unit": "单位", "note": "备注", "name": "项目名称",
    "completed_year": "完成年份", "actual_reduction_tco2_per_year": "实际年减排量（tCO2）",
    "actual_investment_10k_cny": "实际投资（万元）", "emissions_tco2": "碳排放总量（tCO2）",
    "disclosure": "信息披露情况", "published_on": "发布日期", "published_at": "发布渠道",
    "population": "人口", "floor_area_m2": "建筑面积（m2）", "output_value_10k_cny": "产值（万元）",
    "industrial_value_added_10k_cny": "工业增加值（万元）", "electricity_mwh": "外购电力（MWh）",
    "green_electricity_mwh": "其中绿电（MWh）", "onsite_renewable_mwh": "自发自用可再生电力（MWh）",
    "raw_coal_t": "原煤（t）", "natural_gas_10k_m3": "天然气（万m3）", "gasoline_t": "汽油（t）",
    "diesel_t": "柴油（t）", "lpg_t": "液化石油气（t）", "purchased_heat_gj": "外购热力（GJ）",
    "coke_t": "焦炭（t）", "fuel_oil_t": "燃料油（t）", "biomass_tce": "生物质（折标准煤，tce）",
    "process_emissions_tco2": "工业过程排放（tCO2）", "process_method": "工业过程排放核算方法",
    "carbon_sink_tco2": "碳汇清除量（tCO2）", "carbon_sink_method": "碳汇核算方法",
    "amount": "消费量", "tce_per_unit": "折标准煤系数（tce/计量单位）",
    "tco2_per_unit": "CO2排放因子（tCO2/计量单位）", "source": "系数来源",
    "energy_tce": "综合能耗（tce）",
}
_BY_LABEL = {v: k for k, v in LABELS.items()}
_KEY_RE = re.compile(r"[（(]\s*([A-Za-z_][A-Za-z0-9_.]*)\s*[)）]\s*$")

ACCEPTANCE_COLUMNS = {
    INDICATORS: ("code", "value", "evidence", "benchmark", "basis", "unit", "note"),
    PROJECTS: ("name", "completed_year", "actual_reduction_tco2_per_year",
               "actual_investment_10k_cny", "evidence", "note"),
    YEARLY: ("year", "emissions_tco2", *Profile.model_fields, *ENERGY_COLUMNS, "disclosure"),
    FUELS: FUEL_COLUMNS,
}
DISCLOSURE_COLUMNS = {
    INDICATORS: ("year", "code", "value", "evidence", "benchmark", "basis", "unit", "note"),
    YEARLY: ("year", "emissions_tco2", *Profile.model_fields, *ENERGY_COLUMNS,
             "published_on", "published_at", "note"),
    FUELS: FUEL_COLUMNS,
    ENTERPRISES: ("year", "name", "emissions_tco2", "energy_tce", "note"),
}
_NUMERIC = {"emissions_tco2", "actual_reduction_tco2_per_year", "actual_investment_10k_cny",
            "amount", "tce_per_unit", "tco2_per_unit", "energy_tce", *Profile.model_fields,
            *(set(ENERGY_COLUMNS) - ENERGY_TEXT)}
_WHOLE = {"year", "completed_year"}
_BASIC_YEARS = {"achieved_year", "base_year", "accepted_year", "first_year"}
_BASIC_NUMBERS = {"base_emissions_tco2", "target_emissions_tco2", *Profile.model_fields}


@dataclass(frozen=True)
class _Cell:
    """One non-empty cell of a table: its value and number format, or the problem it has
    (an error cell, a formula without a saved result), and its place (``年度数据!B4``)."""

    value: object
    fmt: str | None
    ref: str
    problem: str | None = None


def _key(header: object) -> str | None:
    if header is None:
        return None
    text = str(header).strip()
    if not text:
        return None
    match = _KEY_RE.search(text)
    if match:
        return match.group(1)
    return _BY_LABEL.get(text, text)


def _convert(key: str, cell: _Cell, indicator: catalog.Indicator | None = None) -> object:
    """A cell's value by its column: years, numbers, an indicator's value by its rule, text."""
    if cell.problem:
        raise CellError(cell.problem)
    if key in _WHOLE:
        return parse_year(cell.value, cell.fmt)
    if key == "value":
        return parse_indicator(cell.value, cell.fmt, indicator)
    if key == "benchmark":
        return parse_indicator(cell.value, cell.fmt, indicator, benchmark=True)
    if key in _NUMERIC:
        return parse_number(cell.value, cell.fmt)
    return parse_text(cell.value, cell.fmt)


def _rows(ws: Worksheet, fws: Worksheet | None) -> list[dict[str, _Cell]]:
    """Rows of a sheet as {key: cell}, empty cells left out; only the cells the sheet has are
    visited (a far-away cell must not make a dense grid of millions). ``fws`` is the same sheet
    with formulas, when the file has any."""
    grid: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():
        grid.setdefault(r, {})[c] = cell
    formulas = fws._cells if fws is not None else {}
    keys = {c: _key(cell.value) for c, cell in grid.get(1, {}).items()}
    out = []
    for r in sorted(x for x in grid if x > 1):
        item = {}
        for c, cell in sorted(grid[r].items()):
            key = keys.get(c)
            if key is None:
                continue
            ref = f"{ws.title}!{cell.coordinate}"
            try:
                value, fmt = cell_value(cell, formulas.get((r, c)))
            except CellError as exc:
                item[key] = _Cell(None, None, ref, str(exc))
                continue
            if value is not None:
                item[key] = _Cell(value, fmt, ref)
        if item:
            out.append(item)
    return out


def _set(target: dict, path: str, value: object) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise CellError(f"the field {path!r} lies inside {part!r}, which already holds a value")
    if isinstance(target.get(parts[-1]), dict):
        raise CellError(f"the field {path!r} already holds fields ({path}.…)")
    target[parts[-1]] = value


def read_workbook(path: Path) -> dict:
    """The plain data of a lifecycle workbook (see the module docstring).

    Raises
    ------
    InputError
        naming the file and every cell that cannot be read, e.g.
        ``d.xlsx: 年度数据!B2 (emissions_tco2): expected a number, got '约六十万'``.
    """
    from nzc_review.intake.excel.tables import open_workbook

    source = path.name
    # sizes, cells and ranges are checked before openpyxl unpacks anything
    wb, formulas = open_workbook(path)
    problems: list[tuple[str, str]] = []

    def rows(sheet: str) -> list[dict[str, _Cell]]:
        fws = formulas[sheet] if formulas is not None else None
        return _rows(wb[sheet], fws)

    def read(key: str, cell: _Cell, indicator: catalog.Indicator | None = None) -> object:
        try:
            return _convert(key, cell, indicator)
        except CellError as exc:
            problems.append((f"{cell.ref} ({key})", str(exc)))
            return None

    data: dict = {}
    if BASIC in wb.sheetnames:
        for row in rows(BASIC):
            if "field" not in row or "value" not in row:
                continue
            field = read("field", row["field"])
            if not isinstance(field, str) or not field:
                continue
            leaf = field.rsplit(".", 1)[-1]
            kind = ("year" if leaf in _BASIC_YEARS else "emissions_tco2" if leaf in _BASIC_NUMBERS
                    else "text")
            value = read(kind, row["value"])
            try:
                _set(data, field, value)
            except CellError as exc:
                problems.append((row["field"].ref, str(exc)))
    fmt = data.get("format")
    if fmt not in {ACCEPTANCE_FORMAT, DISCLOSURE_FORMAT}:
        if fmt is None and INDICATORS in wb.sheetnames and "遴选条件" in wb.sheetnames:
            from nzc_review.intake.excel import read_xlsx

            return read_xlsx(path)
        raise InputError(source, [(f"{BASIC} (format)",
                                   f"expected a row `format` of {ACCEPTANCE_FORMAT} or "
                                   f"{DISCLOSURE_FORMAT}, got {fmt!r}")])
    acceptance = fmt == ACCEPTANCE_FORMAT
    columns = ACCEPTANCE_COLUMNS if acceptance else DISCLOSURE_COLUMNS

    def table(sheet: str) -> list[dict]:
        if sheet not in wb.sheetnames:
            return []
        out = []
        for row in rows(sheet):
            item = {}
            if "code" in row and "code" in columns[sheet]:  # first: the indicator's rule
                # reads the row's value and benchmark
                item["code"] = read("code", row["code"])
            indicator = (catalog.indicator_index().get(item["code"])
                         if isinstance(item.get("code"), str) else None)
            for key, cell in row.items():
                if key not in columns[sheet]:
                    problems.append((cell.ref, f"unknown column {key!r}; expected one of "
                                               f"{', '.join(columns[sheet])}"))
                    continue
                if key not in item:
                    item[key] = read(key, cell, indicator)
            out.append(item)
        return out

    years: dict = {}
    for row in table(YEARLY):
        year = row.pop("year", None)
        if year is None:
            continue
        entry: dict = {}
        for key, value in row.items():
            if key in Profile.model_fields:
                entry.setdefault("profile", {})[key] = value
            elif key in Energy.model_fields:
                entry.setdefault("energy", {})[key] = value
            else:
                entry[key] = value
        years[year] = entry
    for row in table(FUELS):
        year = row.pop("year", None)
        if year is not None:
            energy = years.setdefault(year, {}).setdefault("energy", {})
            energy.setdefault("other_fuels", []).append(row)
    if acceptance:
        for year, entry in years.items():
            for key in ("emissions_tco2", "profile", "energy"):
                if key in entry:
                    data.setdefault(key, {})[year] = entry[key]
            if "disclosure" in entry:
                data.setdefault("disclosures", {})[year] = entry["disclosure"]
        for row in table(INDICATORS):
            code = row.pop("code", None)
            if code:
                data.setdefault("achieved", {})[code] = row
        projects = table(PROJECTS)
        if projects:
            data["key_projects"] = projects
    else:
        data["years"] = years
        for row in table(INDICATORS):
            year, code = row.pop("year", None), row.pop("code", None)
            if year is None or not code:
                continue
            data["years"].setdefault(year, {}).setdefault("indicators", {})[code] = row
        for row in table(ENTERPRISES):
            year = row.pop("year", None)
            if year is not None:
                data["years"].setdefault(year, {}).setdefault("enterprises", []).append(row)
    if problems:
        raise InputError(source, problems)
    return data


def write_workbook(data: dict, path: str | Path) -> Path:
    """Write the plain data of an acceptance or disclosure file in the workbook layout, whole or
    not at all (:func:`nzc_review.files.atomic.write_atomic`); text is written as text, never as
    a formula (:mod:`nzc_review.files.excel_safety`, OWASP CSV Injection)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from nzc_review.files.excel_safety import append_row, workbook_bytes

    fmt = data.get("format")
    if fmt not in {ACCEPTANCE_FORMAT, DISCLOSURE_FORMAT}:
        raise InputError(Path(path).name, [("format", f"cannot write format {fmt!r}")])
    acceptance = fmt == ACCEPTANCE_FORMAT
    columns = ACCEPTANCE_COLUMNS if acceptance else DISCLOSURE_COLUMNS
    wb = Workbook()
    ws = wb.active
    ws.title = BASIC
    append_row(ws, [f"{LABELS['field']}（field）", f"{LABELS['value']}（value）", "说明"])

    def flat(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                flat(f"{prefix}.{k}" if prefix else str(k), v)
        elif value is not None:
            append_row(ws, [prefix, value])

    skip = {"achieved", "key_projects", "profile", "emissions_tco2", "energy", "disclosures",
            "years"}
    flat("", {k: v for k, v in data.items() if k not in skip})
    sheets: dict[str, list[dict]] = {INDICATORS: [], PROJECTS: [], YEARLY: [], FUELS: [],
                                     ENTERPRISES: []}

    def fuels(year: object, energy: dict | None) -> dict:
        """The energy of a year without its other fuels, which go to their own sheet."""
        energy = dict(energy or {})
        sheets[FUELS].extend({"year": year, **f} for f in energy.pop("other_fuels", None) or [])
        return energy

    if acceptance:
        years = sorted({*data.get("emissions_tco2", {}), *data.get("profile", {}),
                        *data.get("energy", {}), *data.get("disclosures", {})})
        for y in years:
            sheets[YEARLY].append({"year": y, "emissions_tco2": data.get("emissions_tco2", {})
                                   .get(y), **data.get("profile", {}).get(y, {}),
                                   **fuels(y, data.get("energy", {}).get(y)),
                                   "disclosure": data.get("disclosures", {}).get(y)})
        sheets[INDICATORS] = [{"code": c, **v} for c, v in data.get("achieved", {}).items()]
        sheets[PROJECTS] = list(data.get("key_projects", []))
    else:
        for y, entry in data.get("years", {}).items():
            sheets[YEARLY].append({"year": y, **{k: v for k, v in entry.items()
                                                 if k not in {"profile", "energy", "indicators",
                                                              "enterprises"}},
                                   **(entry.get("profile") or {}), **fuels(y, entry.get("energy"))})
            sheets[INDICATORS].extend({"year": y, "code": c, **v}
                                      for c, v in (entry.get("indicators") or {}).items())
            sheets[ENTERPRISES].extend({"year": y, **e} for e in entry.get("enterprises") or [])
    for name, keys in columns.items():
        sheet = wb.create_sheet(name)
        append_row(sheet, [f"{LABELS.get(k, k)}（{k}）" for k in keys])
        for row in sheets[name]:
            append_row(sheet, [row.get(k) for k in keys])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return write_atomic(path, workbook_bytes(wb))
