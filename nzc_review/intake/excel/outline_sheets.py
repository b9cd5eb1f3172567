"""The sheets 创新指标 and 建设基础与主要任务 of an application workbook (layout 2).

* 创新指标 (附件2 三 “鼓励根据自身情况提出创新指标及更高目标”): one innovative indicator a row —
  指标代码 (``YQ-C01``…, pre-numbered), 指标名称, 单位, 方向, 现状值, 目标值, 佐证说明, 备注. Values
  are read by the row's direction: 是/否 for 是否达成, numbers otherwise (in percent when the unit
  is ``%``, DESIGN.md contract 2).
* 建设基础与主要任务 (附件2 二、四): one text or task a row, named by its 内容项 — the three texts
  of 二 (at most once each) and the tasks of 四 by its five areas (one task a row; an empty 内容项
  continues the area above, as a year does on 进度安排).

Workbooks written before these sheets existed carry no layout property
(:data:`~.layout.LAYOUT_PROPERTY`) and read without them; in a workbook of layout 2 a deleted
sheet is an error like any other. Reading and writing go through :class:`.tables.TableReader`
and the writer of :mod:`.write`, so cells, errors and styles follow the other sheets.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from nzc_review.intake.cells import (
    CellError,
    column_letter,
    normalize,
    parse_indicator,
    parse_number,
    parse_text,
    parse_yesno,
    shown,
)
from nzc_review.intake.excel.layout import (
    BASIS_TASK_COLUMNS,
    BASIS_TASKS,
    FIRST_ROW,
    INNOVATIVE,
    INNOVATIVE_COLUMNS,
    INNOVATIVE_ROWS,
    LAYOUT_PROPERTY,
    LAYOUT_VERSION,
    SHEET_LAYOUT,
    YES_NO,
    basis_task_items,
)
from nzc_review.intake.excel.tables import TableReader, _sheet
from nzc_review.policy import catalog
from nzc_review.policy.application import DIRECTION_ZH, DIRECTIONS

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

__all__ = [
    "layout_version",
    "mark_layout",
    "parse_direction",
    "parse_item",
    "read_basis_tasks",
    "read_innovative",
    "skipped",
    "write_basis_tasks",
    "write_innovative",
]

#: Words read as a direction besides its key and label (本工具默认规则).
_DIRECTION_WORDS = {
    "at_least": ("不低于现状", "越高越好", "≥", ">="),
    "at_most": ("不高于现状", "越低越好", "≤", "<="),
    "yes": ("是否达成", "是否", "是/否"),
}


# --- layout ---------------------------------------------------------------------------------


def layout_version(wb: Workbook) -> int:
    """The layout a workbook was written with: its :data:`LAYOUT_PROPERTY`, else 1."""
    for prop in getattr(wb, "custom_doc_props", None) or []:
        if prop.name == LAYOUT_PROPERTY:
            try:
                return int(str(prop.value).strip())
            except ValueError:
                return 1
    return 1


def mark_layout(wb: Workbook) -> None:
    """Store :data:`LAYOUT_VERSION` in the workbook's custom document properties."""
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(name=LAYOUT_PROPERTY, value=str(LAYOUT_VERSION)))


def skipped(reader: TableReader, name: str) -> bool:
    """A sheet of a later layout (:data:`~.layout.SHEET_LAYOUT`) missing from a workbook written
    before it (read as empty)."""
    return name in SHEET_LAYOUT and _sheet(reader.wb, name) is None and (
        layout_version(reader.wb) < SHEET_LAYOUT[name]
    )


_skipped = skipped


# --- cells ----------------------------------------------------------------------------------


def parse_direction(value: object, number_format: str | None = None) -> str:
    """An innovative indicator's direction, by key, label or a word of :data:`_DIRECTION_WORDS`."""
    if isinstance(value, str):
        text = normalize(value)
        for key in DIRECTIONS:
            if text in {key, normalize(DIRECTION_ZH[key]), *_DIRECTION_WORDS[key]}:
                return key
    wanted = "、".join(DIRECTION_ZH[d] for d in DIRECTIONS)
    raise CellError(f"expected one of {wanted}, got {shown(value)}")


def parse_item(value: object, number_format: str | None = None) -> str:
    """A 内容项 of 建设基础与主要任务, by label (``四、主要任务：能源利用``), short label (``能源利用``)
    or field path, as its field path."""
    if isinstance(value, str):
        text = normalize(value)
        outline = catalog.outline()
        short = {f"basis_and_feasibility.{b.id}": b.label_zh for b in outline.basis_texts}
        short.update({f"main_tasks.{c.id}": c.label_zh for c in outline.task_categories})
        for path, label in basis_task_items().items():
            if text in {path, path.split(".")[-1], normalize(label), normalize(short[path])}:
                return path
    wanted = "、".join(basis_task_items().values())
    raise CellError(f"expected one of {wanted}, got {shown(value)}")


def _value_parser(direction: str | None, unit: str | None):
    if direction == "yes":
        return parse_yesno
    if direction in ("at_least", "at_most"):
        percent = "percent" if unit and unit.strip() == "%" else "none"
        return lambda v, f: parse_number(v, f, percent)
    return partial(parse_indicator, indicator=None)  # no direction: the model names it


# --- reading --------------------------------------------------------------------------------


def read_innovative(reader: TableReader, pilot_type: str) -> dict[str, dict]:
    """The innovative indicators of 创新指标, by code (``indicators.<code>`` of the application).

    A row with only its pre-filled code is empty; a code not of the form ``<PREFIX>-Cnn`` and a
    code twice are problems at the row (the model checks the prefix and the fields).
    """
    if _skipped(reader, INNOVATIVE):
        return {}
    t = reader.table(INNOVATIVE, INNOVATIVE_COLUMNS)
    if t is None:
        return {}
    value_keys = [c.key for c in INNOVATIVE_COLUMNS if c.key != "code"]
    example = catalog.innovative_code(pilot_type, 1)
    out: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for row in t.data_rows():
        if reader.blank_row(t, row, value_keys):
            continue
        code = reader.code_of(t, row, "code").upper()
        if not code:
            reader.problem((t.order, row, 1), reader.row_where(t, row),
                           "values in a row without an indicator code (指标代码)")
            continue
        if not catalog.is_innovative_code(code):
            reader.problem(
                (t.order, row, 1), reader.row_where(t, row, code),
                f"{code} is not an innovative indicator code: number them {example}, "
                f"{catalog.innovative_code(pilot_type, 2)}, … (the indicators of the work plan "
                "are on the sheet 指标)",
            )
            continue
        if code in seen:
            reader.problem((t.order, row, 1), reader.row_where(t, row, code),
                           f"{code} appears twice (rows {seen[code]} and {row})")
            continue
        seen[code] = row
        where = f"indicators.{code}"
        reader.locate(where, t, row, None, code)
        entry: dict[str, Any] = {}
        for key in ("name", "unit"):
            entry[key] = reader.read(t, row, key, parse_text, f"{where}.{key}", code)
        entry["direction"] = reader.read(
            t, row, "direction", parse_direction, f"{where}.direction", code
        )
        number = _value_parser(entry["direction"], entry["unit"])
        for key in ("current", "target"):
            entry[key] = reader.read(t, row, key, number, f"{where}.{key}", code)
        for key in ("evidence", "note"):
            entry[key] = reader.read(t, row, key, parse_text, f"{where}.{key}", code)
        out[code] = {k: v for k, v in entry.items() if v is not None}
    return out


def read_basis_tasks(reader: TableReader) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``(basis_and_feasibility, main_tasks)`` from 建设基础与主要任务."""
    if _skipped(reader, BASIS_TASKS):
        return {}, {}
    # 内容项 may be merged down its column, as years are on 进度安排
    t = reader.table(BASIS_TASKS, BASIS_TASK_COLUMNS,
                     merged_ok=lambda t, rng: rng[1] == rng[3] == t.columns["item"])
    if t is None:
        return {}, {}
    labels = basis_task_items()
    col = t.columns["item"]
    texts: dict[str, str] = {}
    tasks: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    item: str | None = None  # the 内容项 in force: a row's own, or the area above
    for row in t.data_rows():
        value, fmt, problem = reader.value(t, row, col)
        where = reader.cell_where(t, row, col)
        if problem or value is not None:
            item = None
            try:
                if problem:
                    raise CellError(problem)
                item = parse_item(value, fmt)
            except CellError as exc:
                reader.problem((t.order, row, col), where, str(exc))
                continue
        elif item is not None and not item.startswith("main_tasks."):
            item = None  # only the tasks of an area continue down the column
        if reader.blank_row(t, row, ["text"]):
            continue
        if item is None:
            reader.problem((t.order, row, col), where,
                           "the 内容项 is empty (and there is no area of 主要任务 above)")
            continue
        head, _, key = item.partition(".")
        if head == "basis_and_feasibility":
            if item in seen:
                reader.problem((t.order, row, col), reader.row_where(t, row, labels[item]),
                               f"{labels[item]} appears twice (rows {seen[item]} and {row})")
                continue
            seen[item] = row
            text = reader.read(t, row, "text", parse_text, item, labels[item])
            if text:
                texts[key] = text
        else:
            listed = tasks.setdefault(key, [])
            if not listed:
                reader.locate(item, t, row, None, labels[item])
            task = reader.read(t, row, "text", parse_text, f"{item}[{len(listed)}]",
                               labels[item])
            if task:
                listed.append(task)
    return texts, {k: v for k, v in tasks.items() if v}


# --- writing --------------------------------------------------------------------------------


def _innovative_codes(pilot_type: str, given: list[str]) -> list[str]:
    """The codes of the sheet's rows: the application's, then free numbers up to the rows."""
    rows = max(INNOVATIVE_ROWS, len(given) + 5)
    free = (catalog.innovative_code(pilot_type, n) for n in range(1, 100))
    extra = [c for c in free if c not in given][: rows - len(given)]
    return given + extra


def write_innovative(w: Any) -> None:
    """The sheet 创新指标 of writer ``w`` (:class:`.write._Writer`), filled from its application."""
    app = w.app
    prefix = catalog.PREFIXES[w.pilot_type]
    given = sorted(c for c in (app.indicators if app else {}) if catalog.is_innovative_code(c))
    codes = _innovative_codes(w.pilot_type, given)
    ws = w.table_sheet(
        INNOVATIVE,
        "创新指标 — 附件2 三、鼓励根据自身情况提出创新指标及更高目标",
        f"可选。每个创新指标一行：指标代码按 {prefix}-C01、{prefix}-C02……编号（已预填）；填写指标名称、"
        "单位、方向、现状值和目标值。方向“不低于现状”“不高于现状”按目标值对比现状值判定，“是否达成”"
        "填是/否。创新指标单独列示，不计入核心指标门槛（本工具默认规则）。",
        INNOVATIVE_COLUMNS,
        rows=len(codes),
    )
    w.protect(ws, rows_editable=True)
    col = {c.key: i for i, c in enumerate(INNOVATIVE_COLUMNS, start=1)}
    end = FIRST_ROW + len(codes) - 1
    letter = column_letter(col["direction"])
    labels = ",".join(DIRECTION_ZH[d] for d in DIRECTIONS)
    w.validation(ws, "direction", [f"{letter}{FIRST_ROW}:{letter}{end}"], formula1=f'"{labels}"')
    ws.freeze_panes = f"C{FIRST_ROW}"
    for r, code in enumerate(codes, start=FIRST_ROW):
        w.put(ws, r, col["code"], code)
        value = app.indicators.get(code) if app else None
        if value is None:
            continue
        for key in ("name", "unit", "current", "target", "evidence", "note"):
            v = getattr(value, key)
            if isinstance(v, bool):
                v = YES_NO[0] if v else YES_NO[1]
            if v is not None:
                w.put(ws, r, col[key], v, f"indicators.{code}.{key}")
        if value.direction is not None:
            w.put(ws, r, col["direction"], DIRECTION_ZH[value.direction])


def write_basis_tasks(w: Any) -> None:
    """The sheet 建设基础与主要任务 of writer ``w`` (:class:`.write._Writer`)."""
    app = w.app
    labels = basis_task_items()
    lines: list[tuple[str, str, str | None]] = []  # (label, field path, text)
    for path, label in labels.items():
        head, _, key = path.partition(".")
        if head == "basis_and_feasibility":
            lines.append((label, path, getattr(app.basis_and_feasibility, key) if app else None))
        else:
            given = (getattr(app.main_tasks, key) if app else None) or [None]
            lines.extend((label, f"{path}[{i}]", task) for i, task in enumerate(given))
    rows = max(30, len(lines) + 20)
    ws = w.table_sheet(
        BASIS_TASKS,
        "建设基础与主要任务 — 附件2 二、建设基础及可行性；四、主要任务",
        "二：有利条件和面临障碍、工作基础及特色亮点、可行性结论各填一行。四：规划建设、能源利用、资源环境、"
        "技术工艺、运营管理各方面的主要任务，每项任务一行，可插入行；内容项留空表示与上一行同一方面。",
        BASIS_TASK_COLUMNS,
        rows=rows,
    )
    w.protect(ws, rows_editable=True)
    choices = ",".join(labels.values())
    w.validation(ws, "item", [f"A{FIRST_ROW}:A{FIRST_ROW + rows - 1}"], formula1=f'"{choices}"')
    ws.freeze_panes = f"B{FIRST_ROW}"
    for r, (label, path, text) in enumerate(lines, start=FIRST_ROW):
        w.put(ws, r, 1, label)
        if text is not None:
            w.put(ws, r, 2, text, path)
