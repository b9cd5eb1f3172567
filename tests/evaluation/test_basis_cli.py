"""``--accounting-basis`` and ``--grid-factor`` on evaluate, batch, accept and monitor, and the
notebook parameters that carry them into reports."""

from __future__ import annotations

import json
from types import SimpleNamespace

import nbformat
import pytest

from nzc_review.cli.main import main
from nzc_review.runner.render import NOTEBOOKS_DIR
from tests.conftest import EXAMPLES, ROOT

PARK = str(EXAMPLES / "park-pass.yaml")
LIFECYCLE = ROOT / "examples" / "lifecycle"
ACCEPTED = str(LIFECYCLE / "acceptance" / "park-accepted.yaml")
MONITORING = str(LIFECYCLE / "monitoring")


def test_evaluate_states_the_basis_in_json_and_table(capsys):
    assert main(["evaluate", PARK, "--draws", "200", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["accounting"]["basis"] == data["forecast"]["basis"] == "location"
    assert data["forecast"]["projected_reduction_pct"] == pytest.approx(41.28, abs=0.005)
    assert main(["evaluate", PARK, "--draws", "200", "--format", "json",
                 "--accounting-basis", "green_deducted"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["accounting"]["basis"] == data["forecast"]["basis"] == "green_deducted"
    assert data["forecast"]["projected_reduction_pct"] == pytest.approx(68.84, abs=0.005)
    assert main(["evaluate", PARK, "--draws", "200", "--format", "json",
                 "--grid-factor", "data_year"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["forecast"]["projected_reduction_pct"] == pytest.approx(36.05, abs=0.005)
    assert data["verdict"]["level"] == "不可行"
    assert main(["evaluate", PARK, "--draws", "200"]) == 0
    out = capsys.readouterr().out
    assert "核算口径：基于位置（同口径：按2022年电网因子）" in out
    assert "对照：扣除绿电（同口径：按2022年电网因子）口径下预计下降 68.8%" in out
    assert "未计入：绿电交易（绿电交易/绿证：基于位置口径下" in out


@pytest.mark.parametrize("command, target", [("evaluate", PARK), ("accept", ACCEPTED),
                                             ("monitor", MONITORING), ("batch", PARK)])
@pytest.mark.parametrize("flag, value", [("--accounting-basis", "market"),
                                         ("--grid-factor", "latest")])
def test_an_unknown_choice_exits_2_naming_the_option(command, target, flag, value, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, target, flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: invalid choice: '{value}'" in err
    assert "Traceback" not in err


def test_accept_on_each_basis(capsys):
    assert main(["accept", ACCEPTED, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # 428,500 + 600,000 × (0.4044 − 0.4476) = 402,580 → (762,200 − 402,580) / 762,200 = 47.18 %
    assert data["basis"] == "location"
    assert data["reduction"]["reduction_pct"] == pytest.approx(47.182, abs=1e-3)
    # green-deducted, held: 2022 762,200 − 60,000 × 0.4044 = 737,936; 2026 428,500
    # + 300,000 × 0.4044 − 600,000 × 0.4476 = 281,260 → 61.89 %
    assert data["reduction"]["other_basis"]["reduction_pct"] == pytest.approx(61.886, abs=1e-3)

    def green_note(warnings):
        return any("“绿电交易”为绿电交易/绿证" in w for w in warnings)

    assert green_note(data["warnings"])  # its reduction counts for completion only
    assert main(["accept", ACCEPTED, "--format", "json",
                 "--accounting-basis", "green_deducted"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["basis"] == "green_deducted"
    assert data["reduction"]["reduction_pct"] == pytest.approx(61.886, abs=1e-3)
    assert data["accounting"]["basis"] == "green_deducted"
    assert not green_note(data["warnings"])
    assert main(["accept", ACCEPTED]) == 0
    assert "核算口径：基于位置（同口径：按2022年电网因子）" in capsys.readouterr().out


def test_monitor_grid_factor(capsys):
    assert main(["monitor", MONITORING, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["basis"] == "location"
    flags = {p["id"]: sorted(f["code"] for f in p["flags"]) for p in data["pilots"]}
    assert flags["DEMO-2023-SQ-101"] == ["RISING"]
    assert main(["monitor", MONITORING, "--format", "json", "--grid-factor", "data_year"]) == 0
    data = json.loads(capsys.readouterr().out)
    flags = {p["id"]: sorted(f["code"] for f in p["flags"]) for p in data["pilots"]}
    assert flags["DEMO-2023-SQ-101"] == ["ABOVE_TARGET", "RISING"]


def test_batch_hands_the_basis_to_every_notebook(tmp_path, monkeypatch, capsys):
    from nzc_review.runner import batch

    seen = []

    def fake_jobs(jobs, out, **kw):
        seen.extend(jobs)
        return [SimpleNamespace(status="failed", reason="not run", outputs={}, seconds=0.0,
                                summary={}, stages={}, kernel_mb=None) for _ in jobs]

    monkeypatch.setattr(batch, "run_notebook_jobs", fake_jobs)
    # no notebook runs, so no kernel need start (each costs two CPU-seconds)
    monkeypatch.setattr(batch, "start_pool",
                        lambda workers, cwd: SimpleNamespace(started=0, close=lambda: None))
    main(["batch", PARK, "--out", str(tmp_path / "out"), "--no-pdf", "--quiet",
          "--accounting-basis", "green_deducted", "--grid-factor", "data_year"])
    capsys.readouterr()
    assert [(j.parameters["accounting_basis"], j.parameters["grid_factor"]) for j in seen] == [
        ("green_deducted", "data_year")]


def test_lifecycle_report_jobs_carry_the_basis():
    from nzc_review.lifecycle.intake import load_acceptance
    from nzc_review.lifecycle.jobs import acceptance_jobs, monitor_job

    jobs = acceptance_jobs([(ACCEPTED, load_acceptance(ACCEPTED))],
                           accounting_basis="green_deducted", grid_factor="data_year")
    assert (jobs[0].parameters["accounting_basis"], jobs[0].parameters["grid_factor"]) == (
        "green_deducted", "data_year")
    job = monitor_job([MONITORING], accounting_basis="green_deducted")
    assert job.parameters["accounting_basis"] == "green_deducted"


@pytest.mark.parametrize("name, call, basis, grid", [
    # the evaluation report takes the review rules' basis unless one is given (rules = None:
    # the shipped defaults, location and held)
    ("evaluate_application.ipynb",
     "accounting_basis=accounting_basis, grid_factor=grid_factor, rules=rules", "None", "None"),
    ("acceptance_report.ipynb", "accounting_basis, grid_factor)", '"location"', '"held"'),
    ("monitor_dashboard.ipynb", "accounting_basis, grid_factor)", '"location"', '"held"'),
])
def test_notebooks_take_the_basis_as_parameters(name, call, basis, grid):
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert f"accounting_basis = {basis}" in parameters.source
    assert f"grid_factor = {grid}" in parameters.source
    assert any(call in c.source for c in nb.cells if c.cell_type == "code")


def test_report_loaders_use_the_basis():
    from nzc_review.lifecycle.jobs import acceptance_for_report, monitor_for_report
    from nzc_review.present.evaluation_report import evaluate_for_report

    ev = evaluate_for_report(PARK, draws=100, accounting_basis="green_deducted")
    assert ev.forecast.basis == "green_deducted"
    assert acceptance_for_report(ACCEPTED, grid_factor="data_year").reduction[
        "reduction_pct"] == pytest.approx(43.781, abs=1e-3)
    assert monitor_for_report([MONITORING], accounting_basis="green_deducted").basis == (
        "green_deducted")
