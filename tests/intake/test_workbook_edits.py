"""The tests' cheap workbook edits (:mod:`tests.fixtures.workbooks`) give openpyxl the same
workbook as opening it with openpyxl, changing it and saving it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from nzc_review.intake import load_application
from nzc_review.intake.excel import BASIC, EMISSIONS, INDICATORS, PROJECTS, SCHEDULE
from tests.conftest import EXAMPLES
from tests.fixtures.workbooks import edit, example, patch_cells, recorded_cells

#: A value of every kind a test puts in a cell, each in a cell of its own.
VALUES = {
    (INDICATORS, "H7"): "十二",
    (INDICATORS, "G7"): " 12.5 ",  # kept with its spaces (xml:space)
    (INDICATORS, "H8"): 0.125,
    (INDICATORS, "G17"): True,
    (INDICATORS, "H17"): None,
    (INDICATORS, "H9"): "=10+5",  # a formula without a saved value
    (INDICATORS, "H10"): "#DIV/0!",  # an error cell
    (EMISSIONS, "B5"): "9" * 400,
    (BASIC, "B8"): "<园区 & 管委会>",  # escaped in the XML
    (BASIC, "B11"): 12345,
    (PROJECTS, "A6"): None,
}


def change(wb):
    for (sheet, ref), value in VALUES.items():
        wb[sheet][ref] = value


def cells(path):
    """Every cell of every sheet: value, type, number format, lock and font weight."""
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.value, c.data_type, c.number_format,
                                       c.protection.locked, c.font.b)
            for ws in wb for row in ws.iter_rows() for c in row}


@pytest.fixture
def pair(tmp_path):
    """The park workbook changed by patching its XML, and by openpyxl."""
    patched = example("park-pass").write(tmp_path / "patched.xlsx", change)
    by_openpyxl = example("park-pass").write(tmp_path / "openpyxl.xlsx")
    wb = openpyxl.load_workbook(by_openpyxl)
    change(wb)
    wb.save(by_openpyxl)
    return patched, by_openpyxl


def test_setting_values_patches_the_xml():
    assert recorded_cells(change) == VALUES
    assert patch_cells(example("park-pass").data, VALUES) is not None


def test_a_patched_workbook_is_the_one_openpyxl_saves(pair):
    patched, by_openpyxl = pair
    found = cells(patched)
    assert found == cells(by_openpyxl)
    assert found[(INDICATORS, "H9")][:2] == ("=10+5", "f")
    assert found[(INDICATORS, "H10")][:2] == ("#DIV/0!", "e")
    assert found[(INDICATORS, "G7")][0] == " 12.5 "


def test_what_cannot_be_patched_is_done_by_openpyxl(tmp_path):
    def merge(wb):
        wb[SCHEDULE].merge_cells("A7:A9")

    def formatted(wb):
        wb[BASIC]["B16"].value = 0.02
        wb[BASIC]["B16"].number_format = "0%"

    for unsupported in (merge, formatted, lambda wb: wb[BASIC]["B6"].value,
                        lambda wb: wb.remove(wb[SCHEDULE])):
        assert recorded_cells(unsupported) is None
    assert patch_cells(example("park-pass").data, {(EMISSIONS, "B5"): dt.datetime(2024, 5, 1)}) \
        is None  # a date needs a number format
    assert patch_cells(example("park-pass").data, {("Sheet1", "A1"): 1}) is None
    path = edit(example("park-pass").write(tmp_path / "app.xlsx", formatted), merge)
    wb = openpyxl.load_workbook(path)
    assert wb[BASIC]["B16"].number_format == "0%" and "A7:A9" in wb[SCHEDULE].merged_cells
    assert load_application(path).bau_growth_rate == 0.02


def test_a_filled_workbook_reads_as_its_application(tmp_path):
    path = example("park-pass").write(tmp_path / "park.xlsx")
    assert load_application(path) == load_application(EXAMPLES / "park-pass.yaml")
    assert example("park-pass").copy()[INDICATORS]["A7"].value == "YQ-03"
