"""Opening a workbook and finding its tables: headers, columns, cells, merged ranges.

A data sheet's columns are found by their field key (the hidden row 4) or, if that row was
deleted, by their Chinese header, so that inserted or moved columns still read; cells are read
with the shared vocabulary of :mod:`nzc_review.intake.cells`. The application's fields are read
on top of this in :mod:`.read`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nzc_review.errors import InputError
from nzc_review.intake.cells import (
    CellError,
    cell_value,
    column_letter,
    is_blank,
    normalize,
    where,
)
from nzc_review.intake.excel.layout import BASIC, HEADER_SEARCH_ROWS, SHEETS, Column
from nzc_review.limits import check_workbook

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_workbook(path: Path) -> tuple[Workbook, Workbook | None]:
    """The workbook with saved values, and (when the file has formulas) with formula texts.

    The archive is checked against the input limits first (:func:`nzc_review.limits.check_workbook`).

    Raises
    ------
    InputError
        naming the file: empty, an old ``.xls`` or encrypted workbook, not a zip archive, over a
        limit, or damaged.
    """
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
class Table:
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
        """The letters of the table's first and last column."""
        cols = sorted(self.columns.values())
        return column_letter(cols[0]), column_letter(cols[-1])


class TableReader:
    """Finds the tables of one workbook and reads their cells, collecting every problem with
    its place (sheet order, row, column) so that problems are reported in sheet order."""

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

    def cell_where(self, t: Table, row: int, col: int, context: str = "") -> str:
        """``指标!H7 (目标值, YQ-03)``: the cell, its column header and the row's context."""
        label = "" if t.name == BASIC and context else t.labels.get(key_of(t, col), "")
        return where(t.name, row, col, label, context)

    def row_where(self, t: Table, row: int, context: str = "") -> str:
        first, last = t.span()
        return f"{t.name}!{first}{row}:{last}{row}" + (f" ({context})" if context else "")

    def locate(self, path: str, t: Table, row: int, col: int | None, context: str = "") -> None:
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
        merged_ok: Callable[[Table, tuple[int, int, int, int]], bool] | None = None,
    ) -> Table | None:
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
        by_label = {normalize(c.label): c.key for c in columns}
        found: dict[str, int] = {}
        labels: dict[str, str] = {c.key: c.label for c in columns}
        key_row = label_row = 0
        for r in sorted(x for x in cells if x <= HEADER_SEARCH_ROWS):
            texts = {
                c: normalize(cell.value) for c, cell in cells[r].items() if isinstance(cell.value, str)
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
                            f"{name}!{column_letter(c)}{r}",
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
                text = normalize(cell.value) if isinstance(cell.value, str) else ""
                k = by_label.get(text) or file_key(text)
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
        missing = [c for c in required
                   if c.key not in found and not c.key.startswith("file_") and not c.optional]
        if name == BASIC and "field" not in found and "label" not in found:
            missing.append(columns[0])
        if missing:
            for c in missing:
                self.problem((order, 0, 0), name, f"the column {c.label} ({c.key}) is missing")
            return None
        t = Table(
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
        self, t: Table, allowed: Callable[[tuple[int, int, int, int]], bool] | None = None
    ) -> None:
        used = set(t.columns.values())
        for rng in t.merged:
            r1, c1, r2, c2 = rng
            if r2 < t.data_row or not any(c1 <= c <= c2 for c in used):
                continue
            if allowed and allowed(rng):
                continue
            ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
            self.problem(
                (t.order, r1, c1),
                f"{t.name}!{ref}",
                "merged cells in the data area cannot be read; unmerge them (取消单元格合并) and "
                "fill every cell",
            )

    def value(self, t: Table, row: int, col: int | None) -> tuple[object, str | None, str | None]:
        """(value, number format, problem) of a cell; blank text reads as ``None``
        (:func:`nzc_review.intake.cells.cell_value`)."""
        if col is None:
            return None, None, None
        try:
            value, fmt = cell_value(t.cells.get(row, {}).get(col), t.fcells.get((row, col)))
        except CellError as exc:
            return None, None, str(exc)
        return value, fmt, None

    def read(
        self,
        t: Table,
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
        except CellError as exc:
            self.problem((t.order, row, col), where, str(exc), path)
            return None

    def blank_row(self, t: Table, row: int, keys: Iterable[str]) -> bool:
        """Whether the row has nothing (no value, no formula) in the columns of ``keys``."""
        for k in keys:
            col = t.columns.get(k)
            if col is None:
                continue
            cell = t.cells.get(row, {}).get(col)
            if cell is None:
                continue
            if not is_blank(cell.value):
                return False
            fcell = t.fcells.get((row, col))
            if fcell is not None and fcell.data_type == "f":
                return False
        return True

    def code_of(self, t: Table, row: int, key: str) -> str:
        """The normalised text of a key cell (an indicator code, an id, a field key)."""
        col = t.columns[key]
        cell = t.cells.get(row, {}).get(col)
        value = cell.value if cell is not None else None
        if value is None:
            return ""
        return normalize(str(value))


def key_of(t: Table, col: int) -> str:
    """The field key of a table's column (``""`` for a column without one)."""
    for k, c in t.columns.items():
        if c == col:
            return k
    return ""


def file_key(text: str) -> str | None:
    """``file_3`` for a 证明材料 file column header ``file_3`` or ``文件3``, else ``None``."""
    m = re.fullmatch(r"(?:file_|文件)(\d+)", text)
    return f"file_{int(m.group(1))}" if m else None


def _file_label(key: str) -> str:
    m = re.fullmatch(r"file_(\d+)", key)
    return f"文件{m.group(1)}" if m else key


def _sheet(wb: Workbook | None, name: str) -> Worksheet | None:
    if wb is None:
        return None
    for title in wb.sheetnames:
        if normalize(title) == name:
            ws = wb[title]
            return ws if hasattr(ws, "_cells") else None
    return None


def _sparse(ws: Worksheet) -> dict[int, dict[int, Cell]]:
    """The cells a sheet actually has, by row and column (never creates cells)."""
    rows: dict[int, dict[int, Cell]] = {}
    for (r, c), cell in ws._cells.items():
        rows.setdefault(r, {})[c] = cell
    return rows

