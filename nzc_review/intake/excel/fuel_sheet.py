"""The sheet 其他燃料 of an application workbook (layout 3): fuels with declared factors.

One fuel a row — 年份, 燃料名称, 消费量, 计量单位, 折标准煤系数（tce/计量单位）, CO2排放因子
（tCO2/计量单位）, 系数来源 — read into ``energy.<year>.other_fuels`` (DESIGN.md contract 2,
:class:`nzc_review.policy.application.OtherFuel`). A fuel with a shipped factor (coal, coke, oil
products, gas) goes on 能源与基础数据 instead; a missing factor or source is the model's error,
reported at the row. Workbooks written before layout 3 have no such sheet and read without it
(:func:`.outline_sheets.skipped`).
"""

from __future__ import annotations

from typing import Any

from nzc_review.intake.cells import CellError, parse_number, parse_text, parse_year
from nzc_review.intake.excel.layout import FIRST_ROW, OTHER_FUEL_COLUMNS, OTHER_FUELS
from nzc_review.intake.excel.outline_sheets import skipped
from nzc_review.intake.excel.tables import TableReader

__all__ = ["read_other_fuels", "write_other_fuels"]

_TEXT = {"name", "unit", "source"}


def read_other_fuels(reader: TableReader, energy: dict[int, dict]) -> None:
    """Add the rows of 其他燃料 to ``energy`` (plain data by year), as ``other_fuels`` lists."""
    if skipped(reader, OTHER_FUELS):
        return
    t = reader.table(OTHER_FUELS, OTHER_FUEL_COLUMNS)
    if t is None:
        return
    keys = [c.key for c in OTHER_FUEL_COLUMNS if c.key != "year"]
    year_col = t.columns["year"]
    for row in t.data_rows():
        if reader.blank_row(t, row, ["year", *keys]):
            continue
        value, fmt, problem = reader.value(t, row, year_col)
        where = reader.cell_where(t, row, year_col)
        try:
            if problem:
                raise CellError(problem)
            if value is None:
                raise CellError("the year is empty: give the year the fuel was used in")
            year = parse_year(value, fmt)
        except CellError as exc:
            reader.problem((t.order, row, year_col), where, str(exc))
            continue
        fuels = energy.setdefault(year, {}).setdefault("other_fuels", [])
        path = f"energy.{year}.other_fuels[{len(fuels)}]"
        name, _, _ = reader.value(t, row, t.columns["name"]) if "name" in t.columns else (
            None, None, None)
        context = f"{year} {name.strip()}" if isinstance(name, str) and name.strip() else str(year)
        reader.locate(path, t, row, None, context)
        entry: dict[str, Any] = {}
        for key in keys:
            parse = parse_text if key in _TEXT else (lambda v, f: parse_number(v, f, "none"))
            cell = reader.read(t, row, key, parse, f"{path}.{key}", context)
            if cell is not None:
                entry[key] = cell
        fuels.append(entry)


def write_other_fuels(w: Any) -> None:
    """The sheet 其他燃料 of writer ``w`` (:class:`.write._Writer`), filled from its application."""
    from nzc_review.intake.cells import column_letter

    app = w.app
    rows = [(year, fuel) for year, e in sorted((app.energy if app else {}).items())
            for fuel in e.other_fuels]
    n = max(20, len(rows) + 10)
    ws = w.table_sheet(
        OTHER_FUELS,
        "其他燃料 — 本工具未提供排放因子的燃料（按年）",
        "可选。原煤、焦炭、天然气、汽油、柴油、燃料油、液化石油气、生物质填在“能源与基础数据”；其他燃料"
        "（如兰炭、煤气、沼气）每年每种一行：燃料名称、消费量、计量单位、折标准煤系数、CO2排放因子"
        "（生物质燃料填 0）及系数来源，缺一不可。",
        OTHER_FUEL_COLUMNS,
        rows=n,
    )
    w.protect(ws, rows_editable=True)
    end = FIRST_ROW + n - 1
    for c, spec in enumerate(OTHER_FUEL_COLUMNS, start=1):
        if spec.kind in ("year", "number"):
            letter = column_letter(c)
            w.validation(ws, spec.kind, [f"{letter}{FIRST_ROW}:{letter}{end}"])
    ws.freeze_panes = f"C{FIRST_ROW}"
    index: dict[int, int] = {}
    for r, (year, fuel) in enumerate(rows, start=FIRST_ROW):
        i = index.get(year, 0)
        index[year] = i + 1
        w.put(ws, r, 1, year)
        for c, spec in enumerate(OTHER_FUEL_COLUMNS[1:], start=2):
            value = getattr(fuel, spec.key)
            if value is not None:
                w.put(ws, r, c, value, f"energy.{year}.other_fuels[{i}].{spec.key}")
