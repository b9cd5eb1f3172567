"""Selection conditions (遴选条件) and completeness against 附件2."""

from __future__ import annotations

from nzc_review.evaluation.completeness import evaluate_completeness
from nzc_review.evaluation.eligibility import evaluate_eligibility
from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.intake import load_application, validate_application
from tests.conftest import EXAMPLES, minimal_app


def _app(pilot_type="park", **fields):
    return validate_application(minimal_app(pilot_type, **fields), "t.yaml")


def test_unanswered_conditions_are_reported_not_assumed():
    result = evaluate_eligibility(_app())
    assert result.status == "unconfirmed"
    assert "key_park_list" in result.unanswered
    assert all(c.status == "unanswered" for c in result.conditions)


def test_hard_condition_answered_no_bars_the_application():
    result = evaluate_eligibility(_app(eligibility={"key_park_list": False}))
    assert result.status == "not_eligible" and result.hard_not_met == ["key_park_list"]


def test_preference_never_bars():
    answers = {c: True for c in ("willing_and_qualified", "county_review",
                                 "entity_community_body", "low_carbon_buildings_and_living",
                                 "steady_decline")}
    answers["urban_renewal_done"] = False
    result = evaluate_eligibility(_app("community", eligibility=answers))
    assert result.status == "eligible"
    assert "urban_renewal_done" not in result.hard_not_met


def test_answer_with_evidence():
    result = evaluate_eligibility(
        _app(eligibility={"key_park_list": {"value": True, "evidence": "名录文件"}}))
    cond = next(c for c in result.conditions if c.id == "key_park_list")
    assert cond.status == "met" and cond.evidence == "名录文件"


def test_clean_energy_structure_checked_from_energy_data():
    coal_heavy = _app(eligibility={"clean_energy_structure": True},
                      energy={2023: {"electricity_mwh": 100, "raw_coal_t": 1000}})
    cond = next(c for c in evaluate_eligibility(coal_heavy).conditions
                if c.id == "clean_energy_structure")
    assert cond.auto_check is False and cond.status == "not_met"  # data contradicts the answer
    clean = _app(energy={2023: {"electricity_mwh": 10_000, "raw_coal_t": 100}})
    cond = next(c for c in evaluate_eligibility(clean).conditions
                if c.id == "clean_energy_structure")
    assert cond.auto_check is True and cond.status == "met"


def test_steady_decline_checked_by_forecast():
    rising = _app("campus", emissions_tco2={2022: 1000}, period={"start": 2024, "end": 2026},
                  bau_growth_rate=0.05, eligibility={"steady_decline": True})
    result = evaluate_eligibility(rising, scenario_forecast(rising))
    cond = next(c for c in result.conditions if c.id == "steady_decline")
    assert cond.status == "not_met" and "未稳步下降" in cond.auto_detail


def test_complete_example_and_sections():
    result = evaluate_completeness(load_application(EXAMPLES / "park-pass.yaml"))
    assert result.status == "complete"
    assert [s.number for s in result.sections] == list("一二三四五六七八")


def test_minimal_application_lists_what_to_supplement():
    result = evaluate_completeness(_app())
    text = "\n".join(result.items_to_supplement)
    for needle in ("近两年碳排放核算数据", "建设期", "重点项目", "落实试点建设配套资金",
                   "证明材料（二）近两年碳排放核算数据相关支撑材料"):
        assert needle in text
    statuses = {s.id: s.status for s in result.sections}
    assert statuses["key_projects"] == "missing" and statuses["proofs"] == "missing"


def test_key_project_fields_of_annex_2():
    app = _app(key_projects=[{"name": "光伏", "content": "屋顶光伏", "owner": "公司"}])
    section = next(s for s in evaluate_completeness(app).sections if s.id == "key_projects")
    assert section.status == "partial"
    missing = section.missing[0]
    for label in ("实施计划", "建设周期（开始年）", "预期碳减排量", "投资规模"):
        assert label in missing
    assert "建设内容" not in missing


def test_years_outside_the_period_are_warned():
    app = _app(period={"start": 2024, "end": 2026},
               key_projects=[{"name": "x", "start_year": 2025, "end_year": 2028}],
               schedule={2024: ["a"], 2027: ["b"]})
    warnings = "\n".join(evaluate_completeness(app).warnings)
    assert "晚于目标年 2026" in warnings and "2027年不在建设期" in warnings


def test_safeguard_false_versus_unstated():
    app = _app(safeguards={"leading_body": True, "funding": False})
    section = next(s for s in evaluate_completeness(app).sections if s.id == "safeguards")
    assert any("配套资金（未落实）" in m for m in section.missing)
    assert any("目标责任制" in m and "未说明" in m for m in section.missing)
