"""The one cell vocabulary: each rule once, then the same cell read in every kind of workbook.

An application workbook (:mod:`nzc_review.intake.excel`), an acceptance workbook and a
disclosure workbook (:mod:`nzc_review.lifecycle.excel`) must read the same cell text the same
way: the same value, or the same error at the cell.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.intake.cells import (
    NO_WORDS,
    YES_WORDS,
    CellError,
    CellRules,
    cell_value,
    is_blank,
    is_percent_format,
    parse_indicator,
    parse_number,
    parse_text,
    parse_whole,
    parse_year,
    parse_yesno,
    where,
)
from nzc_review.intake.excel import read_xlsx
from nzc_review.intake.excel import write_workbook as write_application_workbook
from nzc_review.lifecycle.excel import read_workbook
from nzc_review.lifecycle.excel import write_workbook as write_lifecycle_workbook
from nzc_review.policy import catalog
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.applications import read_yaml
from tests.fixtures.workbooks import Filled

LIFECYCLE = ROOT / "examples" / "lifecycle"


def one_cell(value: object, number_format: str | None = None):
    """A real openpyxl cell holding ``value`` (text in ``ERROR_CODES`` becomes an error cell)."""
    ws = openpyxl.Workbook().active
    cell = ws["B2"]
    cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


# --- yes/no ------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["是", "☑", "√", "✓", "对", "有", "T", "t", "Y", "yes", "True", "Ｙ"])
def test_yes_words(word):
    assert parse_yesno(word) is True


@pytest.mark.parametrize("word", ["否", "☐", "×", "✗", "错", "无", "F", "f", "N", "no", "FALSE", " 否 "])
def test_no_words(word):
    assert parse_yesno(word) is False


def test_yes_and_no_words_do_not_overlap_and_numbers_are_not_answers():
    assert not YES_WORDS & NO_WORDS
    assert parse_yesno(True) is True and parse_yesno(False) is False  # Excel booleans
    for value in (1, 0, "1", "maybe", "是的"):
        with pytest.raises(CellError, match="expected 是 or 否, got"):
            parse_yesno(value)


def test_yes_words_are_configurable():
    rules = CellRules(yes=frozenset({"OK"}), no=frozenset({"NG"}))
    assert parse_yesno("ok", rules=rules) is True
    assert parse_yesno("NG", rules=rules) is False
    with pytest.raises(CellError):
        parse_yesno("是", rules=rules)


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,567", 1234567),
        ("1,234.5", 1234.5),
        ("-12,000", -12000),
        ("１，２３４", 1234),  # full-width digits and comma (NFKC)
        (" 42 ", 42),
        ("0.5", 0.5),
        ("1e3", 1000.0),
    ],
)
def test_numbers_and_thousands_separators(text, expected):
    number = parse_number(text)
    assert number == expected and type(number) is type(expected)


@pytest.mark.parametrize("text", ["1,2,3", "12,34", "1,234.567,8", ",123", "1,,234", "1234,567"])
def test_commas_outside_groups_of_three_are_errors(text):
    with pytest.raises(CellError, match=re.escape(f"expected a number, got {text!r}")):
        parse_number(text)


def test_thousands_separators_can_be_refused():
    with pytest.raises(CellError):
        parse_number("1,234", rules=CellRules(thousands=False))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "got TRUE"), ("十二", "got '十二'"), ("—", "leave the cell empty"), (float("inf"), "finite")],
)
def test_what_is_not_a_number(value, expected):
    with pytest.raises(CellError, match=expected):
        parse_number(value)


# --- percentages -------------------------------------------------------------------------------


def test_percent_text_and_percent_cells():
    assert parse_number("12%", None, "percent") == 12
    assert parse_number(" 12.5 % ", None, "percent") == 12.5
    assert parse_number(0.12, "0%", "percent") == 12  # a percent cell holds the fraction
    assert parse_number(0.125, "0.0%", "percent") == 12.5
    assert parse_number(0.12, "General", "percent") == 0.12  # no guessing
    assert parse_number("2%", None, "fraction") == 0.02
    assert parse_number(0.02, "0.00%", "fraction") == 0.02
    for value, fmt in (("12%", None), (0.12, "0%")):
        with pytest.raises(CellError, match="not measured in percent"):
            parse_number(value, fmt, "none")


@pytest.mark.parametrize(
    ("number_format", "is_percent"),
    [("0%", True), ("0.00%", True), ("#,##0.0%;[Red]-0.0%", True), ('0"%"', False),
     ("0\\%", False), ("[$%-409]0", False), ("General", False), (None, False)],
)
def test_percent_number_formats(number_format, is_percent):
    assert is_percent_format(number_format) is is_percent


# --- empty cells, error cells, formulas --------------------------------------------------------


def test_empty_cells():
    for value in (None, "", "   ", "\u3000", "\n"):
        assert is_blank(value)
        assert cell_value(one_cell(value)) == (None, None)
    assert not is_blank(0) and not is_blank("0") and not is_blank(False)
    assert cell_value(None) == (None, None)  # a cell the sheet does not have


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])
def test_error_cells(error):
    cell = one_cell(error)
    assert cell.data_type == "e"
    with pytest.raises(CellError, match=re.escape(f"the cell shows the error {error}")):
        cell_value(cell)


def test_formula_without_a_saved_result():
    value, formula = one_cell(None), one_cell("=SUM(A1:A3)")
    assert formula.data_type == "f"
    with pytest.raises(CellError, match=r"the formula =SUM\(A1:A3\) has no saved result"):
        cell_value(value, formula)
    assert cell_value(one_cell(6), formula) == (6, "General")  # the saved result is read


def test_value_and_format_of_a_cell():
    assert cell_value(one_cell(0.12, "0%")) == (0.12, "0%")


def test_where_names_sheet_cell_and_context():
    assert where("指标", 7, 8, "目标值", "YQ-03") == "指标!H7 (目标值, YQ-03)"
    assert where("年度数据", 2, 2) == "年度数据!B2"
    assert where("基本信息", 5, 2, "", "基准年") == "基本信息!B5 (基准年)"


# --- whole numbers, years, text ----------------------------------------------------------------


def test_whole_numbers_and_years():
    assert parse_whole("2024年") == 2024 and parse_whole(7.0) == 7
    assert parse_year(" 2024 年") == 2024
    for value, message in (
        (2024.5, "expected a year"),
        (1800, "between 1990 and 2100"),
        ("明年", "expected a year"),
    ):
        with pytest.raises(CellError, match=message):
            parse_year(value)
    assert parse_year(1985, rules=CellRules(first_year=1980)) == 1985


def test_text():
    assert parse_text("  园区  ") == "园区"
    assert parse_text(12.0) == "12" and parse_text(12) == "12" and parse_text(0.5) == "0.5"
    assert parse_text(dt.datetime(2026, 3, 30)) == "2026-03-30"
    with pytest.raises(CellError, match="expected text, got TRUE"):
        parse_text(True)


# --- indicator values --------------------------------------------------------------------------


def test_indicator_values_follow_the_indicators_rule():
    index = catalog.indicator_index()
    yesno, percent = index["YQ-13"], index["YQ-05"]
    assert yesno.expects_boolean and percent.is_percent
    assert parse_indicator("☑", None, yesno) is True
    with pytest.raises(CellError, match="expected 是 or 否"):
        parse_indicator("12", None, yesno)
    assert parse_indicator("33%", None, percent) == 33
    assert parse_indicator(0.33, "0%", percent) == 33
    assert parse_indicator(0.33, "0%", percent, benchmark=True) == 33
    # an unknown code: yes/no or a number as written, never text left for later
    assert parse_indicator("T", None, None) is True
    assert parse_indicator("1,234", None, None) == 1234
    with pytest.raises(CellError, match="expected a number or 是/否, got '1,2,3'"):
        parse_indicator("1,2,3", None, None)


# --- the same cell in an application, an acceptance and a disclosure workbook -----------------


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Filled, Workbook]]:
    """The park application, its acceptance and a disclosure as workbooks, each written, loaded
    once (to find the cells) and kept for cheap copies
    (:class:`tests.fixtures.workbooks.Filled`)."""
    folder = tmp_path_factory.mktemp("books")
    write_application_workbook(load_application(EXAMPLES / "park-pass.yaml"), folder / "app.xlsx")
    acceptance = read_yaml(LIFECYCLE / "acceptance" / "park-accepted.yaml")
    write_lifecycle_workbook(acceptance, folder / "acc.xlsx")
    disclosure = read_yaml(LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml")
    disclosure["years"][2025]["indicators"]["YQ-05"] = {"value": 30}  # a percent indicator
    write_lifecycle_workbook(disclosure, folder / "disc.xlsx")
    books = {}
    for kind in ("app", "acc", "disc"):
        wb = openpyxl.load_workbook(folder / f"{kind}.xlsx")
        books[kind] = (Filled.built(wb), wb)
    return books


def _column(ws, header_row: int, key: str) -> int:
    """The column whose header holds the field key (``target`` or ``填写内容（value）``)."""
    for cell in ws[header_row]:
        text = str(cell.value or "")
        if text == key or text.endswith(f"（{key}）"):
            return cell.column
    raise AssertionError(f"no column {key} in {ws.title}")


def _row(ws, first: int, col: int, wanted: object) -> int:
    for row in range(first, ws.max_row + 1):
        if ws.cell(row, col).value == wanted:
            return row
    raise AssertionError(f"no row {wanted} in {ws.title}")


#: Where a field lies in each kind of workbook: (sheet, header row, key column, key, value column).
PLACES = {
    ("app", "indicator"): ("指标", 4, "code", None, "target"),
    ("app", "emissions"): ("碳排放", 4, "year", 2022, "emissions_tco2"),
    ("acc", "indicator"): ("指标", 1, "code", None, "value"),
    ("acc", "emissions"): ("年度数据", 1, "year", 2026, "emissions_tco2"),
    ("disc", "indicator"): ("指标", 1, "code", None, "value"),
    ("disc", "emissions"): ("年度数据", 1, "year", 2025, "emissions_tco2"),
}


def _value_of(kind: str, data: dict, field: str, code: str | None) -> object:
    if kind == "app":
        return data["indicators"][code]["target"] if code else data["emissions_tco2"][2022]
    if kind == "acc":
        return data["achieved"][code]["value"] if code else data["emissions_tco2"][2026]
    year = data["years"][2025]
    return year["indicators"][code]["value"] if code else year["emissions_tco2"]


def _cell(books: dict[str, tuple[Filled, Workbook]], kind: str, field: str,
          code: str | None) -> tuple[str, str]:
    """The sheet and cell of a field in one kind of workbook."""
    sheet, header_row, key_column, key, value_column = PLACES[(kind, field)]
    ws = books[kind][1][sheet]
    row = _row(ws, header_row + 1, _column(ws, header_row, key_column), code or key)
    return sheet, ws.cell(row, _column(ws, header_row, value_column)).coordinate


def read_cells(folder: Path, books: dict[str, tuple[Filled, Workbook]], kind: str,
               cases: list[tuple]) -> list[tuple[str, object]]:
    """Put each case's ``value`` in its field's cell of one workbook and read the workbook:
    for each case ``("value", what was read)`` or ``("error", the message at its cell)``."""
    cells = [_cell(books, kind, field, code) for field, code, *_ in cases]

    def change(book):
        for (sheet, ref), (_field, _code, value, number_format, _expected) in zip(
                cells, cases, strict=True):
            book[sheet][ref].value = value
            if number_format:
                book[sheet][ref].number_format = number_format

    path = books[kind][0].write(folder / f"{kind}.xlsx", change)
    try:
        data = read_xlsx(path) if kind == "app" else read_workbook(path)
    except InputError as exc:
        outcomes = []
        for sheet, ref in cells:
            at = f"{sheet}!{ref}"
            messages = [m for w, m in exc.problems if w.startswith(at + " ") or w == at]
            # the error names the cell
            outcomes.append(("error", messages[0]) if messages else ("elsewhere", exc.message))
        return outcomes
    return [("value", _value_of(kind, data, field, code)) for field, code, *_ in cases]


SAME_CELL = [
    ("indicator", "YQ-13", "☑", None, ("value", True)),
    ("indicator", "YQ-13", "☐", None, ("value", False)),
    ("indicator", "YQ-13", "T", None, ("value", True)),
    ("indicator", "YQ-13", " 否 ", None, ("value", False)),
    ("indicator", "YQ-13", "12", None, ("error", "expected 是 or 否, got '12'")),
    ("indicator", "YQ-05", "1,2,3", None, ("error", "expected a number, got '1,2,3'")),
    ("indicator", "YQ-05", "33%", None, ("value", 33)),
    ("indicator", "YQ-05", 0.33, "0%", ("value", 33)),
    ("indicator", "YQ-05", "３３", None, ("value", 33)),
    ("emissions", None, "1,2,3", None, ("error", "expected a number, got '1,2,3'")),
    ("emissions", None, "612,345", None, ("value", 612345)),
    ("emissions", None, "12%", None,
     ("error", "expected a number, got '12%': this field is not measured in percent")),
    ("emissions", None, 0.5, "0%",
     ("error", "expected a number, got a percentage (50%): this field is not measured in "
               "percent")),
    ("emissions", None, "#DIV/0!", None,
     ("error", "the cell shows the error #DIV/0!; correct the formula or the value")),
    ("emissions", None, "=1/0", None,
     ("error", "the formula =1/0 has no saved result; open and save the file in Excel, WPS "
               "or LibreOffice, or type the value")),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, books):
    """``outcome(case)``: what each kind of workbook read for a case of :data:`SAME_CELL`.

    Cases of different cells that expect the same kind of outcome (a value, or an error at the
    cell) share a workbook of each kind: the n-th case of each cell goes into workbook n, so a
    few workbooks are read instead of one per case, and each case stays a test of its own.
    """
    batch, taken = {}, {}
    for case in SAME_CELL:
        slot = (case[-1][0], case[0], case[1])  # the kind of outcome, the field and its code
        batch[case], taken[slot] = (case[-1][0], taken.get(slot, 0)), taken.get(slot, 0) + 1
    read: dict = {}

    def outcome(case: tuple) -> dict[str, tuple[str, object]]:
        if batch[case] not in read:
            together = [c for c in SAME_CELL if batch[c] == batch[case]]
            folder = tmp_path_factory.mktemp("cells")
            read[batch[case]] = {kind: dict(zip(together, read_cells(folder, books, kind, together),
                                                strict=True))
                                 for kind in ("app", "acc", "disc")}
        return {kind: by_case[case] for kind, by_case in read[batch[case]].items()}

    return outcome


@pytest.mark.parametrize(("field", "code", "value", "number_format", "expected"), SAME_CELL)
def test_same_cell_reads_the_same_in_every_workbook(
    outcomes, field, code, value, number_format, expected
):
    found = outcomes((field, code, value, number_format, expected))
    assert found == {"app": expected, "acc": expected, "disc": expected}
