"""``disclose`` on an accounting basis: the computed indicators follow ``--accounting-basis`` /
``--grid-factor``, and the sentence on the change against the base year names the basis of the
disclosed totals and states the run's figure beside it when that differs (DESIGN.md contract 4)."""

from __future__ import annotations

import json

import pytest
import yaml

from nzc_review.cli.commands import lifecycle as lifecycle_cli
from nzc_review.cli.main import main
from nzc_review.evaluation.basis import AccountingOptions, shipped_factors
from nzc_review.evaluation.factors import select_factor
from nzc_review.lifecycle.disclosure import disclosure_view
from nzc_review.lifecycle.intake import load_histories
from tests.fixtures.applications import FAST_DUMPER

DISCLOSURE = {
    "format": "nzc-disclosure/1",
    "pilot": {"id": "T-YQ-9", "name": "测试园区", "pilot_type": "park", "base_year": 2022,
              "base_emissions_tco2": 1000},
    "years": {2025: {"emissions_tco2": 800, "energy": {"electricity_mwh": 1000}}},
}


def grid(year: int) -> float:
    return select_factor(shipped_factors(), "grid_electricity", year)[0].value


@pytest.fixture
def history(tmp_path):
    (tmp_path / "d.yaml").write_text(yaml.dump(DISCLOSURE, allow_unicode=True, Dumper=FAST_DUMPER),
                                     encoding="utf-8")
    return load_histories([tmp_path])[0]


def test_sentence_names_the_basis_of_the_disclosed_totals_and_the_run(history):
    # disclosed: (800 − 1000) / 1000 = −20.0 %; held at the 2022 grid factor (Guangxi 0.4044
    # against 0.4476 for 2025's data): 800 + 1000 MWh × (0.4044 − 0.4476) = 756.8 t, −24.3 %
    held = 800 + 1000 * (grid(2022) - grid(2025))
    held_pct = (held - 1000) / 1000 * 100
    view = disclosure_view(history, 2025)
    assert view.vs_base_pct == pytest.approx(-20.0)
    assert view.basis_vs_base_pct == pytest.approx(held_pct)
    assert view.sentences[1] == (
        f"与基准年2022年（1,000吨）相比，下降了20.0%（按披露的排放总量，核算口径：基于位置"
        f"（按数据年电网因子））；按基于位置（同口径：按2022年电网因子）口径计，下降了"
        f"{abs(held_pct):.1f}%（评价指标按此口径计算）。")
    yq01 = next(i for i in view.indicators if i.code == "YQ-01")
    assert yq01.source == "computed" and yq01.value == pytest.approx(-held_pct, abs=1e-6)

    data_year = disclosure_view(history, 2025,
                                options=AccountingOptions(grid_factor="data_year"))
    assert data_year.sentences[1] == (
        "与基准年2022年（1,000吨）相比，下降了20.0%（按披露的排放总量，核算口径：基于位置"
        "（按数据年电网因子））。")
    assert next(i for i in data_year.indicators if i.code == "YQ-01").value == pytest.approx(20)


def test_a_basis_that_cannot_apply_is_noted(history):
    view = disclosure_view(history, 2025, options=AccountingOptions(basis="green_deducted"))
    assert view.basis == "green_deducted"
    assert any("基准年（2022年）无能源活动数据" in n for n in view.basis_notes)
    assert "扣除绿电" not in view.sentences[1]  # the figures stayed as disclosed


def test_disclose_flags_reach_the_view_and_the_report_jobs(history, tmp_path, monkeypatch,
                                                          capsys):
    handed = {}

    def no_reports(jobs, args, desc):
        handed["jobs"] = jobs
        return 0

    monkeypatch.setattr(lifecycle_cli, "_run_reports", no_reports)
    folder = str(tmp_path)
    assert main(["disclose", folder, "--format", "json", "--grid-factor", "data_year",
                 "--out", str(tmp_path.parent / "out-disclose")]) == 0
    view = json.loads(capsys.readouterr().out)[0]
    assert (view["basis"], view["basis_zh"]) == ("location", "基于位置（按数据年电网因子）")
    assert view["basis_vs_base_pct"] == pytest.approx(-20.0)
    assert [(j.parameters["accounting_basis"], j.parameters["grid_factor"])
            for j in handed["jobs"]] == [("location", "data_year")]
    assert main(["disclose", folder, "--accounting-basis", "green_deducted",
                 "--out", str(tmp_path.parent / "out-disclose")]) == 0
    out = capsys.readouterr().out
    assert "较基准年、较上年按披露的碳排放总量计（基于位置（按数据年电网因子））" in out
    assert "由披露数据计算的指标按扣除绿电（同口径：按2022年电网因子）口径" in out
    assert "注意：T-YQ-9 基准年（2022年）无能源活动数据" in out
    assert handed["jobs"][0].parameters["accounting_basis"] == "green_deducted"


@pytest.mark.parametrize("flag", [["--accounting-basis", "market"], ["--grid-factor", "2023"]])
def test_disclose_refuses_an_unknown_basis(history, tmp_path, flag, capsys):
    out = tmp_path.parent / "out-refused"
    with pytest.raises(SystemExit) as stop:
        main(["disclose", str(tmp_path), *flag, "--out", str(out)])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err and not out.exists()


@pytest.mark.slow
def test_disclosure_report_is_on_the_basis_asked(history, tmp_path):
    from nzc_review.lifecycle.jobs import disclosure_jobs
    from nzc_review.runner.jobs import run_notebook_jobs

    out = tmp_path.parent / "reports"
    jobs = disclosure_jobs([history], accounting_basis="green_deducted", grid_factor="held")
    [result] = run_notebook_jobs(jobs, out, workers=1, pdf=False, progress=False)
    assert result.status == "ok", result.reason
    html = (out / "T-YQ-9-disclosure-2025" / "disclosure.html").read_text(encoding="utf-8")
    assert "下降了20.0%（按披露的排放总量，核算口径：基于位置（按数据年电网因子））" in html
    assert "基准年（2022年）无能源活动数据，无法按扣除绿电口径换算" in html
