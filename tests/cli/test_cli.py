"""The command line as outside users and checks call it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT, minimal_app
from tests.fixtures.applications import FAST_DUMPER

pytestmark = pytest.mark.slow  # a Python process per command


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nzc_review.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_catalog_json_contract():
    result = run("catalog", "--format", "json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 87
    for row in rows:
        for key in ("code", "pilot_type", "category", "name_zh", "unit", "reference", "type",
                    "rule"):
            assert key in row
        assert row["type"] in {"core", "general", "guidance", "unspecified"}
        assert "kind" in row["rule"]


def test_catalog_one_type_csv_and_table():
    csv_out = run("catalog", "--type", "campus", "--format", "csv")
    assert csv_out.returncode == 0
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("code,pilot_type,category,name_zh")
    assert len(lines) == 21
    table = run("catalog", "--type", "region")
    assert table.returncode == 0
    assert "区域人均碳排放量" in table.stdout and "核心指标" in table.stdout


def test_check_json_contract_single_and_several():
    park = str(EXAMPLES / "park-pass.yaml")
    one = run("check", park, "--format", "json")
    assert one.returncode == 0, one.stderr
    data = json.loads(one.stdout)
    assert data["id"] == "DEMO-2024-YQ-001" and data["pilot_type"] == "park"
    assert data["core_gate"] == "pass"
    assert len(data["indicators"]) == 20
    for ind in data["indicators"]:
        assert {"code", "type", "current_status", "target_status"} <= set(ind)
    several = run("check", park, str(EXAMPLES / "community-fail.yaml"), "--format", "json")
    assert several.returncode == 0
    gates = [d["core_gate"] for d in json.loads(several.stdout)]
    assert gates == ["pass", "fail"]


def test_examples_cover_pass_fail_incomplete():
    result = run("check", *sorted(str(p) for p in EXAMPLES.glob("*.yaml")), "--format", "json")
    assert result.returncode == 0
    gates = {d["id"]: d["core_gate"] for d in json.loads(result.stdout)}
    assert set(gates.values()) == {"pass", "fail", "incomplete"}


def test_check_table_in_chinese():
    result = run("check", str(EXAMPLES / "community-fail.yaml"))
    assert result.returncode == 0
    assert "不通过（一票否决）" in result.stdout
    assert "SQ-02" in result.stdout and "未达标" in result.stdout


def test_invalid_input_exit_2_json_error(tmp_path):
    bad = tmp_path / "app.yaml"
    import yaml

    bad.write_text(yaml.dump(minimal_app("park", indicators={"YQ-03": {"target": True}}),
                             Dumper=FAST_DUMPER),
                   encoding="utf-8")
    result = run("check", str(bad), "--format", "json")
    assert result.returncode == 2
    assert "app.yaml: indicators.YQ-03.target: expected a number, got true" in result.stderr
    assert "Traceback" not in result.stderr
    assert "expected a number, got true" in json.loads(result.stdout)["error"]


def test_one_invalid_among_several_still_reports_the_others(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("format: [", encoding="utf-8")
    result = run("check", str(EXAMPLES / "park-pass.yaml"), str(bad), "--format", "json")
    assert result.returncode == 2
    out = json.loads(result.stdout)
    assert out[0]["core_gate"] == "pass"
    assert "error" in out[1] and "broken.yaml" in out[1]["error"]
    table = run("check", str(EXAMPLES / "park-pass.yaml"), str(bad))
    assert table.returncode == 2 and "文件无效" in table.stdout and "broken.yaml" in table.stderr


@pytest.mark.parametrize("args", [("check", "missing.yaml"), ("check", "README")])
def test_missing_or_unsupported_file(args):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_schema_command():
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$id"] == "nzc-application/1"
    assert "indicators" in schema["properties"]


def test_usage_error_exit_2():
    result = run("catalog", "--type", "factory")
    assert result.returncode == 2


def test_evaluate_json_contract():
    result = run("evaluate", str(EXAMPLES / "park-pass.yaml"), "--format", "json",
                 "--draws", "2000")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == "DEMO-2024-YQ-001" and data["core_gate"] == "pass"
    assert {"code", "type", "current_status", "target_status"} <= set(data["indicators"][0])
    for key in ("eligibility", "completeness", "accounting", "forecast", "verdict"):
        assert key in data
    assert data["accounting"]["years"]["2022"]["total_tco2"] > 0
    fc = data["forecast"]
    assert fc["target_year"] == 2026
    assert fc["required_reduction_pct"] == 40
    assert fc["meets_target"] is True
    assert 0 <= fc["probability_meets_target"] <= 1
    assert fc["projected_reduction_pct"] > 40
    assert data["verdict"]["level"] in {"可行", "基本可行", "不可行"}


def test_evaluate_table_shows_every_part():
    result = run("evaluate", str(EXAMPLES / "campus-incomplete.yaml"), "--draws", "500")
    assert result.returncode == 0, result.stderr
    for needle in ("可行性结论", "遴选条件", "需补充材料", "碳排放核算", "情景预测", "成本有效性"):
        assert needle in result.stdout


def test_evaluate_with_bad_factor_override(tmp_path):
    bad = tmp_path / "f.csv"
    bad.write_text("key,scope,year,value,unit,region,source\ngrid_electricity,guangxi,2022,abc,"
                   "tCO2/MWh,x,y\n", encoding="utf-8")
    result = run("evaluate", str(EXAMPLES / "park-pass.yaml"), "--factors", str(bad))
    assert result.returncode == 2
    assert "f.csv: row 2, column value" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_rejects_bad_draws():
    assert run("evaluate", str(EXAMPLES / "park-pass.yaml"), "--draws", "0").returncode == 2


def test_factors_command():
    result = run("factors", "--format", "json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    keys = {(r["key"], r["scope"], r["year"]): r for r in rows}
    assert keys[("grid_electricity", "national", 2022)]["value"] == 0.5366
    assert all(r["source"] for r in rows)
    table = run("factors")
    assert table.returncode == 0 and "排放因子" in table.stdout
