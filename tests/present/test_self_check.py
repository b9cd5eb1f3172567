"""The applicant's checklist (申报自查, nzc_review.present.self_check): the reader's errors at
their sheet and cell, in Chinese; the evaluation's findings, most important first."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from nzc_review.errors import InputError
from nzc_review.intake import validate_application
from nzc_review.present.self_check import (
    CATEGORIES,
    GENERAL_ZH,
    CheckItem,
    check_file,
    checklist_html,
    place_zh,
    problem_zh,
)
from tests.conftest import EXAMPLES, minimal_app
from tests.fixtures.workbooks import edit, example

#: English words a Chinese sentence may hold: names of formats and programs, units, codes.
ALLOWED_WORDS = {"Excel", "WPS", "LibreOffice", "YAML", "JSON", "xlsx", "true", "false", "TRUE",
                 "FALSE", "tCO2", "MWh", "UTF", "value", "evidence", "region", "park",
                 "community", "campus", "commercial", "per_capita", "per_output_value",
                 "per_industrial_value_added", "location", "green_deducted"}


def _english(text: str, message: str = "") -> list[str]:
    """Latin words of four letters or more that are not allowed in a Chinese sentence: the
    names above, and the data the reader's ``message`` quotes (values, field names, codes)."""
    data = set(re.findall(r"[A-Za-z_]+", " ".join(re.findall(r"'([^']*)'", message))))
    data |= set(re.findall(r"\w*_\w*", message))
    data |= set(re.findall(r"[A-Za-z_]+", message.partition("expected one of ")[2]))
    return [w for w in re.findall(r"[A-Za-z_]{4,}", text) if w not in ALLOWED_WORDS | data]


def _cell(ws, code: str, key: str) -> str:
    """The coordinate of the cell of field ``key`` (hidden key row) in the row of ``code``."""
    col = next(c.column_letter for c in ws[4] if c.value == key)
    row = next(r[0].row for r in ws.iter_rows(min_row=5) if r[0].value == code)
    return f"{col}{row}"


@pytest.fixture
def damaged(tmp_path) -> tuple[Path, dict[str, str]]:
    """The park example as a workbook (the template filled by the tool), damaged in openpyxl:
    a text in a number cell (YQ-03's target), a required cell emptied (申报编号)."""
    wb = example("park-pass").copy()  # the cells to damage
    target = _cell(wb["指标"], "YQ-03", "target")
    basic = wb["基本信息"]
    id_row = next(r[0].row for r in basic.iter_rows(min_row=5) if r[3].value == "id")

    def damage(book):
        book["指标"][target] = "十二"
        book["基本信息"][f"B{id_row}"] = None

    path = example("park-pass").write(tmp_path / "园区申报.xlsx", damage)
    return path, {"target": f"指标!{target}", "id": f"基本信息!B{id_row}"}


def test_a_damaged_workbook_names_the_sheet_and_cell_of_each_error(damaged):
    path, cells = damaged
    result = check_file(path, "xlsx")
    assert not result.readable and result.evaluation is None
    assert [i.category for i in result.items] == ["input", "input"]
    places = {i.place: i.text for i in result.items}
    assert places[f"{cells['id']}（申报编号）"] == "必填项未填写，请补充。"
    assert places[f"{cells['target']}（目标值，YQ-03）"] == "应填写数字，实际为“十二”。"
    assert result.items[0].place.startswith("基本信息!")  # the reader's order: sheet by sheet
    for item in result.items:
        assert not _english(item.text), item


def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as info:
        validate_application(data, "app.yaml")
    return info.value.problems


def _bad_applications() -> list[dict]:
    """Applications each wrong in a few ways the reader reports together (the model's checks
    first; the catalog's only once the model holds)."""
    base = minimal_app("park")
    catalog_checks = {
        "indicators": {"YQ-13": {"target": 2}, "YQ-99": {"target": 1}, "XY-01": {"target": 1},
                       "YQ-02": {"target": 40, "basis": "per_capita"}, "YQ-C01": {"target": 3},
                       "XY-C01": {"name": "x", "direction": "yes", "target": True},
                       "YQ-01": {"target": 140}, "YQ-03": {"target": 12, "benchmark": 3},
                       "YQ-04": {"target": 120, "name": "改名"}},
        "eligibility": {"no_such": True}, "proofs": {"no_such": ["a.pdf"]},
        "energy": {2022: {"electricity_mwh": 10, "green_electricity_mwh": 20}},
    }
    return [
        {**base, "indicators": {"YQ-03": {"target": "十二"}}},
        {**base, "naem": "x", "id": "../x", "pilot_type": "harbour"},
        {**base, "period": {"start": 2026, "end": 2024}, "base_year": 2021},
        {**base, "key_projects": [{"name": "光伏", "start_year": 2025, "end_year": 2024}]},
        {**base, "key_projects": [{"name": "光伏", "expected_reduction_tco2_per_year": -5}]},
        {**base, "energy": {2022: {"other_fuels": [{"name": "沼气", "amount": 3, "unit": "m3"}],
                                   "process_emissions_tco2": 5}}},
        {**base, "energy": {2022: {"carbon_sink_tco2": 5}}},
        {**base, "emissions_tco2": {"base": 1, 2023: 2e12}, "schedule": "2024"},
        {k: v for k, v in base.items() if k != "id"},
        {**base, **catalog_checks},
    ]


def test_every_message_of_the_reader_is_said_in_chinese():
    problems = [p for data in _bad_applications() for p in _problems(data)]
    assert len(problems) >= 25
    for _location, message in problems:
        text = problem_zh(message)
        assert text != GENERAL_ZH, message
        assert not _english(text, message), (message, text)


def test_workbook_damages_are_said_in_chinese(tmp_path):
    source = EXAMPLES / "campus-incomplete.xlsx"
    damages = [
        lambda wb: wb["指标"].__setitem__("G7", "12%"),  # a percentage where none belongs
        lambda wb: wb.remove(wb["进度安排"]),  # a sheet deleted
        lambda wb: wb["碳排放"].__setitem__("A5", "二〇二二"),  # not a year
        lambda wb: wb["遴选条件"].__setitem__("E5", "也许"),  # not 是/否
        lambda wb: wb["碳排放"].__setitem__("B5", "=1/0"),  # a formula with no saved result
        lambda wb: wb["指标"].merge_cells("G5:H5"),  # merged cells in the data area
        lambda wb: wb["指标"].delete_rows(9),  # an indicator's row deleted
        lambda wb: wb["重点项目"].delete_cols(2),  # a column deleted
    ]
    seen = []
    for n, damage in enumerate(damages):
        path = tmp_path / f"d{n}.xlsx"
        shutil.copy(source, path)
        result = check_file(edit(path, damage), "xlsx")
        assert not result.readable, n
        seen += result.items
    for item in seen:
        assert item.text != GENERAL_ZH and not _english(item.text), item


def test_an_unknown_message_is_still_chinese_and_keeps_its_place():
    assert problem_zh("a brand new kind of problem") == GENERAL_ZH
    assert place_zh("指标!H7 (目标值, YQ-03)") == "指标!H7（目标值，YQ-03）"
    assert place_zh("碳排放!B6 (碳排放总量（tCO2）, 2023)") == "碳排放!B6（碳排放总量（tCO2），2023）"
    assert place_zh("line 3, column 5") == "第 3 行第 5 列"
    assert place_zh("indicators.YQ-03.target") == "indicators.YQ-03.target"
    assert place_zh("") == "整个文件"


def test_a_readable_application_gets_the_evaluations_findings_most_important_first():
    result = check_file(EXAMPLES / "campus-incomplete.xlsx", "xlsx")
    assert result.readable
    ranks = [i.rank for i in result.items]
    assert ranks == sorted(ranks)
    categories = {i.category for i in result.items}
    assert {"eligibility", "core_missing", "completeness", "forecast"} <= categories
    assert "input" not in categories
    eligibility = [i for i in result.items if i.category == "eligibility"]
    assert eligibility[0].text.startswith("不符合遴选条件")  # not met before unanswered
    assert any(i.text.startswith("遴选条件未作答") for i in eligibility)
    # a workbook's places are its sheets, never the file format's field names
    completeness = [i for i in result.items if i.category == "completeness"]
    assert any(i.place == "“重点项目”工作表" for i in completeness)
    assert not any("basis_and_feasibility" in i.text + i.place for i in completeness)
    benchmark = next(i for i in result.items if i.place.startswith("“指标”工作表 XY-03"))
    assert "基准值" in benchmark.place and "未填写基准值" in benchmark.text
    for item in result.items:
        assert item.label == CATEGORIES[item.category][1]


def test_a_failed_core_indicator_is_first_and_names_the_veto_rule():
    result = check_file(EXAMPLES / "community-fail.yaml", "yaml")
    first = result.items[0]
    assert (first.category, first.place) == ("core", "indicators.SQ-02.target")
    assert "一票否决" in first.text and "本工具默认规则" in first.text
    assert first.source == "附件1 表3"
    completeness = [i for i in result.items if i.category == "completeness"]
    assert {i.place for i in completeness} <= {"safeguards", "proofs"}  # a file's own fields


def test_the_same_application_as_a_workbook_is_placed_on_its_sheets():
    result = check_file(EXAMPLES / "community-fail.xlsx", "xlsx")
    assert result.items[0].place == "“指标”工作表 SQ-02 行（目标值）"


def test_a_complete_application_has_no_input_errors_and_a_yaml_error_names_its_field(tmp_path):
    good = check_file(EXAMPLES / "park-pass.xlsx", "xlsx")
    assert good.readable and not [i for i in good.items if i.rank <= 4]
    data = yaml.safe_load((EXAMPLES / "park-pass.yaml").read_text(encoding="utf-8"))
    data["indicators"]["YQ-03"]["target"] = True
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bad = check_file(path, "yaml")
    assert [(i.place, i.text) for i in bad.items] == [
        ("indicators.YQ-03.target", "应填写数字，实际为 true。")]


def test_the_checklist_table_escapes_every_text_and_says_when_nothing_is_found():
    item = CheckItem("input", "指标!H7", "<script>alert(1)</script>", "<b>")
    html = checklist_html([item])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "填写错误 1 项" in html
    assert "未发现需修改或补充的内容" in checklist_html([])
    many = checklist_html([item] * 105, shown=100)
    assert "另有 5 项未列出" in many and many.count("<tr>") == 101
