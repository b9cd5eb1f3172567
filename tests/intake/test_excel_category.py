"""The 项目类别 (key-project category) column of the 重点项目 sheet: written as its Chinese label
with a drop-down list, read back by label or key, errors naming the cell, and workbooks made
before the column existed still read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.intake.cells import column_letter
from nzc_review.intake.excel import PROJECTS
from nzc_review.intake.excel.layout import FIRST_ROW, HEADER_ROW, project_columns
from tests.conftest import EXAMPLES
from tests.fixtures.workbooks import edit, example

COLUMN = column_letter(next(i for i, c in enumerate(project_columns(), start=1)
                            if c.key == "category"))
GREEN_ROW = FIRST_ROW + 2  # the park's third project, 绿电交易


@pytest.fixture
def park_xlsx(tmp_path) -> Path:
    return example("park-pass").write(tmp_path / "park.xlsx")


def _edit(path: Path, change) -> Path:
    return edit(path, lambda wb: change(wb[PROJECTS]))


def test_written_as_labels_with_a_list_and_read_back(park_xlsx):
    ws = openpyxl.load_workbook(park_xlsx)[PROJECTS]
    assert ws[f"{COLUMN}{HEADER_ROW}"].value == "项目类别"
    assert ws[f"{COLUMN}{GREEN_ROW}"].value == "绿电交易/绿证"
    lists = [dv for dv in ws.data_validations.dataValidation
             if f"{COLUMN}{FIRST_ROW}" in str(dv.sqref)]
    assert lists and "绿电交易/绿证" in lists[0].formula1 and "自建可再生能源" in lists[0].formula1
    app = load_application(park_xlsx)
    assert app == load_application(EXAMPLES / "park-pass.yaml")
    assert [p.category for p in app.key_projects][:3] == [
        "renewable_onsite", "fuel_switch", "green_electricity"]


def test_the_key_is_read_as_well(park_xlsx):
    _edit(park_xlsx, lambda ws: setattr(ws[f"{COLUMN}{GREEN_ROW}"], "value", "other"))
    assert load_application(park_xlsx).key_projects[2].category == "other"


def test_an_unknown_category_names_the_cell(park_xlsx):
    _edit(park_xlsx, lambda ws: setattr(ws[f"{COLUMN}{GREEN_ROW}"], "value", "买绿电"))
    with pytest.raises(InputError) as info:
        load_application(park_xlsx)
    message = str(info.value)
    assert f"park.xlsx: {PROJECTS}!{COLUMN}{GREEN_ROW} (项目类别, 绿电交易): expected one of " \
           "绿电交易/绿证、自建可再生能源" in message
    assert "got '买绿电'" in message


def test_a_blank_category_is_left_out(park_xlsx):
    _edit(park_xlsx, lambda ws: setattr(ws[f"{COLUMN}{GREEN_ROW}"], "value", None))
    assert load_application(park_xlsx).key_projects[2].category is None


def test_a_workbook_without_the_column_still_reads(park_xlsx):
    def drop(ws):
        ws.protection.sheet = False
        index = openpyxl.utils.column_index_from_string(COLUMN)
        ws.delete_cols(index)

    _edit(park_xlsx, drop)
    app = load_application(park_xlsx)
    assert [p.category for p in app.key_projects] == [None] * 7
    assert app.key_projects[2].expected_reduction_tco2_per_year == 179000
