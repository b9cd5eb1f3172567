"""The sheets 创新指标 (附件2 三) and 建设基础与主要任务 (附件2 二、四) of an application workbook:
lossless round trips, cell errors at their cells, and workbooks written before the sheets."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from nzc_review.errors import InputError
from nzc_review.intake import load_application, validate_application
from nzc_review.intake.excel import BASIS_TASKS, INNOVATIVE, SHEETS, write_template, write_workbook
from nzc_review.intake.excel.layout import LAYOUT_PROPERTY
from nzc_review.intake.excel.outline_sheets import layout_version
from tests.conftest import EXAMPLES
from tests.fixtures.applications import read_yaml
from tests.fixtures.workbooks import Filled, edit, example

INNOVATIVE_INDICATORS = {
    "YQ-C01": {"name": "企业屋顶光伏覆盖率", "unit": "%", "direction": "at_least",
               "current": 18, "target": 60.5, "evidence": "屋顶资源普查\n第二行"},
    "YQ-C02": {"name": "近零碳示范工厂", "direction": "yes", "current": False, "target": True},
    "YQ-C07": {"name": "单位工业增加值新鲜水耗", "unit": "m3/万元", "direction": "at_most",
               "current": 9.6, "target": 7.25, "note": "=不是公式"},
}


def _app(**extra):
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["indicators"] = {k: v for k, v in data["indicators"].items() if "-C" not in k}
    data["indicators"].update(INNOVATIVE_INDICATORS)
    data["basis_and_feasibility"] = {"conditions": "有利：电网\n障碍：燃煤锅炉存量大",
                                     "work_basis": "已建光伏 30 MW", "feasibility_conclusion": "可行"}
    data["main_tasks"] = {"planning_construction": ["编制规划", "准入管理"],
                          "energy_use": ["屋顶光伏"], "technology_process": ["电机改造"]}
    data.update(extra)
    return validate_application(data, "park.yaml")


@pytest.fixture(scope="module")
def filled() -> Filled:
    """The application with innovative indicators and 二、四 as a workbook, built once."""
    return Filled.of(_app(), "park.yaml")


@pytest.fixture
def xlsx(tmp_path, filled) -> Path:
    return filled.write(tmp_path / "app.xlsx")


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_application(path)
    return str(info.value)


def _row(ws, code: str) -> int:
    return next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == code)


def test_round_trip_is_lossless(xlsx, tmp_path):
    app = _app()
    back = load_application(xlsx)
    assert back == app
    assert back.indicators["YQ-C07"].note == "=不是公式"
    assert back.main_tasks.planning_construction == ["编制规划", "准入管理"]
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[INNOVATIVE]
    row = _row(ws, "YQ-C02")
    assert [ws.cell(row, c).value for c in range(1, 7)] == [
        "YQ-C02", "近零碳示范工厂", None, "是否达成（是/否）", "否", "是"]
    # the pre-numbered rows continue with the free codes
    codes = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert codes[:5] == ["YQ-C01", "YQ-C02", "YQ-C07", "YQ-C03", "YQ-C04"]
    assert wb[INNOVATIVE]["D5"].value == "不低于现状（越高越好）"
    again = tmp_path / "again.xlsx"
    write_workbook(back, again)
    assert load_application(again) == app


def test_template_sheets(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template("commercial", path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    assert SHEETS.index(INNOVATIVE) == SHEETS.index("指标") + 1
    ws = wb[INNOVATIVE]
    assert [ws.cell(r, 1).value for r in range(5, 15)] == [f"SY-C{n:02d}" for n in range(1, 11)]
    assert not ws["B5"].protection.locked and ws.protection.sheet
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists == ['"不低于现状（越高越好）,不高于现状（越低越好）,是否达成（是/否）"']
    tasks = wb[BASIS_TASKS]
    assert [tasks.cell(r, 1).value for r in range(5, 13)] == [
        "二（一）有利条件和面临障碍", "二（二）工作基础及特色亮点", "二（三）可行性结论",
        "四、主要任务：规划建设", "四、主要任务：能源利用", "四、主要任务：资源环境",
        "四、主要任务：技术工艺", "四、主要任务：运营管理"]
    assert {p.name: p.value for p in wb.custom_doc_props.props} == {LAYOUT_PROPERTY: "3"}
    # an untouched template has nothing on either sheet
    wb["基本信息"]["B6"], wb["基本信息"]["B8"] = "T-SY-1", "测试商场"
    wb.save(path)
    app = load_application(path)
    assert not app.indicators and app.main_tasks.energy_use is None


def test_cells_read_by_direction_and_area(xlsx):
    def change(wb):
        ws = wb[INNOVATIVE]
        ws["B14"], ws["D14"], ws["E14"], ws["F14"] = "绿色供应链", "不高于现状", "12%", "1,000"
        ws["C14"] = "%"
        ws["B13"], ws["D13"], ws["F13"] = "碳普惠", "是否", "√"
        tasks = wb[BASIS_TASKS]
        tasks["A30"], tasks["B30"] = "资源环境", "余热利用"
        tasks["B31"] = "再生水回用"  # the area above continues
        tasks["A32"], tasks["B32"] = "operation_management", "能源管理平台"

    app = load_application(edit(xlsx, change))
    by_name = {v.name: (k, v) for k, v in app.indicators.items() if v.name}
    _code, supply = by_name["绿色供应链"]
    assert (supply.direction, supply.current, supply.target) == ("at_most", 12, 1000)
    assert by_name["碳普惠"][1].target is True and by_name["碳普惠"][1].direction == "yes"
    assert app.main_tasks.resources_environment == ["余热利用", "再生水回用"]
    assert app.main_tasks.operation_management == ["能源管理平台"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda wb: wb[INNOVATIVE].__setitem__("D5", "更好"),
         "app.xlsx: 创新指标!D5 (方向, YQ-C01): expected one of 不低于现状（越高越好）、"
         "不高于现状（越低越好）、是否达成（是/否）, got '更好'"),
        (lambda wb: wb[INNOVATIVE].__setitem__("D5", None),
         "app.xlsx: 创新指标!D5 (方向, YQ-C01): an innovative indicator needs a direction"),
        (lambda wb: wb[INNOVATIVE].__setitem__("B5", None),
         "app.xlsx: 创新指标!B5 (指标名称, YQ-C01): an innovative indicator needs a name"),
        (lambda wb: wb[INNOVATIVE].__setitem__("F6", 3),
         "app.xlsx: 创新指标!F6 (目标值, YQ-C02): expected 是 or 否, got 3"),
        (lambda wb: wb[INNOVATIVE].__setitem__("E5", "十八"),
         "app.xlsx: 创新指标!E5 (现状值, YQ-C01): expected a number, got '十八'"),
        (lambda wb: wb[INNOVATIVE].__setitem__("A5", "YQ-03"),
         "app.xlsx: 创新指标!A5:H5 (YQ-03): YQ-03 is not an innovative indicator code: number "
         "them YQ-C01, YQ-C02, …"),
        (lambda wb: wb[INNOVATIVE].__setitem__("A5", "XY-C01"),
         "app.xlsx: 创新指标!A5:H5 (XY-C01): XY-C01 is an innovative indicator code of pilot "
         "type campus, not of park"),
        (lambda wb: wb[INNOVATIVE].__setitem__("A6", "YQ-C01"),
         "app.xlsx: 创新指标!A6:H6 (YQ-C01): YQ-C01 appears twice (rows 5 and 6)"),
        (lambda wb: wb[INNOVATIVE].__setitem__("A5", None),
         "app.xlsx: 创新指标!A5:H5: values in a row without an indicator code (指标代码)"),
        (lambda wb: wb["指标"].__setitem__("A7", "YQ-C09"),
         "app.xlsx: 指标!A7:M7 (YQ-C09): YQ-C09 is not an indicator code of park (innovative "
         "indicators go on the sheet 创新指标)"),
        (lambda wb: wb[BASIS_TASKS].__setitem__("A30", "五、重点项目"),
         "app.xlsx: 建设基础与主要任务!A30 (内容项): expected one of 二（一）有利条件和面临障碍、"),
        (lambda wb: (wb[BASIS_TASKS].__setitem__("A30", "可行性结论"),
                     wb[BASIS_TASKS].__setitem__("B30", "再写一遍")),
         "app.xlsx: 建设基础与主要任务!A30:B30 (二（三）可行性结论): 二（三）可行性结论 appears "
         "twice (rows 7 and 30)"),
        # row 8 is the first task row: with its 内容项 emptied nothing above names an area
        (lambda wb: (wb[BASIS_TASKS].__setitem__("B8", "紧跟可行性结论"),
                     wb[BASIS_TASKS].__setitem__("A8", None)),
         "app.xlsx: 建设基础与主要任务!A8 (内容项): the 内容项 is empty (and there is no area of "
         "主要任务 above)"),
    ],
)
def test_errors_name_the_cell(xlsx, change, expected):
    message = _error(edit(xlsx, change))
    assert expected in message, message
    assert "Traceback" not in message


def test_workbooks_written_before_the_sheets_still_read(tmp_path):
    app = _app(basis_and_feasibility={}, main_tasks={}, indicators={
        k: v for k, v in _app().indicators.items() if "-C" not in k})
    def layout_1(wb):
        for name in (INNOVATIVE, BASIS_TASKS):
            wb.remove(wb[name])
        wb.custom_doc_props.props.clear()

    path = Filled.of(app, "old.xlsx").write(tmp_path / "old.xlsx", layout_1)
    assert layout_version(openpyxl.load_workbook(path)) == 1
    assert load_application(path) == app


@pytest.mark.parametrize("sheet", [INNOVATIVE, BASIS_TASKS])
def test_a_deleted_sheet_of_layout_2_is_an_error(xlsx, sheet):
    edit(xlsx, lambda wb: wb.remove(wb[sheet]))
    assert f"app.xlsx: {sheet}: the sheet is missing" in _error(xlsx)


def test_examples_carry_them(tmp_path):
    for path in sorted(EXAMPLES.glob("*.yaml")):
        app = load_application(path)
        out = example(path.stem).write(tmp_path / f"{path.stem}.xlsx")
        assert load_application(out) == app, path.name
