"""``nzc-review accept`` / ``disclose`` / ``monitor``: output contracts and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys

from nzc_review.cli.main import main
from tests.conftest import ROOT

LIFECYCLE = ROOT / "examples" / "lifecycle"
ACCEPTED = str(LIFECYCLE / "acceptance" / "park-accepted.yaml")
FAILED = str(LIFECYCLE / "acceptance" / "commercial-failed.yaml")
MONITORING = str(LIFECYCLE / "monitoring")


def test_accept_table_and_json(capsys):
    assert main(["accept", ACCEPTED, FAILED]) == 0
    out = capsys.readouterr().out
    assert "通过验收" in out and "不通过" in out and "验收汇总" in out
    assert main(["accept", ACCEPTED, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["id"], data["verdict"], data["passed"], data["grade_label"]) == (
        "DEMO-2024-YQ-001", "通过验收", True, "优秀")
    assert {"indicators", "projects", "checks", "score_parts", "reasons", "rules"} <= set(data)
    assert data["rules"]["bands"][-1]["lower"] is None  # no -Infinity in JSON


def test_accept_invalid_input_exits_2_and_processes_the_rest(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: nzc-acceptance/1\nachieved_year: soon\n", encoding="utf-8")
    assert main(["accept", str(bad), ACCEPTED, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "bad.yaml: achieved_year: expected a whole number, got 'soon'" in captured.err
    assert "bad.yaml: application: required field is missing" in captured.err
    data = json.loads(captured.out)
    assert data[0]["file"] == str(bad) and data[1]["verdict"] == "通过验收"
    # the same acceptance twice
    assert main(["accept", ACCEPTED, ACCEPTED]) == 2
    assert "is accepted also in park-accepted.yaml" in capsys.readouterr().err


def test_monitor_json_and_as_of(capsys):
    assert main(["monitor", MONITORING, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == 2027 and data["counts"] == {"ok": 1, "warning": 3, "exit": 1}
    exit_pilot = data["pilots"][0]
    assert exit_pilot["status"] == "exit" and exit_pilot["status_zh"] == "建议取消称号"
    assert exit_pilot["flags"][0]["code"] == "CORE_EXIT"
    assert main(["monitor", MONITORING, "--as-of", "2026"]) == 0
    out = capsys.readouterr().out
    assert "截至2026年" in out and "预警" in out


def test_monitor_and_disclose_refuse_invalid_input(tmp_path, capsys):
    (tmp_path / "2025.yaml").write_text(
        "format: nzc-disclosure/1\npilot: {id: X, name: x, pilot_type: park}\n"
        "years: {2025: {emissions_tco2: many}}\n", encoding="utf-8")
    assert main(["monitor", str(tmp_path)]) == 2
    assert "2025.yaml: years.2025.emissions_tco2: expected a number, got 'many'" in \
        capsys.readouterr().err
    assert main(["disclose", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    rules = tmp_path / "rules.yaml"
    rules.write_text("monitor: {core_exit_years: 0}\n", encoding="utf-8")
    assert main(["monitor", MONITORING, "--rules", str(rules)]) == 2
    assert "rules.yaml: monitor.core_exit_years: expected a whole number of at least 1" in \
        capsys.readouterr().err


def test_disclose_year_without_disclosure_is_an_input_error(tmp_path, capsys):
    assert main(["disclose", MONITORING, "--year", "2030", "--out", str(tmp_path)]) == 2
    assert "no disclosure for the year(s) asked: 2030" in capsys.readouterr().err


def test_no_traceback_from_the_real_command(tmp_path):
    missing = tmp_path / "missing.yaml"
    result = subprocess.run([sys.executable, "-m", "nzc_review.cli.main", "accept", str(missing)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert "missing.yaml: file not found" in result.stderr
    assert "Traceback" not in result.stderr
