"""The cell vocabulary of every workbook nzc-review reads: one set of rules for what a cell says.

Application workbooks (:mod:`nzc_review.intake.excel`) and acceptance and disclosure workbooks
(:mod:`nzc_review.lifecycle.excel`) read their cells with these functions, so the same text
means the same thing in every file. Each rule and its source:

* **Cell types** (ECMA-376 Part 1 §18.18.11 ``ST_CellType``): a boolean cell (``b``) is yes/no,
  a number cell (``n``) a number; an error cell (``e``: ``#NULL!``, ``#DIV/0!``, ``#VALUE!``,
  ``#REF!``, ``#NAME?``, ``#NUM!``, ``#N/A``) is never a value but an error naming the cell; a
  formula cell is read by the result the spreadsheet saved with it (§18.3.1.96 ``v``), and a
  formula saved without a result (as openpyxl writes them) is an error — see :func:`cell_value`.
* **Empty cells**: no value, or text of white space only, is an empty cell and is left out.
* **Yes/no** (本工具默认规则, :class:`CellRules`): a boolean cell, or one of the words of
  :data:`YES_WORDS` / :data:`NO_WORDS` (是/否, √/×, ✓/✗, ☑/☐, 对/错, 有/无, Y/N, T/F, yes/no,
  true/false, in any case and width). A number is not a yes/no (1 and 0 are errors).
* **Numbers**: number cells, or text of a decimal number after width folding (``１２`` → 12,
  NFKC, Unicode Standard Annex #15) with surrounding spaces dropped. Thousands separators follow
  GB/T 15835—2011《出版物上数字用法》5.1.3 (千分撇): commas between groups of three digits of the
  whole part only, so ``1,234,567.5`` is a number and ``1,2,3``, ``12,34`` or ``1,234.567,8`` are
  errors.
* **Percentages**: a field measured in percent (DESIGN.md contract 2: ``12`` means 12 %) reads
  ``12%`` typed as text and a number cell with a percent format holding ``0.12`` both as 12 (a
  ``%`` in a number format, outside quotes, escapes and brackets, shows the value times 100:
  ECMA-376 Part 1 §18.8.31 ``numFmt``). A fractional field (0.02 means 2 %) reads ``2%`` and a
  percent-formatted 0.02 as 0.02. A percentage in any other field is an error; a plain 0.12 in
  a percent field stays 0.12 (no guessing) — 本工具默认规则.
* **Whole numbers and years**: a whole number, optionally followed by 年; years lie in
  1990–2100 (the application format's ``Year``; 本工具默认规则 of :class:`CellRules`).
* **Text**: surrounding white space dropped, numbers become their digits, dates ``YYYY-MM-DD``
  (ISO 8601), a boolean cell is an error.

A cell that breaks a rule raises :class:`CellError` saying what was expected and what was found;
readers put it after the cell's place, :func:`where` (``指标!H7 (目标值, YQ-03)``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

    from nzc_review.policy.catalog import Indicator

__all__ = [
    "DEFAULT_RULES",
    "NO_WORDS",
    "YES_WORDS",
    "CellError",
    "CellRules",
    "Percent",
    "cell_value",
    "column_letter",
    "date_text",
    "is_blank",
    "is_percent_format",
    "normalize",
    "parse_indicator",
    "parse_number",
    "parse_text",
    "parse_whole",
    "parse_year",
    "parse_yesno",
    "shown",
    "where",
]

#: Words read as yes, after width folding and upper-casing (本工具默认规则).
YES_WORDS = frozenset({"是", "√", "✓", "✔", "☑", "对", "有", "Y", "YES", "TRUE", "T"})
#: Words read as no, after width folding and upper-casing (本工具默认规则).
NO_WORDS = frozenset({"否", "×", "✗", "✘", "✕", "☐", "错", "无", "N", "NO", "FALSE", "F"})

#: How a field takes percentages: ``percent`` (12% → 12), ``fraction`` (2% → 0.02) or ``none``
#: (a percentage is an error).
Percent = Literal["none", "percent", "fraction"]


@dataclass(frozen=True)
class CellRules:
    """The tool's own reading rules (本工具默认规则), configurable by passing other ones.

    Attributes
    ----------
    yes, no:
        The words read as yes and no (compared after NFKC and upper-casing).
    thousands:
        Accept GB/T 15835—2011 5.1.3 thousands separators (``1,234,567``).
    first_year, last_year:
        The years accepted where a year belongs.
    """

    yes: frozenset[str] = YES_WORDS
    no: frozenset[str] = NO_WORDS
    thousands: bool = True
    first_year: int = 1990
    last_year: int = 2100


DEFAULT_RULES = CellRules()


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected and what was found."""


# --- places and shown values ----------------------------------------------------------------


def column_letter(col: int) -> str:
    """The column's letters (1 → ``A``, 28 → ``AB``)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def where(sheet: str, row: int, col: int, *context: str) -> str:
    """A cell's place in messages: ``指标!H7 (目标值, YQ-03)``; empty context is left out."""
    inside = ", ".join(x for x in context if x)
    return f"{sheet}!{column_letter(col)}{row}" + (f" ({inside})" if inside else "")


def date_text(value: dt.datetime | dt.date) -> str:
    """A date as ISO 8601 ``YYYY-MM-DD`` (with the time when it is not midnight)."""
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.isoformat(sep=" ")
    return value.strftime("%Y-%m-%d")


def shown(value: object) -> str:
    """A cell value as an error message shows it (``'十二'``, ``12``, ``TRUE``)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return f"a date ({date_text(value)})"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return f"a date or time ({value})"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "…'"
    return str(value)


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), minus signs unified, surrounding white space dropped."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


# --- cells ----------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    """An empty cell: no value, or text of white space only."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_percent_format(number_format: str | None) -> bool:
    """Whether a number format shows values as percentages (ECMA-376 Part 1 §18.8.31: a ``%``
    outside quoted text, escaped characters and bracketed sections)."""
    if not number_format or "%" not in number_format:
        return False
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format)
    return "%" in stripped


def cell_value(cell: Cell | None, formula: Cell | None = None) -> tuple[object, str | None]:
    """The value a cell holds and its number format; an empty cell is ``(None, None)``.

    Parameters
    ----------
    cell:
        The cell of the workbook loaded with saved values (``data_only=True``), or ``None``.
    formula:
        The same cell of the workbook loaded with formulas, when the file has any.

    Raises
    ------
    CellError
        For an error cell (``#DIV/0!`` …) and for a formula without a saved result.
    """
    value = cell.value if cell is not None else None
    if formula is not None and formula.data_type == "f" and value is None:
        text = formula.value if isinstance(formula.value, str) else "a formula"
        text = text if len(text) <= 40 else text[:37] + "…"
        raise CellError(
            f"the formula {text} has no saved result; open and save the file in Excel, WPS "
            "or LibreOffice, or type the value"
        )
    if cell is not None and cell.data_type == "e":
        raise CellError(f"the cell shows the error {value}; correct the formula or the value")
    if is_blank(value):
        return None, None
    return value, cell.number_format if cell is not None else None


# --- values ---------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_RE = re.compile(r"[+-]?\d+")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NOTHING = frozenset({"-", "—", "/", "无"})


def _scaled(value: float | int, factor: str) -> float:
    """``value × factor`` in decimal, so 0.12 × 100 is 12.0 and not 12.000000000000002."""
    result = float(Decimal(repr(value)) * Decimal(factor))
    if not math.isfinite(result):
        raise CellError(f"expected a finite number, got {shown(value)} (too large)")
    return result


def parse_number(
    value: object,
    number_format: str | None = None,
    percent: Percent = "none",
    rules: CellRules = DEFAULT_RULES,
) -> float | int:
    """A number from a cell (see the module docstring for the rules).

    Parameters
    ----------
    value:
        The cell value (never ``None`` or blank text).
    number_format:
        The cell's number format (a percent format scales the value, see ``percent``).
    percent:
        ``"percent"`` when the field is measured in percent (``12%`` → 12), ``"fraction"`` when
        it is a fraction (``2%`` → 0.02), ``"none"`` when a percentage is an error.
    rules:
        Whether thousands separators are accepted.
    """
    if isinstance(value, bool):
        raise CellError(f"expected a number, got {shown(value)}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError(f"expected a finite number, got {shown(value)}")
        if is_percent_format(number_format):
            if percent == "percent":
                return _scaled(value, "100")
            if percent == "fraction":
                return value
            raise CellError(
                f"expected a number, got a percentage ({_scaled(value, '100'):g}%): "
                "this field is not measured in percent"
            )
        return value
    if not isinstance(value, str):
        raise CellError(f"expected a number, got {shown(value)}")
    text = normalize(value)
    is_percent = text.endswith("%")
    if is_percent:
        text = text[:-1].rstrip()
    if rules.thousands and _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        hint = " (leave the cell empty if there is no value)" if text in _NOTHING else ""
        raise CellError(f"expected a number, got {shown(value)}{hint}")
    if len(text) > 300:
        raise CellError(f"expected a number, got {shown(value)} (too many digits)")
    number: float | int = int(text) if _INTEGER_RE.fullmatch(text) else float(text)
    if isinstance(number, float) and not math.isfinite(number):
        raise CellError(f"expected a finite number, got {shown(value)} (too large)")
    if is_percent:
        if percent == "percent":
            return number
        if percent == "fraction":
            return _scaled(number, "0.01")
        raise CellError(
            f"expected a number, got {shown(value)}: this field is not measured in percent"
        )
    return number


def parse_whole(
    value: object, number_format: str | None = None, rules: CellRules = DEFAULT_RULES
) -> int:
    """A whole number; text may end in 年 (``2024年``)."""
    if isinstance(value, str):
        text = normalize(value)
        if text.endswith("年"):
            text = text[:-1].rstrip()
        value_for_number: object = text
    else:
        value_for_number = value
    try:
        number = parse_number(value_for_number, None, "none", rules)
    except CellError:
        raise CellError(f"expected a whole number, got {shown(value)}") from None
    if is_percent_format(number_format) or float(number) != int(number):
        raise CellError(f"expected a whole number, got {shown(value)}")
    return int(number)


def parse_year(
    value: object, number_format: str | None = None, rules: CellRules = DEFAULT_RULES
) -> int:
    """A year between ``rules.first_year`` and ``rules.last_year`` (1990–2100)."""
    first, last = rules.first_year, rules.last_year
    try:
        year = parse_whole(value, number_format, rules)
    except CellError:
        raise CellError(f"expected a year ({first}–{last}), got {shown(value)}") from None
    if not first <= year <= last:
        raise CellError(f"expected a year between {first} and {last}, got {shown(value)}")
    return year


def parse_yesno(
    value: object, number_format: str | None = None, rules: CellRules = DEFAULT_RULES
) -> bool:
    """Yes or no: a boolean cell or one of the words of ``rules`` (是/否, ☑/☐, T/F, …)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = normalize(value).upper()
        if text in rules.yes:
            return True
        if text in rules.no:
            return False
    raise CellError(f"expected 是 or 否, got {shown(value)}")


def parse_text(value: object, number_format: str | None = None) -> str:
    """Text: stripped; numbers as their digits; dates as ``YYYY-MM-DD``; never a boolean."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise CellError(f"expected text, got {shown(value)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"expected text, got {shown(value)}")
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return date_text(value)
    return str(value).strip()


def parse_indicator(
    value: object,
    number_format: str | None,
    indicator: Indicator | None,
    *,
    benchmark: bool = False,
    rules: CellRules = DEFAULT_RULES,
) -> bool | float | int:
    """An indicator's value by its rule: yes/no for a qualitative indicator, else a number, in
    percent when the indicator is a percentage (DESIGN.md contract 2). A benchmark value
    (``benchmark=True``) is always a number. An unknown indicator (``None``) takes yes/no or a
    number as written, leaving the code to validation.
    """
    if indicator is None:
        if isinstance(value, bool) or (
            isinstance(value, str) and normalize(value).upper() in rules.yes | rules.no
        ):
            return parse_yesno(value, number_format, rules)
        try:
            return parse_number(value, number_format, "none", rules)
        except CellError:
            if not isinstance(value, str):
                raise
            raise CellError(f"expected a number or 是/否, got {shown(value)}") from None
    if indicator.expects_boolean and not benchmark:
        return parse_yesno(value, number_format, rules)
    return parse_number(value, number_format, "percent" if indicator.is_percent else "none", rules)
