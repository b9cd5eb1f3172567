"""The review rules (nzc_review.evaluation.review_rules): the shipped defaults, the schema, a
rules file on the command line, the veto as a flag, and errors that name the field."""

from __future__ import annotations

import json
from importlib import resources
from types import SimpleNamespace

import jsonschema
import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.evaluation import accounting, compliance, eligibility
from nzc_review.evaluation.pipeline import (
    EvaluationOptions,
    evaluate_application,
    evaluation_options,
)
from nzc_review.evaluation.plausibility import PlausibilityRules
from nzc_review.evaluation.remarks import draft_remarks
from nzc_review.evaluation.review_rules import (
    DEFAULTS_FILE,
    RECOMMENDATION_CODES,
    SCHEMA_FILE,
    ReviewRules,
    gate_zh,
    json_schema,
    load_review_rules,
    review_rules_from_mapping,
    shipped_rules,
)
from nzc_review.evaluation.risk import RiskModel
from nzc_review.evaluation.verdict import VerdictRules, VetoRule
from nzc_review.intake import load_application
from nzc_review.mcda.recommendation import OUTCOMES
from nzc_review.present import evaluation_report as report
from tests.conftest import EXAMPLES
from tests.fixtures.applications import FAST_DUMPER, read_yaml

CATALOG = resources.files("nzc_review.policy.catalog")
FAST = RiskModel(draws=400)
COMMUNITY = EXAMPLES / "community-fail.yaml"
PARK = EXAMPLES / "park-pass.yaml"
#: The verdicts of the five examples before the rules became configurable (tests/evaluation/
#: test_verdict.py works them out).
TODAY = {"park-pass.yaml": "基本可行", "region-pass.yaml": "可行", "commercial-pass.yaml": "可行",
         "community-fail.yaml": "不可行", "campus-incomplete.yaml": "不可行"}


def _write(tmp_path, data, name="rules.yaml"):
    path = tmp_path / name
    text = (json.dumps(data) if name.endswith(".json")
            else yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER))
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped defaults and the schema ---------------------------------------------------------


def test_the_shipped_file_is_the_tools_defaults_and_the_values_once_hard_coded():
    rules = shipped_rules()
    assert rules == ReviewRules() == load_review_rules(None)
    # the values the code carried before the file: 0.8, 5 %, 50 %, 2025, 0, location/held
    assert rules.verdict.min_probability == 0.8
    assert rules.verdict.tolerance == compliance.DISAGREEMENT_TOLERANCE
    assert rules.verdict.tolerance == accounting.DISAGREEMENT_TOLERANCE
    assert rules.verdict.clean_energy_majority_pct == eligibility.MAINLY
    assert rules.plausibility == PlausibilityRules(first_batch_deadline=2025,
                                                   min_bau_growth_rate=0.0)
    assert (rules.veto.enabled, rules.veto.action) == (True, "lower_verdict")
    assert rules.public_notice.outcomes == ("recommend", "recommend_after_revision")
    assert rules.public_notice.veto_removes is False
    assert (rules.accounting.basis, rules.accounting.grid_factor) == ("location", "held")


def test_the_shipped_schema_is_the_files_schema_and_accepts_the_defaults():
    shipped = json.loads(CATALOG.joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
    assert shipped == json_schema()  # regenerate with json_schema() when the model changes
    defaults = read_yaml(CATALOG.joinpath(DEFAULTS_FILE))
    jsonschema.validate(defaults, shipped)
    jsonschema.validate({}, shipped)  # every key optional
    for bad in ({"veto": {"action": "remove"}}, {"verdict": {"min_probability": 1.5}},
                {"public_notice": {"outcomes": []}}, {"vetto": {}},
                {"accounting": {"basis": "market"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, shipped)
        with pytest.raises(InputError):
            review_rules_from_mapping(bad)


def test_the_recommendation_codes_are_the_panels():
    assert set(RECOMMENDATION_CODES) == set(OUTCOMES)


@pytest.mark.parametrize("name", sorted(TODAY))
def test_the_shipped_defaults_reproduce_todays_verdicts(name):
    app = load_application(EXAMPLES / name)
    with_file = evaluate_application(app, evaluation_options(
        draws=2000, rules=str(CATALOG.joinpath(DEFAULTS_FILE))))
    built_in = evaluate_application(app, EvaluationOptions(risk=RiskModel(draws=2000)))
    assert with_file.verdict.level == TODAY[name]
    assert with_file.verdict == built_in.verdict
    assert with_file.rules == built_in.rules == shipped_rules().evaluation


# --- the veto -------------------------------------------------------------------------------------


def test_flag_only_lets_the_other_rules_decide_and_shows_the_flag():
    app = load_application(COMMUNITY)
    vetoed = evaluate_application(app, EvaluationOptions(risk=FAST))
    flagged = evaluate_application(app, EvaluationOptions(
        risk=FAST, veto=VetoRule(action="flag_only")))
    assert vetoed.verdict.level == "不可行" and [r.rule for r in vetoed.verdict.reasons][0] == "N1"
    others = [r for r in vetoed.verdict.reasons if r.rule != "N1"]
    assert flagged.verdict.reasons == others  # the rest is what it was
    assert {r.level for r in others} == {"基本可行"} and flagged.verdict.level == "基本可行"
    (flag,) = flagged.verdict.flags
    assert flag.rule == "N1" and "SQ-02" in flag.text and "仅作提示" in flag.source
    assert flagged.core_gate == "fail"  # the gate is the plan's labels; only the veto changed
    assert gate_zh(flagged.core_gate, flagged.rules.veto) == "不通过（一票否决仅作提示）"
    html = report.verdict_block(flagged)
    assert "基本可行" in html and "[N1] 提示" in html and "评审规则文件设定" in html
    remarks = draft_remarks(flagged)
    assert any("SQ-02" in p and "一票否决仅作提示" in p for p in remarks.problems)
    off = evaluate_application(app, EvaluationOptions(risk=FAST, veto=VetoRule(enabled=False)))
    assert off.verdict.flags == [] and off.verdict.reasons == others
    assert "一票否决" not in draft_remarks(off).summary


def test_the_default_veto_is_labelled_the_tools_rule_not_the_plans():
    ev = evaluate_application(load_application(COMMUNITY), EvaluationOptions(risk=FAST))
    n1 = ev.verdict.reasons[0]
    assert n1.rule == "N1" and n1.source.startswith("核心指标目标未达到参考值即一票否决")
    assert "本工具默认规则" in n1.source and "附件1 表1–表5" in n1.source
    problem = next(p for p in draft_remarks(ev).problems if "SQ-02" in p)
    assert "附件1 表3 核心指标" in problem and "一票否决（本工具默认规则）" in problem
    assert "三、建设目标" not in problem
    table = report.compliance_table(ev)
    assert "本工具默认规则" in table and "附件1 表3" in table
    assert "可行/基本可行/不可行的判定规则为本工具默认规则" in report.verdict_block(ev)


# --- the thresholds ---------------------------------------------------------------------------------


def test_each_threshold_of_a_rules_file_changes_what_it_should():
    park = load_application(PARK)
    base = evaluate_application(park, EvaluationOptions(risk=FAST))
    assert [r.rule for r in base.verdict.reasons] == ["B5"]
    lenient = ReviewRules(verdict=VerdictRules(min_probability=0.0))
    assert evaluate_application(park, EvaluationOptions.from_rules(lenient, risk=FAST)
                                ).verdict.level == "可行"
    strict = ReviewRules(verdict=VerdictRules(clean_energy_majority_pct=99.9))
    ev = evaluate_application(park, EvaluationOptions.from_rules(strict, risk=FAST))
    clean = next(c for c in ev.eligibility.conditions if c.auto_detail and "清洁能源" in
                 c.auto_detail)
    assert clean.status == "not_met" and "≤99.9%" in clean.auto_detail
    assert ev.verdict.level == "不可行" and "N2" in [r.rule for r in ev.verdict.reasons]
    # the park's totals declared 7 % above what its energy data account for (reductions, ratios
    # of the totals, unchanged)
    off = park.model_copy(update={"emissions_tco2": {
        year: value * 1.07 for year, value in park.emissions_tco2.items()}})
    tight = evaluate_application(off, EvaluationOptions(risk=FAST))
    loose = evaluate_application(off, EvaluationOptions.from_rules(
        ReviewRules(verdict=VerdictRules(disagreement_tolerance_pct=10)), risk=FAST))
    b6 = next(r for r in tight.verdict.reasons if r.rule == "B6")
    assert "相差超过 5%" in b6.text and b6.source == "本工具默认规则"
    assert any("2023年" in w and "超过5%" in w for w in tight.accounting.warnings)
    assert "B6" not in [r.rule for r in loose.verdict.reasons]
    assert not any("2023年申报碳排放总量" in w for w in loose.accounting.warnings)


# --- the command line -------------------------------------------------------------------------------


def test_evaluate_with_a_rules_file(tmp_path, capsys):
    rules = _write(tmp_path, {"veto": {"action": "flag_only"},
                              "accounting": {"basis": "green_deducted"}})
    assert main(["evaluate", str(COMMUNITY), "--draws", "300", "--format", "json",
                 "--rules", str(rules)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"]["level"] == "基本可行"
    assert [f["rule"] for f in data["verdict"]["flags"]] == ["N1"]
    assert data["rules"]["veto"] == {"enabled": True, "action": "flag_only"}
    assert data["accounting"]["basis"] == "green_deducted"  # the rules' basis
    assert main(["evaluate", str(COMMUNITY), "--draws", "300", "--format", "json",
                 "--rules", str(rules), "--accounting-basis", "location"]) == 0
    assert json.loads(capsys.readouterr().out)["accounting"]["basis"] == "location"  # flag wins
    assert main(["evaluate", str(COMMUNITY), "--draws", "300", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"]["level"] == "不可行" and data["accounting"]["basis"] == "location"


@pytest.mark.parametrize("content, name, field, words", [
    ({"veto": {"action": "remove"}}, "rules.yaml", "veto.action",
     "expected 'lower_verdict' or 'flag_only'"),
    ({"veto": {"enabled": "yes"}}, "rules.yaml", "veto.enabled", "expected true or false"),
    ({"verdict": {"min_probability": 80}}, "rules.json", "verdict.min_probability",
     "less than or equal to 1"),
    ({"verdict": {"disagreement_tolerance_pct": -1}}, "rules.yaml",
     "verdict.disagreement_tolerance_pct", "greater than or equal to 0"),
    ({"plausibility": {"first_batch_deadline": 2025.5}}, "rules.yaml",
     "plausibility.first_batch_deadline", "whole number"),
    ({"public_notice": {"outcomes": ["recommend", "recommend"]}}, "rules.yaml",
     "public_notice.outcomes", "listed twice"),
    ({"public_notice": {"outcomes": ["推荐"]}}, "rules.yaml", "public_notice.outcomes[0]",
     "expected"),
    ({"accounting": {"grid_factor": "latest"}}, "rules.yaml", "accounting.grid_factor",
     "expected 'held' or 'data_year'"),
    ({"verdcit": {}}, "rules.yaml", "verdcit", "unknown field"),
    ({"format": "nzc-review-rules/2"}, "rules.yaml", "format", "nzc-review-rules/1"),
])
@pytest.mark.parametrize("command", ["evaluate", "batch"])
def test_a_bad_rules_file_names_the_field_and_exits_2(tmp_path, capsys, command, content, name,
                                                      field, words):
    path = _write(tmp_path, content, name)
    args = [command, str(PARK), "--rules", str(path)]
    if command == "batch":
        args += ["--out", str(tmp_path / "out"), "--no-pdf", "--quiet"]
    assert main(args) == 2
    captured = capsys.readouterr()
    line = next(x for x in captured.err.splitlines() if x.startswith(f"{name}: {field}"))
    assert words in line and "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()  # nothing written before the rules are read


@pytest.mark.parametrize("text, words", [("- a\n- b\n", "expected a mapping"),
                                         ("veto: [\n", "")])
def test_a_rules_file_that_is_not_a_mapping_or_not_yaml_exits_2(tmp_path, capsys, text, words):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["evaluate", str(PARK), "--rules", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rules.yaml: ") and words in err and "Traceback" not in err
    assert main(["evaluate", str(PARK), "--rules", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err


def test_batch_hands_the_rules_file_and_leaves_the_basis_to_it(tmp_path, monkeypatch, capsys):
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
    rules = _write(tmp_path, {"veto": {"action": "flag_only"}})
    main(["batch", str(PARK), "--out", str(tmp_path / "out"), "--no-pdf", "--quiet",
          "--rules", str(rules)])
    capsys.readouterr()
    (job,) = seen
    assert job.parameters["rules"] == str(rules.resolve())
    assert (job.parameters["accounting_basis"], job.parameters["grid_factor"]) == (None, None)
    ev = report.evaluate_for_report(str(COMMUNITY), draws=300, rules=job.parameters["rules"])
    assert ev.verdict.level == "基本可行" and ev.rules.veto.action == "flag_only"


def test_the_terminal_names_the_veto_rule_in_force(tmp_path, capsys):
    """The table printed by ``evaluate`` says what the rules make of a failed core gate: a
    veto that only flags is not printed as a veto that lowers the verdict."""
    flag = _write(tmp_path, {"veto": {"action": "flag_only"}})
    assert main(["evaluate", str(COMMUNITY), "--draws", "300", "--rules", str(flag)]) == 0
    out = capsys.readouterr().out
    assert "一票否决仅作提示" in out and "不通过（一票否决）" not in out
    assert main(["evaluate", str(COMMUNITY), "--draws", "300"]) == 0
    out = capsys.readouterr().out
    assert "不通过（一票否决）" in out and "仅作提示" not in out
