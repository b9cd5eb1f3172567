"""Acceptance evaluation (验收评价, 河环发〔2023〕23号 三、(二)2): comparisons, score and verdict on
small cases worked out by hand, and the two bundled examples."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from nzc_review.errors import InputError
from nzc_review.evaluation.basis import AccountingOptions
from nzc_review.evaluation.compliance import MET, MISSING, NEEDS_REVIEW, NOT_MET
from nzc_review.lifecycle.acceptance import (
    FAILED,
    PASSED,
    against_target,
    evaluate_acceptance,
)
from nzc_review.lifecycle.config import rules_from_mapping
from nzc_review.lifecycle.intake import load_acceptance, validate_acceptance
from nzc_review.mcda.acceptance_rules import AcceptanceRules, RulesError, ScoreWeights
from nzc_review.policy import catalog
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "lifecycle" / "acceptance"

APPLICATION = {
    "format": "nzc-application/1", "id": "T-YQ-1", "pilot_type": "park", "name": "测试园区",
    "base_year": 2022, "period": {"start": 2024, "end": 2026},
    "emissions_tco2": {2022: 1000},
    "indicators": {"YQ-01": {"target": 45}, "YQ-05": {"target": 35}},
    "key_projects": [
        {"name": "A", "end_year": 2025, "expected_reduction_tco2_per_year": 100},
        {"name": "B", "end_year": 2026, "expected_reduction_tco2_per_year": 50},
    ],
}
QUALITATIVE_CORE = ("YQ-13", "YQ-14", "YQ-15", "YQ-18", "YQ-19", "YQ-20")
ACCEPTANCE = {
    "format": "nzc-acceptance/1",
    "application": {"id": "T-YQ-1", "content": APPLICATION},
    "achieved_year": 2026,
    "emissions_tco2": {2026: 550},
    "achieved": {
        # core: YQ-01 left out (computed), YQ-02 42, YQ-03 12, YQ-04 96, qualitative all yes
        "YQ-02": {"value": 42}, "YQ-03": {"value": 12}, "YQ-04": {"value": 96},
        **{c: {"value": True} for c in QUALITATIVE_CORE},
        # other: YQ-05 33 (target 35), YQ-06..YQ-12 at their reference, YQ-16 yes, YQ-17 left out
        "YQ-05": {"value": 33}, "YQ-06": {"value": 60}, "YQ-07": {"value": 100},
        "YQ-08": {"value": 60}, "YQ-09": {"value": 30}, "YQ-10": {"value": 92},
        "YQ-11": {"value": 92}, "YQ-12": {"value": 100}, "YQ-16": {"value": True},
    },
    "key_projects": [
        {"name": "A", "completed_year": 2025, "actual_reduction_tco2_per_year": 80},
        {"name": "B", "completed_year": 2026, "actual_reduction_tco2_per_year": 60},
    ],
    "disclosures": {2024: "网站", 2025: "网站", 2026: "网站"},
}


def case(changes=None):
    data = copy.deepcopy(ACCEPTANCE)
    if changes:
        changes(data)
    return validate_acceptance(data, "t.yaml", Path("t.yaml"))


def test_passing_case_worked_by_hand():
    res = evaluate_acceptance(case())
    by = {r.code: r for r in res.indicators}
    # YQ-01 computed: (1000 − 550) / 1000 = 45 % → ≥ 40 reference met, ≥ 45 target met
    assert by["YQ-01"].source == "computed" and by["YQ-01"].achieved == pytest.approx(45)
    assert (by["YQ-01"].reference_status, by["YQ-01"].target_status) == (MET, MET)
    # YQ-05 33: reference ≥ 30 met, committed 35 missed → credit 0.5
    assert (by["YQ-05"].reference_status, by["YQ-05"].target_status, by["YQ-05"].credit) == (
        MET, NOT_MET, 0.5)
    # YQ-02 42 without a committed target is held to its reference (≥ 40): met
    assert by["YQ-02"].target_status == MET
    assert by["YQ-17"].reference_status == MISSING and by["YQ-17"].credit == 0
    assert res.core_gate == "pass"
    parts = {p.code: p.points for p in res.score_parts}
    # core: 10 core indicators, all credit 1 → 50 × 10/10 = 50
    assert parts["core"] == pytest.approx(50)
    # other: YQ-05 0.5 + YQ-06..12 7 × 1 + YQ-16 1 + YQ-17 0 = 8.5 of 10 → 20 × 0.85 = 17
    assert parts["other"] == pytest.approx(17)
    # projects: A done, 80/100 → 0.5 + 0.5 × 0.8 = 0.9; B done, 60/50 capped at 1 → 1.0;
    # mean 0.95 → 20 × 0.95 = 19
    assert [p.credit for p in res.projects] == pytest.approx([0.9, 1.0])
    assert parts["projects"] == pytest.approx(19)
    # checks: A1 no energy ✘, A2 ✘, A3 YQ-02 cannot be computed (no profile) ✘,
    # A4 last project 2026 = operation year ✘, A5 2024–2026 disclosed ✔ → 1/5 → 10 × 0.2 = 2
    assert [c.passed for c in res.checks] == [False, False, False, False, True]
    assert parts["accounting"] == pytest.approx(2)
    # total 50 + 17 + 19 + 2 = 88 → 优秀 (≥ 85); nothing blocking → 通过验收
    assert res.score == pytest.approx(88)
    assert (res.verdict, res.passed, res.grade_label) == (PASSED, True, "优秀")
    assert not any(r.blocking for r in res.reasons)
    assert {r.code for r in res.reasons} >= {"TARGET_MISSED", "OTHER_INCOMPLETE", "CHECK_A1"}
    assert res.reduction["reduction_pct"] == pytest.approx(45)
    assert res.committed_tco2 == pytest.approx(550) and res.required_tco2 == pytest.approx(600)


def test_failing_case_worked_by_hand():
    def change(d):
        d["achieved"]["YQ-13"] = {"value": False}
        d["key_projects"][1]["completed_year"] = 2027

    res = evaluate_acceptance(case(change))
    # core: YQ-13 misses its reference → 9/10 → 45; gate fail (一票否决)
    # projects: B done 2027 after the period end 2026 → late: 0.5 × 0 + 0.5 × 1 = 0.5;
    # mean (0.9 + 0.5) / 2 = 0.7 → 14; A4: last completion 2027 is after 2026 ✘ (still 1/5 → 2)
    # total 45 + 17 + 14 + 2 = 78 → the 通过 band by score, but vetoed → 不通过, grade 未通过
    assert res.score == pytest.approx(78)
    assert res.core_gate == "fail"
    assert [p.status for p in res.projects] == ["done", "late"]
    assert (res.verdict, res.score_grade_label, res.grade_label) == (FAILED, "通过", "未通过")
    blocking = [r.code for r in res.reasons if r.blocking]
    assert blocking == ["CORE_NOT_MET", "PROJECTS_NOT_DONE"]
    assert "YQ-13" in res.reasons[0].message
    assert "B（逾期完成）" in res.reasons[1].message


def test_unreported_and_unfinished_projects():
    def change(d):
        d["key_projects"] = [{"name": "A", "actual_reduction_tco2_per_year": 40}]

    res = evaluate_acceptance(case(change))
    # A not completed: 0.5 × 0 + 0.5 × 40/100 = 0.2; B unreported: 0 → mean 0.1 → 20 × 0.1 = 2
    assert [(p.status, p.credit) for p in res.projects] == [("not_done", 0.2),
                                                             ("unreported", 0.0)]
    assert next(p.points for p in res.score_parts if p.code == "projects") == pytest.approx(2)
    assert res.verdict == FAILED


def test_missing_core_value_fails_the_gate():
    def change(d):
        del d["achieved"]["YQ-02"]

    res = evaluate_acceptance(case(change))
    # YQ-02 (per output value) cannot be computed without profiles: missing → incomplete
    assert res.core_gate == "incomplete"
    assert [r.code for r in res.reasons if r.blocking] == ["CORE_INCOMPLETE"]
    # and optional: require_core_met=False keeps it as a non-blocking reason
    res = evaluate_acceptance(case(change), AcceptanceRules(require_core_met=False))
    assert res.passed


def test_score_threshold_and_weights_are_configurable():
    # the passing case scores 88; a pass score of 90 fails it
    res = evaluate_acceptance(case(), AcceptanceRules(pass_score=90))
    assert [r.code for r in res.reasons if r.blocking] == ["SCORE_LOW"]
    assert res.grade_label == "未通过"
    # weights 70/10/10/10: core 70 × 1 + other 10 × 0.85 + projects 10 × 0.95 + 10 × 0.2
    # = 70 + 8.5 + 9.5 + 2 = 90
    res = evaluate_acceptance(case(), AcceptanceRules(weights=ScoreWeights(70, 10, 10, 10)))
    assert res.score == pytest.approx(90)
    # a reference-only credit of 0 removes YQ-05's half point: other 8/10 → 16; total 87
    res = evaluate_acceptance(case(), AcceptanceRules(target_miss_credit=0))
    assert res.score == pytest.approx(87)
    with pytest.raises(RulesError, match="add up to 100"):
        ScoreWeights(50, 20, 20, 20)
    with pytest.raises(RulesError, match="target_miss_credit"):
        AcceptanceRules(target_miss_credit=1.5)


def test_require_core_targets():
    def change(d):
        d["application"]["content"]["indicators"]["YQ-03"] = {"target": 15}

    res = evaluate_acceptance(case(change))  # YQ-03 12: reference ≥ 10 met, target 15 missed
    assert res.passed and "CORE_TARGET_MISSED" in {r.code for r in res.reasons}
    res = evaluate_acceptance(case(change), AcceptanceRules(require_core_targets=True))
    assert [r.code for r in res.reasons if r.blocking] == ["CORE_TARGET_MISSED"]


def test_declared_value_far_from_computed_is_flagged():
    def change(d):
        d["achieved"]["YQ-01"] = {"value": 50}  # computed is 45: |50 − 45| = 5 > 5 % × 45

    res = evaluate_acceptance(case(change))
    r = next(r for r in res.indicators if r.code == "YQ-01")
    assert r.source == "declared" and r.discrepancy and "45" in r.discrepancy
    assert "DISCREPANCY" in {x.code for x in res.reasons}


def test_against_target_directions():
    index = catalog.indicator_index()
    # QY-02 区域人均碳排放量 ≤ 3.5 (lower is better): committed 3.0, achieved 3.2
    assert against_target(index["QY-02"], 3.2, 3.0, MET) == NOT_MET
    assert against_target(index["QY-02"], 2.9, 3.0, MET) == MET
    # XY-03 能耗水平, benchmark, lower is better: committed 12.5, achieved 12.5 → met (bound)
    assert against_target(index["XY-03"], 12.5, 12.5, MET) == MET
    # SQ-02 容积率, a range: held to the reference judgement
    assert against_target(index["SQ-02"], 2.6, 2.0, NOT_MET) == NOT_MET
    # yes/no: committed yes, achieved no → missed; committed no commits to nothing more
    assert against_target(index["YQ-13"], False, True, NOT_MET) == NOT_MET
    assert against_target(index["YQ-13"], False, False, NOT_MET) == MET
    assert against_target(index["YQ-03"], True, 10, NEEDS_REVIEW) == NEEDS_REVIEW
    assert against_target(index["YQ-03"], None, 10, MISSING) == MISSING


def test_accepted_example_worked_by_hand():
    res = evaluate_acceptance(load_acceptance(EXAMPLES / "park-accepted.yaml"))
    # core 10/10 → 50; other: YQ-06 61 misses its committed 62 → 9.5/10 → 19
    # projects: 屋顶光伏 47500/48000 → 0.5 + 0.5 × 0.98958 = 0.99479; 余热 81000/90000 →
    # 0.95; the other five deliver ≥ expected → 1; mean 6.94479 / 7 = 0.99211 → 19.842
    # accounting 5/5 → 10; total 98.842 → 优秀
    assert res.score == pytest.approx(50 + 19 + 20 * (5 + 0.5 + 0.5 * 47500 / 48000 + 0.95) / 7
                                      + 10)
    assert (res.verdict, res.grade_label) == (PASSED, "优秀")
    # achieved reduction on the default basis (location, 2022 grid factor held): the 2026
    # electricity 600,000 MWh is re-expressed from 0.4476 (2023, the latest published) to
    # 0.4044: 428500 + 600000 × (0.4044 − 0.4476) = 402580; (762200 − 402580) / 762200 = 47.18 %
    assert res.basis == "location"
    assert res.reduction["achieved_tco2"] == pytest.approx(402580)
    assert res.reduction["reduction_pct"] == pytest.approx(47.182, abs=1e-3)
    assert res.reduction["declared_tco2"] == 428500
    assert all(c.passed for c in res.checks)
    # the data-year view is the declared one: (762200 − 428500) / 762200 = 43.78 %
    data_year = evaluate_acceptance(load_acceptance(EXAMPLES / "park-accepted.yaml"),
                                    options=AccountingOptions(grid_factor="data_year"))
    assert data_year.reduction["reduction_pct"] == pytest.approx(43.781, abs=1e-3)
    # YQ-01 declared 43.8 agrees with that view: not a disagreement on the held basis
    yq01 = next(r for r in res.indicators if r.code == "YQ-01")
    assert yq01.discrepancy is None


def test_failed_example():
    res = evaluate_acceptance(load_acceptance(EXAMPLES / "commercial-failed.yaml"))
    assert res.verdict == FAILED and res.grade_label == "未通过"
    assert [r.code for r in res.reasons if r.blocking] == ["CORE_NOT_MET", "PROJECTS_NOT_DONE"]
    assert "SY-02" in res.reasons[0].message  # 108 is not better than the benchmark 105
    # SY-01 per floor area: (11160 − 7600) / 11160 = 31.90 % ≥ 30, below the committed 33
    sy01 = next(r for r in res.indicators if r.code == "SY-01")
    assert (sy01.reference_status, sy01.target_status) == (MET, NOT_MET)
    assert [c.code for c in res.checks if not c.passed] == ["A4", "A5"]


def test_rule_errors_carry_the_field_and_the_value():
    with pytest.raises(RulesError) as info:
        ScoreWeights(core=-5)
    assert (info.value.name, info.value.value) == ("weights.core", -5)
    with pytest.raises(RulesError) as info:
        AcceptanceRules(completion_share=1.5)
    assert (info.value.name, info.value.value) == ("completion_share", 1.5)
    assert str(info.value) == "completion_share: expected a share between 0 and 1, got 1.5"


def test_rules_file_error_names_the_field_from_the_error():
    with pytest.raises(InputError) as info:
        rules_from_mapping({"acceptance": {"weights": {"core": -5}}}, "rules.yaml")
    assert info.value.problems == [
        ("acceptance.weights.core", "expected a number of at least 0, got -5.0")]
    # a band code holding ": " — the field is read from the error, not cut out of its message
    bands = [{"code": "a: b", "label": "甲", "lower": 60, "outcome": "maybe"},
             {"code": "fail", "label": "未通过", "lower": None}]
    with pytest.raises(InputError) as info:
        rules_from_mapping({"acceptance": {"bands": bands}}, "rules.yaml")
    [(where, text)] = info.value.problems
    assert where == "acceptance.bands[a: b].outcome"
    assert text.startswith("unknown outcome; one of ") and text.endswith(", got 'maybe'")
    with pytest.raises(InputError) as info:
        rules_from_mapping({"monitor": {"rising_years": 0}}, "rules.yaml")
    assert info.value.problems == [
        ("monitor.rising_years", "expected a whole number of at least 1")]


def test_rules_file_weights_left_out_keep_the_model_defaults():
    acceptance, _ = rules_from_mapping({"acceptance": {"weights": {"core": 40, "other": 30}}})
    default = ScoreWeights()
    assert acceptance.weights == ScoreWeights(40, 30, default.projects, default.accounting)
    with pytest.raises(InputError, match="acceptance.weights.bonus: unknown field"):
        rules_from_mapping({"acceptance": {"weights": {"bonus": 1}}}, "rules.yaml")
