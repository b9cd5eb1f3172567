"""The energy sheet's new columns (coke, fuel oil, biomass, process emissions, carbon sinks) and
the sheet 其他燃料 (layout 3): lossless round trips, errors at their cells, and workbooks written
before them."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from nzc_review.errors import InputError
from nzc_review.intake import load_application, validate_application
from nzc_review.intake.excel import ENERGY, write_workbook
from nzc_review.intake.excel.layout import ENERGY_LAYOUT_3, KEY_ROW, LAYOUT_PROPERTY, OTHER_FUELS
from tests.conftest import EXAMPLES
from tests.fixtures.applications import read_yaml
from tests.fixtures.workbooks import Filled, edit, example

FUELS = [{"name": "兰炭", "amount": 1200.5, "unit": "t", "tce_per_unit": 0.9,
          "tco2_per_unit": 2.7, "source": "供应商检测报告（2023）"},
         {"name": "沼气", "amount": 30, "unit": "10^4 m3", "tce_per_unit": 7.143,
          "tco2_per_unit": 0, "source": "=实测热值，生物质燃料"}]


def _app(**energy_2023):
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["energy"][2023].update({
        "coke_t": 500, "fuel_oil_t": 80.25, "biomass_tce": 1500,
        "process_emissions_tco2": 12000, "process_method": "熟料生产过程排放\n按行业核算指南",
        "carbon_sink_tco2": 3500, "carbon_sink_method": "园区绿地碳汇（示例）",
        "other_fuels": FUELS, **energy_2023})
    data["energy"][2024] = {"other_fuels": [FUELS[0]]}  # a year with other fuels only
    return validate_application(data, "park.yaml")


@pytest.fixture(scope="module")
def filled() -> Filled:
    """The application with the new energy columns and other fuels as a workbook, built once."""
    return Filled.of(_app(), "park.yaml")


@pytest.fixture
def xlsx(tmp_path, filled) -> Path:
    return filled.write(tmp_path / "app.xlsx")


@pytest.fixture(scope="module")
def columns(filled) -> dict[str, dict[str, int]]:
    """The column of each field key, by sheet (looked up once, so that an edit sets cells only)."""
    wb = filled.copy()
    return {name: {wb[name].cell(KEY_ROW, c).value: c for c in range(1, wb[name].max_column + 1)}
            for name in (ENERGY, OTHER_FUELS)}


def _column(ws, key: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(KEY_ROW, c).value == key)


def test_round_trip_is_lossless(xlsx, tmp_path):
    app = _app()
    back = load_application(xlsx)
    assert back == app
    assert back.energy[2023].other_fuels[1].source == "=实测热值，生物质燃料"  # text, not a formula
    again = tmp_path / "again.xlsx"
    write_workbook(back, again)
    assert load_application(again) == app


def test_the_sheet_and_columns_are_laid_out(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[OTHER_FUELS]
    assert [ws.cell(3, c).value for c in range(1, 8)] == [
        "年份", "燃料名称", "消费量", "计量单位", "折标准煤系数（tce/计量单位）",
        "CO2排放因子（tCO2/计量单位）", "系数来源"]
    assert [ws.cell(r, 2).value for r in (5, 6, 7)] == ["兰炭", "沼气", "兰炭"]
    energy = wb[ENERGY]
    method = _column(energy, "process_method")
    assert energy.cell(3, method).value == "工业过程排放核算方法"
    # numbers only where numbers belong: no number validation on the method columns
    numbers = [str(dv.sqref) for dv in energy.data_validations.dataValidation
               if dv.type == "decimal"]
    letter = openpyxl.utils.get_column_letter(method)
    assert numbers and not any(r.startswith(letter) for s in numbers for r in s.split())
    assert {p.name: p.value for p in wb.custom_doc_props.props} == {LAYOUT_PROPERTY: "3"}


def test_a_missing_factor_is_reported_at_its_row(xlsx, columns):
    def clear(wb):
        wb[OTHER_FUELS].cell(5, columns[OTHER_FUELS]["tco2_per_unit"]).value = None

    with pytest.raises(InputError) as info:
        load_application(edit(xlsx, clear))
    message = str(info.value)
    assert "app.xlsx: 其他燃料!A5:G5 (2023 兰炭): tco2_per_unit is missing: the other fuel '兰炭'" \
        in message, message


def test_cells_are_read_and_errors_name_them(xlsx, columns):
    def change(wb):
        ws = wb[OTHER_FUELS]
        ws.cell(6, columns[OTHER_FUELS]["amount"]).value = "约三十"
        ws.cell(9, columns[OTHER_FUELS]["name"]).value = "煤气"  # a row without a year

    with pytest.raises(InputError) as info:
        load_application(edit(xlsx, change))
    message = str(info.value)
    assert "其他燃料!C6 (消费量, 2023 沼气): expected a number, got '约三十'" in message, message
    assert "其他燃料!A9 (年份): the year is empty" in message


def test_a_method_left_out_is_reported_at_the_year_row(xlsx, columns):
    def change(wb):  # 2023; the amount stays
        wb[ENERGY].cell(6, columns[ENERGY]["process_method"]).value = None

    with pytest.raises(InputError) as info:
        load_application(edit(xlsx, change))
    message = str(info.value)
    assert "app.xlsx: 能源与基础数据!A6:" in message and "(2023): process_method is missing" \
        in message, message


def test_workbooks_written_before_layout_3_still_read(tmp_path):
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    app = validate_application(data, "park.yaml")

    def layout_2(wb):
        wb.remove(wb[OTHER_FUELS])
        energy = wb[ENERGY]
        for key in sorted(ENERGY_LAYOUT_3, key=lambda k: -_column(energy, k)):
            energy.delete_cols(_column(energy, key))
        wb.custom_doc_props.props.clear()
        from openpyxl.packaging.custom import StringProperty

        wb.custom_doc_props.append(StringProperty(name=LAYOUT_PROPERTY, value="2"))

    path = example("park-pass").write(tmp_path / "old.xlsx", layout_2)
    assert load_application(path) == app


def test_a_deleted_sheet_of_layout_3_is_an_error(xlsx):
    edit(xlsx, lambda wb: wb.remove(wb[OTHER_FUELS]))
    with pytest.raises(InputError, match="app.xlsx: 其他燃料: the sheet is missing"):
        load_application(xlsx)
