"""Input limits: how much of a file nzc-review reads, and which numbers it accepts.

Every file the tool reads (applications, acceptance and disclosure files in YAML, JSON or
Excel, rules files, criteria files, factor tables) comes from outside. A file larger, deeper or
more numerous than any real application must be refused with one clear error before it costs
minutes of CPU or gigabytes of memory (OWASP Input Validation Cheat Sheet: "validate length,
range and structure before processing"; OWASP ASVS 5.0 V2.2 input validation and V15.2
resource limits; CWE-400 uncontrolled resource consumption, CWE-674 uncontrolled recursion,
CWE-409 decompression bombs).

The figures are defaults of this tool (本工具默认规则), not rules of the work plan. They sit in
one place, :class:`Limits`; :data:`DEFAULT` is what every reader uses unless a caller changes
the active limits with :func:`override` (e.g. ``with override(key_projects=1000): ...``).

=======================  =============  =======================================================
limit                    default        why this figure
=======================  =============  =======================================================
``text_file_bytes``      5 MiB          YAML/JSON file. The example applications are 3–6 KB; a
                                        maximal one (500 key projects with long descriptions,
                                        every indicator with evidence) stays below 1.5 MB.
``xlsx_file_bytes``      20 MiB         Excel file (compressed). Example workbooks are ~30 KB;
                                        the rest leaves room for pasted images.
``xlsx_xml_bytes``       50 MiB         all XML parts of a workbook, uncompressed, checked in
                                        the zip directory before anything is unpacked (a 436 KB
                                        file can hold a 400 MB sheet).
``xlsx_parts``           1,000          files inside the workbook archive (a template has 21).
``sheet_rows``           20,000         rows of one sheet, declared (``<dimension>``) or used
                                        (a filled template needs < 1,100: 500 key projects,
                                        1,000 schedule items).
``sheet_columns``        200            columns of one sheet (the widest sheet uses 14).
``xlsx_cells``           50,000         cells openpyxl would create for the whole workbook:
                                        stored cells plus merged and hyperlinked ranges, which
                                        openpyxl expands cell by cell. A filled template has
                                        ~1,850; 50,000 load in seconds and ~25 MB.
``depth``                20             nesting of mappings and lists (an application needs 4,
                                        an acceptance embedding its application 7).
``mapping_keys``         1,000          keys of one mapping.
``list_items``           1,000          items of one list.
``values``               50,000         values in one file, all levels (shared YAML aliases are
                                        counted each time they are used).
``text_length``          32,767         characters of one text: what one Excel cell holds.
``key_projects``         500            key projects (重点项目) of one application.
``indicators``           100            indicator entries of one application or year (a type has
                                        at most 20 in 表1–表5; the rest is room for 创新指标).
``schedule_entries``     1,000          items of the schedule (进度安排), all years together.
``reported_problems``    20             problem lines printed for one file; the rest are counted
                                        ("… and 180 more problems").
``max_tco2``             1e9 tCO2       emissions and reductions of one pilot and year: China
                                        emits ~1.1e10 tCO2 a year (IEA 2023); a pilot (a county
                                        or smaller) cannot reach a tenth of it.
``max_quantity``         1e11           every other amount (MWh, t, 万m3, GJ, persons, m2,
                                        万元): above China's national totals in each unit
                                        (electricity 9.2e9 MWh, coal 4.7e9 t, GDP 1.3e10 万元,
                                        building floor area 7e10 m2; NBS 2023).
``min_positive``         1e-6           a non-zero amount is at least this (1 g of CO2, 1 kWh
                                        in MWh): smaller figures are typing errors and, as
                                        denominators, make ratios overflow to infinity.
``indicator_value``      1e11           absolute value of an indicator's current, target or
                                        benchmark value.
``draws``                100,000        Monte Carlo draws (``--draws``); 10,000 give percentiles
                                        stable to well under 1 %.
=======================  =============  =======================================================

With these bounds every ratio the tool computes is finite (1e9 / 1e-6 = 1e15), so JSON output
never needs ``Infinity`` or ``NaN``.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from nzc_review.errors import InputError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The input limits (本工具默认规则); see the module docstring for each figure."""

    text_file_bytes: int = 5 * MiB
    xlsx_file_bytes: int = 20 * MiB
    xlsx_xml_bytes: int = 50 * MiB
    xlsx_parts: int = 1_000
    sheet_rows: int = 20_000
    sheet_columns: int = 200
    xlsx_cells: int = 50_000
    depth: int = 20
    mapping_keys: int = 1_000
    list_items: int = 1_000
    values: int = 50_000
    text_length: int = 32_767
    key_projects: int = 500
    indicators: int = 100
    schedule_entries: int = 1_000
    reported_problems: int = 20
    max_tco2: float = 1e9
    max_quantity: float = 1e11
    min_positive: float = 1e-6
    indicator_value: float = 1e11
    draws: int = 100_000


#: The limits every reader uses by default.
DEFAULT = Limits()
_active: Limits = DEFAULT


def active() -> Limits:
    """The limits in force."""
    return _active


@contextmanager
def override(**changes: object) -> Iterator[Limits]:
    """Change some limits for the duration of a ``with`` block (not thread-safe)."""
    global _active
    before = _active
    _active = replace(before, **changes)
    try:
        yield _active
    finally:
        _active = before


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB and n % (MiB // 4) == 0 else f"{n:,} bytes"


# --- files ---------------------------------------------------------------------------------------


def read_bounded(path: Path, source: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises
    ------
    InputError
        not a regular file (a folder, a device such as ``/dev/zero``), unreadable, or larger than
        ``limit`` (checked before reading, and again while reading a file that grows).
    """
    try:
        if not path.is_file():
            raise InputError(source, "file not found" if not path.exists() else "not a file")
        size = path.stat().st_size
        if size > limit:
            raise InputError(source, too_large(size, limit))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(source, too_large(len(data), limit))
    return data


def too_large(size: int, limit: int) -> str:
    return (f"the file is too large ({_size(size)}); at most {_size(limit)} are read "
            "(input limit)")


# --- plain data (as read from YAML or JSON, or built from a workbook) ----------------------------


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _where(path: list[object]) -> str:
    out = ""
    for part in path:
        if isinstance(part, str) and len(part) > 60:
            part = part[:57] + "…"
        if isinstance(part, int) and not isinstance(part, bool) and out and part < 1000:
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def check_structure(data: object, source: str, limits: Limits | None = None) -> None:
    """Refuse plain data nested too deep, too wide, too numerous, or with over-long texts.

    Walks without recursion and stops at the first problem, so that a hostile file (a YAML alias
    bomb, a self-referencing list, 200,000 keys) costs at most ``limits.values`` steps.

    Raises
    ------
    InputError
        naming the file and the field, e.g. ``app.yaml: key_projects: more than 1,000 items``.
    """
    lim = limits or active()
    seen = 0
    stack: list[tuple[object, int, list[object]]] = [(data, 1, [])]
    while stack:
        value, depth, path = stack.pop()
        seen += 1
        if seen > lim.values:
            raise InputError(source, f"more than {lim.values:,} values in one file (input limit)")
        if isinstance(value, dict | list):
            if depth > lim.depth:
                raise InputError(source, [(_where(path[: lim.depth]), f"nested deeper than "
                                           f"{lim.depth} levels (input limit)")])
            if isinstance(value, dict):
                if len(value) > lim.mapping_keys:
                    raise InputError(source, [(_where(path), f"more than {lim.mapping_keys:,} "
                                               f"keys ({len(value):,}; input limit)")])
                for key, item in value.items():
                    if isinstance(key, str) and (len(key) > lim.text_length
                                                 or _SURROGATE.search(key)):
                        raise InputError(source, [(_where(path), f"a key longer than "
                                                   f"{lim.text_length:,} characters or holding "
                                                   "an unpaired surrogate")])
                    stack.append((item, depth + 1, [*path, key]))
            else:
                if len(value) > lim.list_items:
                    raise InputError(source, [(_where(path), f"more than {lim.list_items:,} "
                                               f"items ({len(value):,}; input limit)")])
                stack.extend((item, depth + 1, [*path, i]) for i, item in enumerate(value))
        elif isinstance(value, str | bytes):
            if len(value) > lim.text_length:
                raise InputError(source, [(_where(path), f"a text longer than "
                                           f"{lim.text_length:,} characters ({len(value):,}; "
                                           "input limit)")])
            if isinstance(value, str) and _SURROGATE.search(value):
                raise InputError(source, [(_where(path), "the text holds an unpaired surrogate "
                                           "(\\ud800–\\udfff), which is not a character")])


# --- numbers ------------------------------------------------------------------------------------


def check_amount(value: float, ceiling: float, unit: str = "") -> float:
    """An amount (emissions, energy, denominator, money): finite, 0 or at least
    ``min_positive``, at most ``ceiling``. A pydantic validator body (raises ``ValueError``)."""
    lim = active()
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    if value < 0:
        raise ValueError(f"expected a number of at least 0, got {value:g}")
    if 0 < value < lim.min_positive:
        raise ValueError(f"expected 0 or at least {lim.min_positive:g}, got {value:g} "
                         "(too small to be a measured amount)")
    if value > ceiling:
        raise ValueError(f"expected at most {ceiling:g}{unit}, got {value:g} (above any "
                         "plausible figure; input limit)")
    return value


def check_tco2(value: float) -> float:
    """:func:`check_amount` with the emissions ceiling ``max_tco2``."""
    return check_amount(value, active().max_tco2, " tCO2")


def check_quantity(value: float) -> float:
    """:func:`check_amount` with the general ceiling ``max_quantity``."""
    return check_amount(value, active().max_quantity)


def check_indicator_number(value: object) -> object:
    """An indicator value: finite and at most ``indicator_value`` in absolute value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    ceiling = active().indicator_value
    if abs(value) > ceiling:
        raise ValueError(f"expected a number between -{ceiling:g} and {ceiling:g}, got "
                         f"{float(value):g} (input limit)")
    return value


def check_count(items: object, limit: int, what: str) -> object:
    """A list or mapping of at most ``limit`` entries (a pydantic ``before`` validator body)."""
    if isinstance(items, list | dict) and len(items) > limit:
        raise ValueError(f"at most {limit:,} {what}, got {len(items):,} (input limit)")
    return items


# --- Excel workbooks: checked in the zip directory before openpyxl unpacks anything -------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CELL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CELL_REF_RE = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,4})\$?(\d{1,9})["']""")
_RANGE_ATTR = r"""<(?:[A-Za-z_][\w.-]*:)?{tag}\s[^>]*?\bref\s*=\s*["']([^"']*)["']"""
_DIMENSION_RE = re.compile(_RANGE_ATTR.format(tag="dimension").encode())
_MERGE_RE = re.compile(_RANGE_ATTR.format(tag="mergeCell").encode())
_LINK_RE = re.compile(_RANGE_ATTR.format(tag="hyperlink").encode())
_FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_REF_RE = re.compile(r"\$?([A-Za-z]{1,4})?\$?(\d{1,9})?")
_SHEET_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*>")
_REL_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s[^>]*>")


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _range(text: str) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column) of ``A1`` or ``A1:C9``; a whole column
    or row (``A:A``, ``1:1``) reaches the sheet's edge; ``None`` when unreadable."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    ends = []
    for part in parts:
        m = _REF_RE.fullmatch(part.strip())
        if not m or not (m.group(1) or m.group(2)):
            return None
        ends.append((int(m.group(2)) if m.group(2) else None,
                     _column(m.group(1)) if m.group(1) else None))
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    return (r1 or 1, c1 or 1, r2 or 1_048_576, c2 or 16_384)


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"""\s(?:[A-Za-z_][\w.-]*:)?""" + name.encode()
                  + rb"""\s*=\s*["']([^"']*)["']""", tag)
    return m.group(1).decode("utf-8", "replace") if m else None


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → sheet name as shown in Excel (best effort, for messages)."""
    import html

    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return {}
    targets: dict[str, str] = {}
    for tag in _REL_TAG_RE.findall(rels):
        rid, target = _attr(tag, "Id"), _attr(tag, "Target")
        if rid and target:
            target = target.lstrip("/")
            targets[rid] = target if target.startswith("xl/") else "xl/" + target
    names = {}
    for tag in _SHEET_TAG_RE.findall(book):
        name, rid = _attr(tag, "name"), _attr(tag, "id")
        if name and rid in targets:
            names[targets[rid]] = html.unescape(name)
    return names


@dataclass(frozen=True)
class WorkbookScan:
    """What :func:`check_workbook` found: whether any sheet holds a formula."""

    has_formulas: bool


def check_workbook(path: Path, source: str, limits: Limits | None = None) -> WorkbookScan:
    """Check an ``.xlsx`` file against the limits before openpyxl loads it.

    The file size, the number of parts and their uncompressed sizes are read from the zip
    directory (zipfile refuses data longer than declared, so the sizes hold); then each sheet's
    XML is scanned for its declared dimension, its cells (count and farthest row and column),
    and its merged and hyperlinked ranges, which openpyxl expands into one object per cell.

    Raises
    ------
    InputError
        naming the file and, for a sheet's limit, the sheet, e.g.
        ``app.xlsx: 指标: declares 1,048,576 rows; at most 20,000 are read (input limit)``.
    """
    lim = limits or active()
    read_size = path.stat().st_size if path.is_file() else 0
    if read_size > lim.xlsx_file_bytes:
        raise InputError(source, too_large(read_size, lim.xlsx_file_bytes))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > lim.xlsx_parts:
                raise InputError(source, f"the workbook archive holds {len(infos):,} parts; at "
                                         f"most {lim.xlsx_parts:,} are read (input limit)")
            xml = sum(i.file_size for i in infos if i.filename.lower().endswith(_XML_SUFFIXES))
            if xml > lim.xlsx_xml_bytes:
                raise InputError(source, f"the workbook unpacks to {_size(xml)} of XML; at most "
                                         f"{_size(lim.xlsx_xml_bytes)} are read (input limit)")
            names = _sheet_names(zf)
            cells = 0
            formulas = False
            for info in infos:
                part = info.filename
                if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                    continue
                sheet = names.get(part, part)
                data = zf.read(part)
                cells += _scan_sheet(data, sheet, source, lim)
                if cells > lim.xlsx_cells:
                    raise InputError(source, f"the workbook has more than {lim.xlsx_cells:,} "
                                             f"cells (counting merged and linked ranges; input "
                                             f"limit), reached in sheet {sheet}")
                formulas = formulas or bool(_FORMULA_RE.search(data))
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib and OS errors of a damaged archive
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise InputError(source, f"not a readable Excel workbook (.xlsx): {detail}") from None
    return WorkbookScan(has_formulas=formulas)


def _scan_sheet(data: bytes, sheet: str, source: str, lim: Limits) -> int:
    """Cells openpyxl would create for one sheet; refuses a sheet beyond the row/column limits."""

    def beyond(rows: int, cols: int, what: str) -> None:
        if rows > lim.sheet_rows:
            raise InputError(source, [(sheet, f"{what} row {rows:,}; at most {lim.sheet_rows:,} "
                                              "rows are read (input limit)")])
        if cols > lim.sheet_columns:
            raise InputError(source, [(sheet, f"{what} column {cols:,}; at most "
                                              f"{lim.sheet_columns:,} columns are read (input "
                                              "limit)")])

    m = _DIMENSION_RE.search(data, 0, 4096) or _DIMENSION_RE.search(data)
    if m:
        rng = _range(m.group(1).decode("ascii", "replace"))
        if rng:
            beyond(rng[2], rng[3], "declares a size up to")
    count = len(_CELL_RE.findall(data))
    if count > lim.xlsx_cells:
        return count
    last_row = last_col = 0
    for letters, digits in _CELL_REF_RE.findall(data):
        last_row = max(last_row, int(digits))
        last_col = max(last_col, _column(letters.decode()))
    beyond(last_row, last_col, "has a cell in")
    for regex in (_MERGE_RE, _LINK_RE):
        for ref in regex.findall(data):
            rng = _range(ref.decode("ascii", "replace"))
            if rng is None:
                continue
            beyond(rng[2], rng[3], "has a range reaching")
            count += (rng[2] - rng[0] + 1) * (rng[3] - rng[1] + 1)
            if count > lim.xlsx_cells:
                return count
    return count
