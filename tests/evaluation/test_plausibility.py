"""Plausibility notes P1–P4 and the plan's base year: never a silent result."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from nzc_review.errors import InputError
from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.evaluation.pipeline import EvaluationOptions, evaluate_application
from nzc_review.evaluation.plausibility import PlausibilityRules, plausibility_notes
from nzc_review.evaluation.risk import RiskModel
from nzc_review.intake import load_application, validate_application
from nzc_review.present.evaluation_report import verdict_block
from tests.conftest import EXAMPLES, minimal_app
from tests.fixtures.applications import FAST_DUMPER, read_yaml


def app_of(**fields):
    return validate_application(minimal_app("park", **fields), "app.yaml")


def codes(app, rules=None):
    return [n.code for n in plausibility_notes(app, rules)]


def test_base_year_other_than_2022_is_an_input_error_naming_the_field(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(yaml.dump(minimal_app("park", base_year=2023), Dumper=FAST_DUMPER),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"app.yaml: base_year: base year 2023 is not 2022"):
        load_application(path)
    run = subprocess.run([sys.executable, "-m", "nzc_review.cli.main", "check", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "base_year: base year 2023 is not 2022" in run.stderr and "Traceback" not in run.stderr


def test_negative_bau_growth_is_noted_and_it_is_why_the_note_matters():
    park = read_yaml(EXAMPLES / "park-pass.yaml")
    park["key_projects"] = [p for p in park["key_projects"] if "绿电" not in p["name"]]
    flat = validate_application(dict(park, bau_growth_rate=0.0), "park.yaml")
    falling = validate_application(dict(copy.deepcopy(park), bau_growth_rate=-0.03), "park.yaml")
    assert "P1" not in codes(flat) and "P1" in codes(falling)
    # Hand check of the scenario: every year of BAU decline lowers the no-action baseline by 3 %,
    # so the projected reduction grows although no project changed.
    assert scenario_forecast(falling).projected_reduction_pct > \
        scenario_forecast(flat).projected_reduction_pct + 5


def test_recent_two_years_are_the_two_before_construction():
    both = app_of(period={"start": 2024, "end": 2025},
                  emissions_tco2={2022: 1000.0, 2023: 980.0})
    only_base = app_of(period={"start": 2024, "end": 2025}, emissions_tco2={2022: 1000.0})
    assert "P2" not in codes(both)
    [note] = [n for n in plausibility_notes(only_base) if n.code == "P2"]
    assert note.field == "emissions_tco2" and "缺少 2023 年" in note.text


def test_target_year_after_the_first_batch_deadline_is_noted_and_the_deadline_is_a_rule():
    on_time = app_of(period={"start": 2023, "end": 2025})
    late = app_of(period={"start": 2023, "end": 2026})
    assert "P3" not in codes(on_time)
    assert "P3" in codes(late)
    assert "P3" not in codes(late, PlausibilityRules(first_batch_deadline=2027))


def test_energy_share_target_without_a_project_raising_it():
    target = {"YQ-03": {"current": 8, "target": 15}}
    bare = app_of(indicators=target, key_projects=[{"name": "园区道路绿化"}])
    solar = app_of(indicators=target, key_projects=[{"name": "屋顶分布式光伏"}])
    kept = app_of(indicators={"YQ-03": {"current": 15, "target": 12}})
    [note] = [n for n in plausibility_notes(bare) if n.code == "P4"]
    assert note.field == "indicators.YQ-03.target" and "可再生能源消费比重" in note.text
    assert "P4" not in codes(solar) and "P4" not in codes(kept)


def test_notes_are_shown_with_the_verdict_and_in_json_but_do_not_change_it():
    app = load_application(EXAMPLES / "region-pass.yaml")  # construction until 2027
    ev = evaluate_application(app, EvaluationOptions(risk=RiskModel(draws=200)))
    late = evaluate_application(
        app, EvaluationOptions(risk=RiskModel(draws=200),
                               plausibility=PlausibilityRules(first_batch_deadline=2030)))
    assert [n.code for n in ev.plausibility] == ["P3"]
    assert ev.verdict.level == late.verdict.level
    assert ev.to_dict()["plausibility"][0]["source"] == "河环发〔2023〕23号 一、(三) 工作目标"
    html = verdict_block(ev)
    assert "合理性提示（需专家核实" in html and "2027 年" in html
    assert "合理性提示" not in verdict_block(late)
