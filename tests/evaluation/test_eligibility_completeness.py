"""Selection conditions (遴选条件) and completeness against 附件2."""

from __future__ import annotations

import pytest

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


# --- 附件2 二 (three texts) and 四 (five areas of main tasks) ---------------------------------

BASIS = {"conditions": "有利条件：电网接入好；障碍：煤电占比高", "work_basis": "已建光伏 30 MW",
         "feasibility_conclusion": "可行"}
TASKS = {"planning_construction": ["编制规划"], "energy_use": ["屋顶光伏"],
         "resources_environment": ["余热利用"], "technology_process": ["电机改造"],
         "operation_management": ["能源管理平台"]}


def _section(app, section_id):
    return next(s for s in evaluate_completeness(app).sections if s.id == section_id)


@pytest.mark.parametrize(
    "key, item",
    [("conditions", "二、建设基础及可行性：（一）有利条件和面临障碍（basis_and_feasibility.conditions）"),
     ("work_basis", "二、建设基础及可行性：（二）工作基础及特色亮点（basis_and_feasibility.work_basis）"),
     ("feasibility_conclusion",
      "二、建设基础及可行性：（三）可行性结论（basis_and_feasibility.feasibility_conclusion）")],
)
def test_each_missing_text_of_section_2_is_an_item(key, item):
    given = {k: v for k, v in BASIS.items() if k != key}
    app = _app(basis_and_feasibility=given, main_tasks=TASKS)
    items = evaluate_completeness(app).items_to_supplement
    assert item in items
    assert not any(other in " ".join(items) for other in given)  # only the one missing
    blank = _app(basis_and_feasibility={**BASIS, key: "  "}, main_tasks=TASKS)
    assert item in evaluate_completeness(blank).items_to_supplement  # white space is not a text


@pytest.mark.parametrize(
    "area, label",
    [("planning_construction", "规划建设"), ("energy_use", "能源利用"),
     ("resources_environment", "资源环境"), ("technology_process", "技术工艺"),
     ("operation_management", "运营管理")],
)
def test_each_area_of_section_4_without_a_task_is_an_item(area, label):
    app = _app(basis_and_feasibility=BASIS, main_tasks={**TASKS, area: []})
    section = _section(app, "main_tasks")
    assert section.status == "partial"
    assert section.missing == [f"{label}方面的主要任务（main_tasks.{area}）"]
    assert f"四、主要任务：{label}方面的主要任务（main_tasks.{area}）" in (
        evaluate_completeness(app).items_to_supplement)


def test_section_4_needs_tasks_not_key_projects():
    projects = [{"name": "光伏", "content": "屋顶光伏", "plan": "2024年", "owner": "公司",
                 "start_year": 2024, "end_year": 2024, "investment_10k_cny": 100,
                 "expected_reduction_tco2_per_year": 10}]
    only_projects = _section(_app(key_projects=projects), "main_tasks")
    assert only_projects.status == "missing" and len(only_projects.missing) == 5
    assert _section(_app(main_tasks=TASKS), "main_tasks").status == "complete"
    one = _section(_app(main_tasks={"energy_use": "屋顶光伏"}), "main_tasks")  # a text: one task
    assert one.status == "partial" and len(one.missing) == 4


def test_section_2_complete_with_data_and_texts():
    app = _app(basis_and_feasibility=BASIS, emissions_tco2={2022: 10, 2023: 9},
               energy={2022: {"electricity_mwh": 5}, 2023: {"electricity_mwh": 4}},
               bau_growth_rate=0.01)
    assert _section(app, "basis_and_feasibility").status == "complete"
    bare = _section(_app(), "basis_and_feasibility").missing
    assert [m for m in bare if "basis_and_feasibility." in m] == [
        "（一）有利条件和面临障碍（basis_and_feasibility.conditions）",
        "（二）工作基础及特色亮点（basis_and_feasibility.work_basis）",
        "（三）可行性结论（basis_and_feasibility.feasibility_conclusion）"]


def test_examples_state_sections_2_and_4():
    for name in ("park-pass", "region-pass", "commercial-pass", "community-fail"):
        result = evaluate_completeness(load_application(EXAMPLES / f"{name}.yaml"))
        sections = {s.id: s.status for s in result.sections}
        assert sections["basis_and_feasibility"] == sections["main_tasks"] == "complete", name
    campus = evaluate_completeness(load_application(EXAMPLES / "campus-incomplete.yaml"))
    assert {s.id: s.missing for s in campus.sections}["main_tasks"] == [
        "技术工艺方面的主要任务（main_tasks.technology_process）"]
