"""Spreadsheet output that never turns text into a formula (CSV / formula injection).

Every workbook and CSV file the tool writes holds text that people typed: application and
applicant names, expert names, opinions, evidence, file names. A spreadsheet program treats a
cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(OWASP, *CSV Injection*, https://owasp.org/www-community/attacks/CSV_Injection; OWASP ASVS 5.0
requirement 1.2.10), so an expert named ``=1+1`` would be shown as ``2``, and a crafted text
could call ``HYPERLINK``/``WEBSERVICE`` or DDE on the reader's machine. The rules here:

* **.xlsx (openpyxl).** Every ``str`` value is stored as a string cell (``t="inlineStr"``,
  never an ``<f>`` element), so the value is kept unchanged and a round trip (YAML → xlsx →
  YAML) stays lossless: ``=1+1`` comes back as ``=1+1``. A text that begins with one of
  :data:`FORMULA_TRIGGERS` also gets the cell style's ``quotePrefix`` flag (ECMA-376 Part 1,
  §18.8.45 ``xf``), which Excel and LibreOffice show as a leading ``'``: the cell stays text
  when somebody edits it and presses Enter. openpyxl itself would write any text beginning
  with ``=`` as a formula, and ``#N/A``-like texts as error cells.
* **Carriage returns in .xlsx.** XML parsers turn a raw carriage return into a line feed
  (XML 1.0 §2.11, end-of-line handling), so :func:`workbook_bytes` writes each one as the
  character reference ``&#13;``, which every reader keeps.
* **CSV.** CSV has no cell types, so OWASP's remedy applies: a text that begins with one of
  :data:`FORMULA_TRIGGERS` is written with a single quote in front (``'=1+1``); a spreadsheet
  shows it as text, a program reading the CSV sees the quote. The :mod:`csv` module quotes
  separators and double quotes (RFC 4180 §2.6–2.7), so no text can start a new cell.

Only ``str`` values are touched: numbers (negative ones included), booleans, dates and empty
cells are written as they are.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FORMULA_TRIGGERS",
    "append_row",
    "as_text",
    "csv_row",
    "csv_value",
    "formula_like",
    "keep_carriage_returns",
    "set_cell",
    "workbook_bytes",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection).
FORMULA_TRIGGERS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """Whether ``value`` is a text a spreadsheet would read as a formula (OWASP, CSV Injection)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def as_text(cell: Cell) -> Cell:
    """Make a cell holding a ``str`` a string cell (never a formula), quote-prefixed when its
    text begins with one of :data:`FORMULA_TRIGGERS`; other values are left alone.

    Call it after the cell's value is set, and again after replacing the cell's whole style
    (``cell.style = "Hyperlink"``), which resets ``quotePrefix``.
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into ``ws`` at (``row``, ``column``), text always as text."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    return as_text(cell)


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)``, text always as text."""
    values = list(values)
    ws.append(values)
    if values:
        for cell in next(ws.iter_rows(min_row=ws.max_row, max_row=ws.max_row)):
            as_text(cell)


def workbook_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` bytes of ``wb``, with every carriage return kept (written as ``&#13;``)."""
    raw = io.BytesIO()
    wb.save(raw)
    return keep_carriage_returns(raw.getvalue())


def keep_carriage_returns(xlsx: bytes) -> bytes:
    """``xlsx`` with every raw carriage return in its XML parts written as ``&#13;``.

    A raw CR byte only occurs in text and attribute values (openpyxl writes no CR between
    tags); UTF-8 never uses byte 0x0D inside a multi-byte character. Entry order, names, dates
    and compression are kept.
    """
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin:
        if not any(b"\r" in zin.read(i) for i in zin.infolist() if i.filename.endswith(".xml")):
            return xlsx
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename.endswith(".xml"):
                    data = data.replace(b"\r", b"&#13;")
                zout.writestr(info, data)
    return out.getvalue()


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: a text beginning with one of :data:`FORMULA_TRIGGERS` gets a
    leading single quote (OWASP, CSV Injection); anything else is returned unchanged."""
    return "'" + value if formula_like(value) else value


def csv_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row (``csv.DictWriter``) with every value passed through :func:`csv_value`."""
    return {key: csv_value(value) for key, value in row.items()}
