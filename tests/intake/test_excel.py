"""Excel workbooks: templates, round trips, lenient and strict reading, convert, LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.intake import load_application, supported_suffixes
from nzc_review.intake.excel import (
    BASIC,
    DATA_SHEETS,
    ELIGIBILITY,
    EMISSIONS,
    ENERGY,
    INDICATORS,
    PROJECTS,
    PROOFS,
    SAFEGUARDS,
    SCHEDULE,
    SHEETS,
    build_workbook,
    write_template,
    write_workbook,
)
from nzc_review.policy import catalog
from nzc_review.policy.application import Application
from tests.conftest import EXAMPLES, ROOT, minimal_app
from tests.fixtures.office import convert
from tests.fixtures.workbooks import edit, example

YAMLS = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def park_bytes() -> bytes:
    """The park example as a filled workbook (bytes, built once)."""
    return example("park-pass").data


@pytest.fixture
def park_xlsx(tmp_path, park_bytes) -> Path:
    path = tmp_path / "app.xlsx"
    path.write_bytes(park_bytes)
    return path


def put(sheet: str, ref: str, value, number_format: str | None = None):
    def change(wb):
        wb[sheet][ref].value = value
        if number_format:
            wb[sheet][ref].number_format = number_format

    change.cell = (sheet, ref)
    return change


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_application(path)
    return str(info.value)


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pilot_type", catalog.PILOT_TYPES)
def test_template_layout(tmp_path, pilot_type):
    path = tmp_path / "t.xlsx"
    write_template(pilot_type, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    assert wb.security.lockStructure
    for name in DATA_SHEETS:
        ws = wb[name]
        assert ws.protection.sheet and not ws.protection.password, name
        assert ws.row_dimensions[4].hidden, name
        assert ws.freeze_panes is not None, name
        assert ws.data_validations.dataValidation or name == PROOFS, name
    assert wb[BASIC]["B5"].value == "nzc-application/1"
    assert wb[BASIC]["B7"].value == catalog.PILOT_TYPE_ZH[pilot_type]
    assert wb[BASIC]["B5"].protection.locked and not wb[BASIC]["B6"].protection.locked
    assert wb[BASIC]["B7"].protection.locked  # the pilot type comes with the template
    for name in DATA_SHEETS:
        assert all(c.protection.locked for c in wb[name][3] if c.value), name  # headers
    assert not wb[PROJECTS]["A54"].protection.locked and wb[PROJECTS].protection.insertRows is False
    assert wb[INDICATORS].protection.insertRows  # the indicator rows are fixed
    assert wb[BASIC].column_dimensions["D"].hidden
    ind = wb[INDICATORS]
    assert [c.value for c in ind[3]][:8] == [
        "指标代码",
        "一级指标",
        "指标名称",
        "单位",
        "参考值",
        "指标类型",
        "现状值",
        "目标值",
    ]
    codes = [ind.cell(r, 1).value for r in range(5, 5 + 30) if ind.cell(r, 1).value]
    assert codes == [row.code for row in catalog.indicators(pilot_type)]
    assert ind["A5"].protection.locked and not ind["G5"].protection.locked
    assert ind.column_dimensions["C"].width > 20
    kinds = {dv.type for dv in ind.data_validations.dataValidation}
    assert "decimal" in kinds or "whole" in kinds
    yes_no = [
        dv
        for ws in wb
        for dv in ws.data_validations.dataValidation
        if dv.type == "list" and dv.formula1 == '"是,否"'
    ]
    assert yes_no
    years = [dv for dv in wb[EMISSIONS].data_validations.dataValidation if dv.type == "whole"]
    assert years and (years[0].formula1, years[0].formula2) == ("1990", "2100")
    conditions = [wb[ELIGIBILITY].cell(r, 1).value for r in range(5, 30)]
    assert [c for c in conditions if c] == [c.id for c in catalog.selection_conditions(pilot_type)]
    assert [wb[SAFEGUARDS].cell(r, 1).value for r in range(5, 9)] == [
        s.id for s in catalog.outline().safeguards
    ]
    assert [wb[PROJECTS].cell(3, c).value for c in range(1, 10)][-1] == "寿命年限（年）"


def test_empty_template_names_what_is_missing(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template("park", path)
    assert error_of(path) == (
        "t.xlsx: 基本信息!B6 (申报编号): required field is missing\n"
        "t.xlsx: 基本信息!B8 (试点名称): required field is missing"
    )


def test_filled_template_reads(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template("campus", path)

    def fill(wb):
        basic = wb[BASIC]
        basic["B6"], basic["B8"], basic["B9"] = "T-XY-1", "测试校园", "测试学院"
        basic["B14"], basic["B15"] = 2024, "2026"
        ind = wb[INDICATORS]
        ind["H5"] = "35%"  # XY-01 reduction, percent
        ind["G8"], ind["H8"] = "否", "是"  # XY-04 qualitative
        wb[EMISSIONS]["A5"], wb[EMISSIONS]["B5"] = 2022, "11,800"
        wb[PROJECTS]["A5"], wb[PROJECTS]["E5"] = "屋顶光伏", "2024年"
        wb[SCHEDULE]["A5"], wb[SCHEDULE]["B5"], wb[SCHEDULE]["B6"] = 2024, "开工", "并网"
        wb[PROOFS]["D5"], wb[PROOFS]["E5"] = "证书.pdf", "名录.pdf"

    app = load_application(edit(path, fill))
    assert app.id == "T-XY-1" and app.pilot_type == "campus" and app.base_year == 2022
    assert app.applicant.organization == "测试学院" and app.period.end == 2026
    assert app.indicators["XY-01"].target == 35
    assert (app.indicators["XY-04"].current, app.indicators["XY-04"].target) == (False, True)
    assert app.emissions_tco2 == {2022: 11800}
    assert app.key_projects[0].name == "屋顶光伏" and app.key_projects[0].start_year == 2024
    assert app.schedule == {2024: ["开工", "并网"]}
    assert app.proofs == {"eligibility_documents": ["证书.pdf", "名录.pdf"]}


def test_template_command(tmp_path):
    out = tmp_path / "区域.xlsx"
    assert main(["template", "--type", "region", str(out)]) == 0
    assert openpyxl.load_workbook(out)[INDICATORS]["A17"].value == "QY-13"
    assert main(["template", "--type", "region", str(tmp_path / "t.yaml")]) == 2
    assert files_in(tmp_path) == {"区域.xlsx"}


def test_xlsx_is_registered():
    assert ".xlsx" in supported_suffixes()


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.stem)
def test_round_trip_examples(tmp_path, path):
    app = load_application(path)
    xlsx = tmp_path / f"{path.stem}.xlsx"
    assert main(["convert", str(path), str(xlsx)]) == 0
    from_excel = load_application(xlsx)
    assert from_excel == app
    for suffix in (".yaml", ".json"):
        back = tmp_path / f"back{suffix}"
        assert main(["convert", str(xlsx), str(back)]) == 0
        assert load_application(back) == app
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_round_trip_keeps_details(tmp_path):
    app = load_application(EXAMPLES / "park-pass.yaml")
    xlsx = example("park-pass").write(tmp_path / "park.xlsx")
    back = load_application(xlsx)
    assert back.indicators["YQ-13"].evidence == app.indicators["YQ-13"].evidence
    assert back.eligibility["key_park_list"] == app.eligibility["key_park_list"]
    assert back.eligibility["key_park_list"].evidence
    assert [p.name for p in back.key_projects] == [p.name for p in app.key_projects]
    assert back.schedule[2024] == app.schedule[2024]
    assert back.proofs == app.proofs


def test_round_trip_edge_values(tmp_path):
    data = minimal_app(
        "park",
        name="=公式样的名称",
        applicant={"organization": "单位", "phone": "0778-0000000"},
        indicators={
            "YQ-03": {"current": 6.25, "target": 12, "note": "第一行\n第二行"},
            "YQ-01": {"target": 40, "basis": "total"},
            "YQ-16": {"current": False, "target": True, "evidence": "  说明  ".strip()},
        },
        bau_growth_rate=-0.0125,
        proofs={"other": [f"附件{i}.pdf" for i in range(1, 12)]},  # more than 8 file columns
        eligibility={"steady_decline": {"value": False, "evidence": "预测"}},
        key_projects=[{"name": "项目", "lifetime_years": 25, "investment_10k_cny": 0}],
        schedule={2025: ["b"], 2024: ["a", "a"]},
    )
    app = Application.model_validate(data)
    xlsx = tmp_path / "edge.xlsx"
    write_workbook(app, xlsx)
    assert load_application(xlsx) == app


def test_shipped_workbooks_match_yaml():
    for path in YAMLS:
        xlsx = path.with_suffix(".xlsx")
        assert xlsx.is_file(), f"{xlsx.name} missing: nzc-review convert {path.name} {xlsx.name}"
        assert load_application(xlsx) == load_application(path), xlsx.name


def test_reproducible_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    app = load_application(EXAMPLES / "region-pass.yaml")
    write_workbook(app, tmp_path / "a.xlsx")
    write_workbook(app, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# --- lenient readings ---------------------------------------------------------------------------
# In the park workbook: 指标 row 7 is YQ-03 (percent), row 17 YQ-13 (qualitative); G current,
# H target; 基本信息 B16 is bau_growth_rate; 碳排放 B5 the 2022 emissions.

LENIENT = [

    (put(INDICATORS, "H7", "12%"), "YQ-03.target", 12),
    (put(INDICATORS, "H7", "12 ％"), "YQ-03.target", 12),
    (put(INDICATORS, "H7", 0.12, "0%"), "YQ-03.target", 12),
    (put(INDICATORS, "H7", 0.125, "0.0%"), "YQ-03.target", 12.5),
    (put(INDICATORS, "H7", "１２"), "YQ-03.target", 12),
    (put(INDICATORS, "H7", " 12.5 "), "YQ-03.target", 12.5),
    (put(INDICATORS, "H7", "12"), "YQ-03.target", 12),
    (put(INDICATORS, "H7", 0.12), "YQ-03.target", 0.12),  # no guessing without a %
    (put(INDICATORS, "G17", "√"), "YQ-13.current", True),
    (put(INDICATORS, "G17", "×"), "YQ-13.current", False),
    (put(INDICATORS, "G17", "对"), "YQ-13.current", True),
    (put(INDICATORS, "G17", "错"), "YQ-13.current", False),
    (put(INDICATORS, "G17", "y"), "YQ-13.current", True),
    (put(INDICATORS, "G17", "N"), "YQ-13.current", False),
    (put(INDICATORS, "G17", " 是 "), "YQ-13.current", True),
    (put(INDICATORS, "G17", True), "YQ-13.current", True),
    (put(INDICATORS, "G17", "ｙｅｓ"), "YQ-13.current", True),
    (put(BASIC, "B16", "2%"), "bau_growth_rate", 0.02),
    (put(BASIC, "B16", 0.02, "0%"), "bau_growth_rate", 0.02),
    (put(BASIC, "B16", "0.02"), "bau_growth_rate", 0.02),
    (put(EMISSIONS, "B5", "1,200"), "emissions_tco2.2022", 1200),
    (put(EMISSIONS, "B5", "1,234,567.5"), "emissions_tco2.2022", 1234567.5),
    (put(EMISSIONS, "B5", "７６２２００"), "emissions_tco2.2022", 762200),
    (put(EMISSIONS, "A5", "2022年"), "emissions_tco2.2022", 762200),
    (put(EMISSIONS, "A5", " 2022 "), "emissions_tco2.2022", 762200),
    (put(BASIC, "B14", "2024.0"), "period.start", 2024),
    (put(BASIC, "B11", 12345), "applicant.contact", "12345"),  # a number as text
    (
        put(INDICATORS, "K6", "per_industrial_value_added"),
        "YQ-02.basis",
        "per_industrial_value_added",
    ),
    (
        put(INDICATORS, "K6", "单位工业增加值碳排放量"),
        "YQ-02.basis",
        "per_industrial_value_added",
    ),
]


@pytest.fixture(scope="module")
def shared_reads(tmp_path_factory, park_bytes):
    """``read(change, cases, slots)``: what reading the park workbook gives (the application or
    the :class:`InputError`) with ``change`` made, together with other cases' changes, and
    the changes made.

    ``cases`` are ``put`` changes; ``slots(case)`` names where a case could disturb another
    (its sheet, its row, ...): each case goes into the first workbook where none of its slots
    is taken, so a few workbooks are read instead of one per case (reading is most of a
    case's cost), and each case stays a test of its own.
    """
    folder, done = tmp_path_factory.mktemp("shared"), {}

    def read(change, cases, slots):
        key = (tuple(cases), slots)
        if key not in done:
            taken: list[set] = []
            batch = {}
            for case in cases:
                wanted = slots(case)
                n = next((i for i, used in enumerate(taken) if not used & wanted), len(taken))
                taken[n:] = taken[n:] or [set()]
                taken[n] |= wanted
                batch[case] = n
            done[key] = batch, {}
        batch, outcomes = done[key]
        n = batch[change]
        if n not in outcomes:
            changes = [c for c in cases if batch[c] == n]
            path = folder / f"{len(done)}-{n}" / "app.xlsx"
            path.parent.mkdir()
            path.write_bytes(park_bytes)
            edit(path, lambda wb: [c(wb) for c in changes])
            try:
                outcomes[n] = load_application(path), changes
            except InputError as exc:
                outcomes[n] = exc, changes
        return outcomes[n]

    return read


def same_row(change) -> set:
    sheet, ref = change.cell
    return {(sheet, re.sub("[A-Z]", "", ref))}


@pytest.mark.parametrize("change, field, expected", LENIENT)
def test_lenient_cells(shared_reads, change, field, expected):
    app, _together = shared_reads(change, [c for c, _f, _e in LENIENT], same_row)
    assert not isinstance(app, InputError), str(app)
    head, *rest = field.split(".")
    if head in ("bau_growth_rate", "emissions_tco2", "period", "applicant"):
        value = getattr(app, head)
        for part in rest:
            value = value[int(part)] if isinstance(value, dict) else getattr(value, part)
    else:
        value = getattr(app.indicators[head], rest[0])
    assert value == expected
    assert type(value) is type(expected) or isinstance(expected, float | int)


def test_formula_with_saved_value_is_read(park_xlsx):
    edit(park_xlsx, put(INDICATORS, "H7", "=10+5"))
    # give the formula the result Excel would have saved with it
    raw = io.BytesIO()
    with zipfile.ZipFile(park_xlsx) as zin, zipfile.ZipFile(raw, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if b"<f>10+5</f>" in data:
                data, n = re.subn(rb"(<c r=\"H7\"[^>]*><f>10\+5</f>)<v\s*/>", rb"\1<v>15</v>", data)
                assert n == 1
            zout.writestr(item, data)
    park_xlsx.write_bytes(raw.getvalue())
    assert load_application(park_xlsx).indicators["YQ-03"].target == 15


def test_schedule_year_may_continue_or_be_merged(park_xlsx):
    def change(wb):
        ws = wb[SCHEDULE]
        for r in range(5, 16):
            ws.cell(r, 1).value = None
            ws.cell(r, 2).value = None
        ws["A5"], ws["B5"], ws["B6"] = 2024, "一", "二"
        ws["A7"], ws["B7"], ws["B8"], ws["B9"] = 2025, "三", "四", "五"
        ws.merge_cells("A7:A9")

    assert load_application(edit(park_xlsx, change)).schedule == {
        2024: ["一", "二"],
        2025: ["三", "四", "五"],
    }


def test_moved_columns_and_rows_still_read(park_xlsx, park_bytes):
    expected = load_application(EXAMPLES / "park-pass.yaml")

    def change(wb):
        wb[INDICATORS].insert_cols(3)
        wb[PROJECTS].insert_rows(6, 3)
        wb[ENERGY].insert_cols(1)
        wb[INDICATORS].delete_rows(4)  # the hidden key row: Chinese headers are enough

    assert load_application(edit(park_xlsx, change)) == expected


# --- strict readings ----------------------------------------------------------------------------


STRICT = [
    (
        put(INDICATORS, "H7", "十二"),
        "app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'",
    ),
    (
        put(INDICATORS, "H7", 120),
        "app.xlsx: 指标!H7 (目标值, YQ-03): expected a percentage between 0 and 100, got 120",
    ),
    (
        put(INDICATORS, "H7", "是"),
        "app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '是'",
    ),
    (
        put(INDICATORS, "H7", "—"),
        "app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '—' "
        "(leave the cell empty if there is no value)",
    ),
    (put(INDICATORS, "G17", 1), "app.xlsx: 指标!G17 (现状值, YQ-13): expected 是 or 否, got 1"),
    (
        put(INDICATORS, "G17", "可能"),
        "app.xlsx: 指标!G17 (现状值, YQ-13): expected 是 or 否, got '可能'",
    ),
    (
        put(EMISSIONS, "B5", "12%"),
        "app.xlsx: 碳排放!B5 (碳排放总量（tCO2）, 2022): expected a number, got '12%': "
        "this field is not measured in percent",
    ),
    (
        put(EMISSIONS, "B5", 0.5, "0%"),
        "app.xlsx: 碳排放!B5 (碳排放总量（tCO2）, 2022): expected a number, got a percentage "
        "(50%): this field is not measured in percent",
    ),
    (
        put(EMISSIONS, "B5", "1,2"),
        "app.xlsx: 碳排放!B5 (碳排放总量（tCO2）, 2022): expected a number, got '1,2'",
    ),
    (
        put(EMISSIONS, "B5", dt.datetime(2024, 5, 1)),
        "app.xlsx: 碳排放!B5 (碳排放总量（tCO2）, 2022): expected a number, got a date (2024-05-01)",
    ),
    (
        put(EMISSIONS, "B5", "9" * 400),
        "app.xlsx: 碳排放!B5 (碳排放总量（tCO2）, 2022): expected a number, got '999",
    ),
    (
        put(EMISSIONS, "A5", 2024.5),
        "app.xlsx: 碳排放!A5 (年份): expected a year (1990–2100), got 2024.5",
    ),
    (
        put(EMISSIONS, "A5", 1800),
        "app.xlsx: 碳排放!A5 (年份): expected a year between 1990 and 2100, got 1800",
    ),
    (
        put(EMISSIONS, "A6", 2022),
        "app.xlsx: 碳排放!A6 (年份): the year 2022 appears twice (rows 5 and 6)",
    ),
    (
        put(BASIC, "B6", "a b"),
        "app.xlsx: 基本信息!B6 (申报编号): an id may contain only letters",
    ),
    (
        put(BASIC, "B15", 2020),
        "app.xlsx: 基本信息!B15 (建设期结束年（目标年）): the period ends (2020) before it starts",
    ),
    (
        put(BASIC, "B16", 2),
        "app.xlsx: 基本信息!B16 (无规划情景碳排放年增长率): expected a value less than 1, got 2",
    ),
    (put(BASIC, "B8", True), "app.xlsx: 基本信息!B8 (试点名称): expected text, got TRUE"),
    (
        put(ENERGY, "G5", 2_000_000),
        "app.xlsx: 能源与基础数据!G5 (其中：绿电（MWh）, 2022): green electricity",
    ),
    (
        put(PROJECTS, "F5", 2020),
        "app.xlsx: 重点项目!A5:J5 (屋顶分布式光伏): project '屋顶分布式光伏' ends (2020) before",
    ),
    (
        put(PROJECTS, "A6", None),
        "app.xlsx: 重点项目!A6 (名称, 项目2): required field is missing",
    ),
    (
        put(PROJECTS, "I5", 0),
        "app.xlsx: 重点项目!I5 (寿命年限（年）, 屋顶分布式光伏): expected a value greater than or "
        "equal to 1",
    ),
    (
        put(INDICATORS, "K6", "人均碳排放量"),
        "app.xlsx: 指标!K6 (计算口径, YQ-02): basis 'per_capita' does not apply to YQ-02",
    ),
    (
        put(INDICATORS, "I7", 5),
        "app.xlsx: 指标!I7 (基准值, YQ-03): YQ-03 has no benchmark value",
    ),
    (
        put(INDICATORS, "A7", "YQ-99"),
        "app.xlsx: 指标!A7:M7 (YQ-99): YQ-99 is not an indicator code of park",
    ),
    (
        put(INDICATORS, "A7", "XY-03"),
        "app.xlsx: 指标!A7:M7 (XY-03): XY-03 is an indicator of pilot type campus, not of park",
    ),
    (put(ELIGIBILITY, "E5", None, None), None),  # no answer and no evidence: fine
    (
        put(SAFEGUARDS, "C5", "maybe"),
        "app.xlsx: 保障措施!C5 (是否落实, leading_body): expected 是 or 否, got 'maybe'",
    ),
    (
        put(INDICATORS, "H7", "=10+5"),
        "app.xlsx: 指标!H7 (目标值, YQ-03): the formula =10+5 has no saved result",
    ),
    (
        put(INDICATORS, "H7", "#DIV/0!"),  # openpyxl stores it as an error value
        "app.xlsx: 指标!H7 (目标值, YQ-03): the cell shows the error #DIV/0!",
    ),
    (
        put(INDICATORS, "H7", "=1/0"),
        "app.xlsx: 指标!H7 (目标值, YQ-03): the formula =1/0 has no saved result",
    ),
    (
        lambda wb: wb[INDICATORS].merge_cells("G7:H7"),
        "app.xlsx: 指标!G7:H7: merged cells in the data area cannot be read",
    ),
    (
        lambda wb: wb.remove(wb[SCHEDULE]),
        "app.xlsx: 进度安排: the sheet is missing (it may stay empty but must not be deleted",
    ),
    (
        lambda wb: setattr(wb[INDICATORS], "title", "Sheet1"),
        "app.xlsx: 指标: the sheet is missing",
    ),
    (
        lambda wb: wb[INDICATORS].delete_cols(8),
        "app.xlsx: 指标: the column 目标值 (target) is missing",
    ),
    (
        lambda wb: wb[INDICATORS].delete_rows(7),
        "app.xlsx: 指标: the row of YQ-03 (可再生能源消费比重) is missing",
    ),
    (
        lambda wb: wb[ELIGIBILITY].delete_rows(5),
        "app.xlsx: 遴选条件: the row of willing_and_qualified",
    ),
    (lambda wb: wb[INDICATORS].delete_rows(1, 4), "app.xlsx: 指标: no header row found"),
]
#: The cases that change one cell, by change.
STRICT_CELLS = {change: expected for change, expected in STRICT if hasattr(change, "cell")}
#: How a problem found while reading a cell begins (:mod:`nzc_review.intake.cells`, the
#: reader's duplicate years): such problems never hide one another. A problem the model's
#: validation finds may be hidden by another field that fails (the model's own checks then do
#: not run), so a workbook holds at most one of them, and no failing 基本信息 item (a required
#: field left out) beside it.
READ_PROBLEMS = ("expected a number", "expected a year", "expected 是 or 否", "expected text",
                 "the cell shows the error", "the formula", "the year")


def sheet_and_stage(change) -> set:
    expected, sheet = STRICT_CELLS[change], change.cell[0]
    read = expected is None or expected.split("): ", 1)[-1].startswith(READ_PROBLEMS)
    return {sheet} if read and sheet != BASIC else {sheet, "model"}


def problems(expected: str | None) -> int:
    """The lines a case adds: a changed code also leaves its own row missing, otherwise one."""
    return 0 if expected is None else 2 if "A7:M7" in expected else 1


@pytest.mark.parametrize("change, expected", STRICT)
def test_strict_cells(park_xlsx, shared_reads, change, expected):
    if change in STRICT_CELLS:  # read with cases of other sheets (the problems name cells)
        outcome, together = shared_reads(change, list(STRICT_CELLS), sheet_and_stage)
    else:
        try:
            outcome, together = load_application(edit(park_xlsx, change)), [change]
        except InputError as exc:
            outcome, together = exc, [change]
    lines = str(outcome).splitlines() if isinstance(outcome, InputError) else []
    if expected is not None:
        assert [line for line in lines if line.startswith(expected)], lines
    assert len(lines) == sum(problems(STRICT_CELLS.get(c, expected)) for c in together), lines


def test_evidence_without_answer(park_xlsx):
    edit(park_xlsx, put(ELIGIBILITY, "F5", "有文件"))
    edit(park_xlsx, put(ELIGIBILITY, "E5", None))
    assert error_of(park_xlsx) == (
        "app.xlsx: 遴选条件!E5 (是否满足, willing_and_qualified): 佐证说明 is given but 是否满足 "
        "is empty: answer 是 or 否"
    )


def test_every_problem_is_reported_in_sheet_order(park_xlsx):
    def change(wb):
        wb[PROJECTS]["E5"] = "明年"
        wb[INDICATORS]["H7"] = "十二"
        wb[INDICATORS]["H8"] = 101
        wb[BASIC]["B13"] = "今年"

    lines = error_of(edit(park_xlsx, change)).splitlines()
    # cell problems first found while reading, then the model's, all in sheet order
    assert [line.split(":")[1].strip().split(" ")[0] for line in lines] == [
        "基本信息!B13",
        "指标!H7",
        "指标!H8",
        "重点项目!E5",
    ]


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "app.xlsx: the file is empty"),
        (b"format: nzc-application/1\n", "app.xlsx: not an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "app.xlsx: an old Excel 97–2003 (.xls)"),
        (b"PK\x03\x04garbage", "app.xlsx: not a readable Excel workbook (.xlsx)"),
    ],
)
def test_not_a_workbook(tmp_path, content, expected):
    path = tmp_path / "app.xlsx"
    path.write_bytes(content)
    assert error_of(path).startswith(expected)


def test_truncated_and_foreign_workbooks(tmp_path, park_bytes):
    path = tmp_path / "app.xlsx"
    for cut in (100, len(park_bytes) // 2, len(park_bytes) - 10):
        path.write_bytes(park_bytes[:cut])
        assert error_of(path).startswith("app.xlsx: not a readable Excel workbook")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(path)
    assert "not an application workbook of nzc-review" in error_of(path)


def test_writer_refuses_what_excel_cannot_store(tmp_path):
    app = Application.model_validate(minimal_app("park", name="bad\x01name"))
    with pytest.raises(InputError, match="name: contains a control character"):
        write_workbook(app, tmp_path / "x.xlsx")
    assert files_in(tmp_path) == set()
    with pytest.raises(InputError, match="unknown pilot type"):
        build_workbook("harbour")


# --- convert ------------------------------------------------------------------------------------


def test_convert_bad_input_writes_nothing(tmp_path, write_app, capsys):
    bad = write_app(minimal_app("park", indicators={"YQ-03": {"target": "十二"}}), "bad.yaml")
    before = files_in(tmp_path)
    assert main(["convert", str(bad), str(tmp_path / "out.xlsx")]) == 2
    assert "bad.yaml: indicators.YQ-03.target" in capsys.readouterr().err
    assert files_in(tmp_path) == before
    (tmp_path / "out.yaml").write_text("old", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04broken")
    assert main(["convert", str(broken), str(tmp_path / "out.yaml")]) == 2
    assert (tmp_path / "out.yaml").read_text(encoding="utf-8") == "old"
    assert files_in(tmp_path) == before | {"out.yaml", "broken.xlsx"}


def test_convert_usage_errors(tmp_path, capsys):
    src = str(EXAMPLES / "park-pass.yaml")
    assert main(["convert", src, str(tmp_path / "out.txt")]) == 2
    assert "unsupported output type .txt" in capsys.readouterr().err
    assert main(["convert", src, str(tmp_path / "nope" / "out.xlsx")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.yaml"), str(tmp_path / "o.xlsx")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert files_in(tmp_path) == set()


def test_convert_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert main(["convert", str(EXAMPLES / "park-pass.yaml"), str(tmp_path / "o.xlsx")]) == 2
    assert files_in(tmp_path) == set()


@pytest.mark.slow
def test_cli_check_reads_xlsx_like_yaml(tmp_path):
    import json

    xlsx = tmp_path / "park.xlsx"
    write_workbook(load_application(EXAMPLES / "park-pass.yaml"), xlsx)
    runs = [
        subprocess.run(
            [sys.executable, "-m", "nzc_review.cli.main", "check", str(p), "--format", "json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        for p in (EXAMPLES / "park-pass.yaml", xlsx)
    ]
    assert [r.returncode for r in runs] == [0, 0]
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)
    edit(xlsx, put(INDICATORS, "H7", "十二"))
    bad = subprocess.run(
        [sys.executable, "-m", "nzc_review.cli.main", "check", str(xlsx)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "park.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'" in bad.stderr
    assert "Traceback" not in bad.stderr


# --- LibreOffice ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.requires_libreoffice
def test_libreoffice_saved_workbooks_still_read(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    expected = {}
    for path in YAMLS:
        app = load_application(path)
        write_workbook(app, src / f"{path.stem}.xlsx")
        expected[path.stem] = app
    # a template filled by hand, with a formula LibreOffice computes when it saves
    write_template("park", src / "filled.xlsx")

    def fill(wb):
        wb[BASIC]["B6"], wb[BASIC]["B8"], wb[BASIC]["B9"] = "T-YQ-9", "手填园区", "管委会"
        wb[BASIC]["B16"] = "2%"
        wb[INDICATORS]["G7"] = "６.５"
        wb[INDICATORS]["H7"] = "=10+5"
        wb[INDICATORS]["H17"] = "√"
        wb[EMISSIONS]["A5"], wb[EMISSIONS]["B5"] = 2022, "850,000"

    edit(src / "filled.xlsx", fill)
    out = tmp_path / "out"
    result = convert(sorted(src.iterdir()), "xlsx", out, tmp_path / "home")
    assert result.returncode == 0, result.stderr
    for stem, app in expected.items():
        assert load_application(out / f"{stem}.xlsx") == app, stem
    filled = load_application(out / "filled.xlsx")
    assert (filled.indicators["YQ-03"].current, filled.indicators["YQ-03"].target) == (6.5, 15)
    assert filled.indicators["YQ-13"].target is True
    assert filled.bau_growth_rate == 0.02 and filled.emissions_tco2 == {2022: 850000}
    saved = openpyxl.load_workbook(out / "filled.xlsx")
    assert saved[INDICATORS].protection.sheet and saved[INDICATORS].row_dimensions[4].hidden
