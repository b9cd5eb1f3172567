"""Reading lifecycle files: format detection, clear errors naming file and field, application
references, merging disclosures, and the workbook layout."""

from __future__ import annotations

import copy
import shutil

import pytest

from nzc_review.errors import InputError
from nzc_review.lifecycle.excel import read_workbook, write_workbook
from nzc_review.lifecycle.intake import (
    AcceptanceCase,
    DisclosureFile,
    load_acceptance,
    load_document,
    load_histories,
)
from nzc_review.policy.application import Application
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.applications import read_yaml, write_data

LIFECYCLE = ROOT / "examples" / "lifecycle"
ACCEPTED = LIFECYCLE / "acceptance" / "park-accepted.yaml"


def acceptance_data() -> dict:
    return read_yaml(ACCEPTED)


def write(tmp_path, data, name="acc.yaml"):
    return write_data(tmp_path / name, data)


def in_examples(tmp_path):
    """A copy of the acceptance folder layout, so that ../../applications resolves."""
    (tmp_path / "applications").mkdir(exist_ok=True)
    shutil.copy(EXAMPLES / "park-pass.yaml", tmp_path / "applications" / "park-pass.yaml")
    folder = tmp_path / "lifecycle" / "acceptance"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def error(path) -> str:
    with pytest.raises(InputError) as info:
        load_document(path)
    return info.value.message


def test_kind_is_told_by_the_format_key_whatever_the_suffix(tmp_path):
    assert isinstance(load_document(ACCEPTED), AcceptanceCase)
    disclosure = LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml"
    assert isinstance(load_document(disclosure), DisclosureFile)
    assert isinstance(load_document(EXAMPLES / "park-pass.yaml"), Application)
    odd = tmp_path / "disclosure.txt"  # unknown suffix: read as YAML (JSON too)
    shutil.copy(disclosure, odd)
    assert isinstance(load_document(odd), DisclosureFile)
    folder = in_examples(tmp_path)
    as_json = write(folder, acceptance_data(), "acc.json")
    case = load_acceptance(as_json)
    assert case.application.id == "DEMO-2024-YQ-001" and case.acceptance.achieved_year == 2026


def test_unknown_or_missing_format(tmp_path):
    assert error(write(tmp_path, {"id": 1})) == (
        "acc.yaml: format: required field is missing; expected one of nzc-application/1, "
        "nzc-acceptance/1, nzc-disclosure/1")
    assert "unknown format 'nzc-acceptance/9'" in error(write(tmp_path, {"format":
                                                                          "nzc-acceptance/9"}))
    assert "expected a mapping" in error(write(tmp_path, [1, 2]))
    with pytest.raises(InputError, match="format: expected nzc-acceptance/1, got nzc-disclosure/1"):
        load_acceptance(LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml")


def test_errors_name_the_file_and_the_field(tmp_path):
    folder = in_examples(tmp_path)
    data = acceptance_data()
    data["achived_year"] = data.pop("achieved_year")
    message = error(write(folder, data))
    assert "acc.yaml: achived_year: unknown field 'achived_year' (did you mean 'achieved_year'?)" \
        in message
    assert "acc.yaml: achieved_year: required field is missing" in message

    data = acceptance_data()
    data["achieved"]["YQ-03"] = {"value": True}
    data["achieved"]["QY-01"] = {"value": 30}
    data["key_projects"][0]["name"] = "屋顶光伏"
    data["key_projects"][1]["actual_reduction_tco2_per_year"] = -5
    message = error(write(folder, data))
    assert "key_projects[1].actual_reduction_tco2_per_year" in message
    data["key_projects"][1]["actual_reduction_tco2_per_year"] = 5
    message = error(write(folder, data))
    assert "acc.yaml: achieved.YQ-03.value: expected a number, got true" in message
    assert "acc.yaml: achieved.QY-01: QY-01 is an indicator of pilot type region, not of park" \
        in message
    assert ("acc.yaml: key_projects[0].name: no key project named '屋顶光伏' in application "
            "DEMO-2024-YQ-001 (did you mean '屋顶分布式光伏'?)") in message


def test_achieved_year_needs_its_emissions(tmp_path):
    folder = in_examples(tmp_path)
    data = acceptance_data()
    data["achieved_year"] = 2027
    assert "acc.yaml: emissions_tco2: must give the emissions of the achieved year 2027" in \
        error(write(folder, data))


def test_application_reference(tmp_path):
    folder = in_examples(tmp_path)
    data = acceptance_data()
    data["application"]["id"] = "DEMO-2024-YQ-999"
    assert ("acc.yaml: application.id: the application given has id 'DEMO-2024-YQ-001', not "
            "'DEMO-2024-YQ-999'") in error(write(folder, data))
    data = acceptance_data()
    data["application"]["file"] = "../nowhere.yaml"
    assert "acc.yaml: application.file: ../nowhere.yaml: nowhere.yaml: file not found" in \
        error(write(folder, data))
    data = acceptance_data()
    data["application"]["content"] = {"format": "nzc-application/1"}
    assert "exactly one of them" in error(write(folder, data))
    # embedded: errors are located inside application.content
    data = acceptance_data()
    app = read_yaml(EXAMPLES / "park-pass.yaml")
    data["application"] = {"id": app["id"], "content": app}
    assert load_document(write(tmp_path, data)).application.id == app["id"]
    broken = copy.deepcopy(app)
    broken["indicators"]["YQ-03"]["target"] = True
    data["application"]["content"] = broken
    assert ("acc.yaml: application.content.indicators.YQ-03.target: expected a number, got true"
            in error(write(tmp_path, data)))


def disclosure(year: int, **pilot) -> dict:
    return {"format": "nzc-disclosure/1",
            "pilot": {"id": "T-1", "name": "测试", "pilot_type": "park", **pilot},
            "years": {year: {"emissions_tco2": 100}}}


def test_disclosure_checks(tmp_path):
    assert ("d.yaml: years.2022: a disclosed year must be after the base year 2022"
            in error(write(tmp_path, disclosure(2022), "d.yaml")))
    data = disclosure(2025)
    data["years"][2025]["indicators"] = {"YQ-13": {"value": 1}}
    data["years"][2025]["energy"] = {"electricity_mwh": 10, "green_electricity_mwh": 20}
    message = error(write(tmp_path, data, "d.yaml"))
    assert "d.yaml: years.2025.indicators.YQ-13.value: expected true or false, got 1" in message
    assert "d.yaml: years.2025.energy.green_electricity_mwh: green electricity" in message
    data = disclosure(2025)
    data["years"]["2025x"] = data["years"].pop(2025)
    assert "years.2025x: expected a year" in error(write(tmp_path, data, "d.yaml"))


def test_merging_disclosures(tmp_path):
    write(tmp_path, disclosure(2025), "a.yaml")
    write(tmp_path, disclosure(2026, accepted_year=2024, organization="新名称"), "b.yaml")
    (h,) = load_histories([tmp_path])
    assert list(h.years) == [2025, 2026]
    # later files win field by field where they give a value
    assert (h.pilot.accepted_year, h.pilot.organization) == (2024, "新名称")
    write(tmp_path, disclosure(2026), "c.yaml")
    with pytest.raises(InputError, match="c.yaml: years.2026: pilot T-1 discloses 2026 also in"):
        load_histories([tmp_path])
    (tmp_path / "c.yaml").unlink()
    write(tmp_path, disclosure(2027, pilot_type="campus"), "c.yaml")
    with pytest.raises(InputError, match="c.yaml: pilot.pilot_type: 'campus' differs from 'park'"):
        load_histories([tmp_path])


def test_every_invalid_file_is_reported_together(tmp_path):
    write(tmp_path, disclosure(2022), "a.yaml")
    (tmp_path / "b.yaml").write_text("format: nzc-disclosure/1\nyears: [oops\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_histories([tmp_path])
    assert "a.yaml: years.2022" in info.value.message
    assert "b.yaml: line" in info.value.message and "invalid YAML" in info.value.message
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no disclosure files found"):
        load_histories([empty])


def test_workbook_round_trip_and_cell_errors(tmp_path):
    folder = in_examples(tmp_path)
    data = acceptance_data()
    book = write_workbook(data, folder / "acc.xlsx")
    assert read_workbook(book) == data
    case = load_acceptance(book)  # read by content, validated like the YAML file
    assert case.acceptance.achieved["YQ-13"].value is True
    multi = read_yaml(LIFECYCLE / "monitoring" / "campus-exit" / "disclosures-2023-2027.yaml")
    book = write_workbook(multi, tmp_path / "d.xlsx")
    assert read_workbook(book) == multi
    assert isinstance(load_document(book), DisclosureFile)

    import openpyxl

    wb = openpyxl.load_workbook(folder / "acc.xlsx")
    wb["年度数据"]["B2"] = "约六十万"
    wb.save(folder / "bad.xlsx")
    with pytest.raises(InputError) as info:
        load_document(folder / "bad.xlsx")
    assert ("bad.xlsx: 年度数据!B2 (emissions_tco2): expected a number, got '约六十万'"
            in info.value.message)
    # an application workbook is still read as an application
    assert isinstance(load_document(EXAMPLES / "park-pass.xlsx"), Application)
