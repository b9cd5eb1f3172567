"""Reading application files: every error names the file and the field."""

from __future__ import annotations

import json

import pytest

from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.policy.application import json_schema
from tests.conftest import EXAMPLES, minimal_app


def _error(write_app, data, name="app.yaml") -> str:
    with pytest.raises(InputError) as info:
        load_application(write_app(data, name))
    return str(info.value)


def test_examples_load():
    paths = sorted(EXAMPLES.glob("*.yaml"))
    assert len(paths) >= 5
    types = {load_application(p).pilot_type for p in paths}
    assert types == {"region", "park", "community", "campus", "commercial"}


def test_json_equals_yaml(write_app):
    data = minimal_app("park", indicators={"YQ-03": {"current": 6.5, "target": 12}},
                       emissions_tco2={2022: 10, 2023: 9})
    a = load_application(write_app(data, "a.yaml"))
    b = load_application(write_app(data, "a.json"))
    assert a == b
    assert b.emissions_tco2 == {2022: 10, 2023: 9}


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"indicators": {"YQ-03": {"target": True}}},
         "app.yaml: indicators.YQ-03.target: expected a number, got true"),
        ({"indicators": {"YQ-13": {"current": 1}}},
         "app.yaml: indicators.YQ-13.current: expected true or false, got 1"),
        ({"indicators": {"YQ-99": {}}}, "app.yaml: indicators.YQ-99: unknown indicator code"),
        ({"indicators": {"XY-01": {}}},
         "app.yaml: indicators.XY-01: XY-01 is an indicator of pilot type campus, not of park"),
        ({"indicators": {"YQ-03": {"target": 120}}},
         "indicators.YQ-03.target: expected a percentage between 0 and 100, got 120"),
        ({"indicators": {"YQ-03": {"target": "十二"}}},
         "indicators.YQ-03.target: expected a number or true/false, got '十二'"),
        ({"indicators": {"YQ-03": {"targt": 12}}},
         "indicators.YQ-03.targt: unknown field 'targt' (did you mean 'target'?)"),
        ({"indicators": {"YQ-03": {"target": float("nan")}}},
         "indicators.YQ-03.target: expected a finite number"),
        ({"indicators": {"YQ-01": {"target": 130}}},
         "indicators.YQ-01.target: a reduction cannot exceed 100 %"),
        ({"indicators": {"YQ-02": {"basis": "per_capita"}}},
         "indicators.YQ-02.basis: basis 'per_capita' does not apply to YQ-02"),
        ({"indicators": {"YQ-03": {"benchmark": 3}}},
         "indicators.YQ-03.benchmark: YQ-03 has no benchmark value"),
        ({"colour": "red"}, "app.yaml: colour: unknown field 'colour'"),
        ({"pilot_type": "factory"}, "pilot_type: expected 'region', 'park', 'community', 'campus' or 'commercial', got 'factory'"),
        ({"id": "has space"}, "id: an id may contain only letters"),
        ({"name": ""}, "name: must not be empty"),
        ({"format": "nzc-application/2"}, "format: expected 'nzc-application/1'"),
        ({"emissions_tco2": {2022: -5}}, "emissions_tco2.2022: expected a value greater than or equal to 0, got -5"),
        ({"emissions_tco2": {"base": 5}}, "emissions_tco2.base: expected a year (a whole number), got 'base'"),
        ({"energy": {2022: {"electricity_mwh": -1}}}, "energy.2022.electricity_mwh"),
        ({"energy": {2022: {"electricity_mwh": 10, "green_electricity_mwh": 20}}},
         "energy.2022.green_electricity_mwh: green electricity (20 MWh) exceeds"),
        ({"period": {"start": 2026, "end": 2024}}, "period: the period ends (2024) before it starts (2026)"),
        ({"key_projects": [{"name": "光伏", "start_year": 2025, "end_year": 2024}]},
         "key_projects[0]: project '光伏' ends (2024) before it starts (2025)"),
        ({"key_projects": [{"content": "x"}]}, "key_projects[0].name: required field is missing"),
        ({"eligibility": {"no_such": True}}, "eligibility.no_such: unknown selection condition"),
        ({"eligibility": {"key_park_list": "yes"}}, "eligibility.key_park_list: expected true or false"),
        ({"proofs": {"photos": ["a.jpg"]}}, "proofs.photos: unknown kind of supporting material"),
        ({"applicant": {"county": "宜州区"}}, "applicant.organization: required field is missing"),
        ({"bau_growth_rate": 3}, "bau_growth_rate"),
    ],
)
def test_field_errors(write_app, fields, expected):
    data = minimal_app("park")
    data.update(fields)
    message = _error(write_app, data)
    assert expected in message
    assert "Traceback" not in message


def test_count_must_be_whole(write_app):
    message = _error(write_app, minimal_app("community", indicators={"SQ-04": {"target": 2.5}}))
    assert "indicators.SQ-04.target: expected a whole number" in message


def test_missing_required_fields(write_app):
    message = _error(write_app, {"format": "nzc-application/1"})
    for field in ("id", "pilot_type", "name"):
        assert f"app.yaml: {field}: required field is missing" in message


def test_all_problems_reported_at_once(write_app):
    data = minimal_app("park", indicators={"YQ-03": {"target": True}, "YQ-13": {"current": 2}})
    message = _error(write_app, data)
    assert message.count("app.yaml:") == 2


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("format: nzc-application/1\nid: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml: line \d+, column \d+: invalid YAML"):
        load_application(path)


def test_duplicate_yaml_key_is_an_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "format: nzc-application/1\nid: A\npilot_type: park\nname: x\nindicators:\n"
        "  YQ-03: {target: 12}\n  YQ-03: {target: 5}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="duplicate key 'YQ-03'"):
        load_application(path)


def test_duplicate_json_key_is_an_error(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"format": "nzc-application/1", "id": "A", "id": "B"}', encoding="utf-8")
    with pytest.raises(InputError, match="dup.json: invalid JSON: duplicate key 'id'"):
        load_application(path)


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json: line 2, column 1: invalid JSON"):
        load_application(path)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.yaml", "", "expected a mapping of application fields, got empty"),
        ("list.yaml", "- 1\n- 2\n", "expected a mapping of application fields, got a list"),
        ("latin.yaml", b"\xff\xfe\x00bad", "not UTF-8 text"),
        ("app.txt", "x", "unsupported file type .txt"),
    ],
)
def test_file_level_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        load_application(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: file not found"):
        load_application(tmp_path / "nope.yaml")


def test_year_keys_from_json_strings(write_app):
    app = load_application(write_app(minimal_app("park", emissions_tco2={"2022": 5}), "a.json"))
    assert app.emissions_tco2 == {2022: 5.0}


def test_single_proof_file_name_becomes_a_list(write_app):
    app = load_application(write_app(minimal_app("park", proofs={"other": "a.pdf"})))
    assert app.proofs == {"other": ["a.pdf"]}


def test_schema_forbids_unknown_keys():
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"format", "id", "pilot_type", "name"}
    json.dumps(schema)
