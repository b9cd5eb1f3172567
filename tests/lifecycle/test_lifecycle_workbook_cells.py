"""Acceptance and disclosure workbooks read their cells with the application's vocabulary
(:mod:`nzc_review.intake.cells`): end to end through the loaders and the command line."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.intake.excel import workbook_bytes
from nzc_review.lifecycle.excel import read_workbook, write_workbook
from nzc_review.lifecycle.intake import load_acceptance
from tests.fixtures.applications import read_yaml
from tests.lifecycle.test_lifecycle_intake import ACCEPTED, in_examples


def acceptance_book(tmp_path, change=None, name="acc.xlsx"):
    """The example acceptance as a workbook in the examples' folder layout, edited by
    ``change(wb)``."""
    folder = in_examples(tmp_path)
    path = write_workbook(read_yaml(ACCEPTED), folder / name)
    if change is not None:
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        change(wb)
        path.write_bytes(workbook_bytes(wb))
    return path


def row_of(ws, first_column_value) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == first_column_value)


def test_percent_cell_and_check_box_read_like_the_yaml(tmp_path):
    def change(wb):
        ws = wb["指标"]
        ws.cell(row_of(ws, "YQ-05"), 2, 0.33).number_format = "0%"
        ws.cell(row_of(ws, "YQ-13"), 2, "☑")
        ws.cell(row_of(ws, "YQ-14"), 2, "T")
        years = wb["年度数据"]
        years.cell(row_of(years, 2026), 2, "428,500")

    case = load_acceptance(acceptance_book(tmp_path, change))
    from_yaml = load_acceptance(ACCEPTED)
    assert case.acceptance.achieved["YQ-05"].value == 33
    assert case.acceptance.achieved["YQ-13"].value is True
    assert case.acceptance.achieved["YQ-14"].value is True
    assert case.acceptance.emissions_tco2 == from_yaml.acceptance.emissions_tco2
    assert case.acceptance.achieved == from_yaml.acceptance.achieved


def test_unreadable_cells_exit_2_naming_sheet_and_cell(tmp_path, capsys):
    refs = {}

    def change(wb):
        ws = wb["指标"]
        refs["value"] = ws.cell(row_of(ws, "YQ-05"), 2, "1,2,3").coordinate
        years = wb["年度数据"]
        refs["year"] = years.cell(row_of(years, 2024), 1, 1800).coordinate
        basic = wb["基本信息"]
        refs["field"] = basic.cell(row_of(basic, "summary"), 1, "#REF!").coordinate

    book = acceptance_book(tmp_path, change, "bad.xlsx")
    assert main(["accept", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"bad.xlsx: 指标!{refs['value']} (value): expected a number, got '1,2,3'" in err
    assert (f"bad.xlsx: 年度数据!{refs['year']} (year): expected a year between 1990 and 2100, "
            "got 1800") in err
    assert (f"bad.xlsx: 基本信息!{refs['field']} (field): the cell shows the error #REF!; "
            "correct the formula or the value") in err
    assert "Traceback" not in err


def test_unknown_code_takes_yes_no_or_a_number_only(tmp_path):
    def change(wb):
        ws = wb["指标"]
        ws.append(["YQ-99", "大约一半"])

    with pytest.raises(InputError) as info:
        read_workbook(acceptance_book(tmp_path, change))
    assert "(value): expected a number or 是/否, got '大约一半'" in info.value.message


def test_written_whole_or_not_at_all(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(InputError, match="acc.xlsx: cannot write: No space left on device"):
        acceptance_book(tmp_path)
    assert sorted(p.name for p in (tmp_path / "lifecycle" / "acceptance").iterdir()) == []
