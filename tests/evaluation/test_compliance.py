"""Contract 3: inclusive bounds, the full 100 %, strict benchmarks, statuses and the core gate.

Boundary cases per rule kind: equal to the reference, just past it on either side.
"""

from __future__ import annotations

import pytest

from nzc_review.evaluation.compliance import core_gate, evaluate_compliance, judge
from nzc_review.intake import validate_application
from nzc_review.policy import catalog
from tests.conftest import minimal_app

IDX = catalog.indicator_index()
TINY = 1e-6


@pytest.mark.parametrize(
    "code, value, status",
    [
        # at_least (QY-03 可再生能源消费比重 ≥10)
        ("QY-03", 10, "met"),
        ("QY-03", 10 - TINY, "not_met"),
        ("QY-03", 10.5, "met"),
        # at_most (QY-02 区域人均碳排放量 ≤3.5)
        ("QY-02", 3.5, "met"),
        ("QY-02", 3.5 + TINY, "not_met"),
        ("QY-02", 0, "met"),
        # range (SQ-02 容积率 1.5-2.5, both bounds included)
        ("SQ-02", 1.5, "met"),
        ("SQ-02", 2.5, "met"),
        ("SQ-02", 1.5 - TINY, "not_met"),
        ("SQ-02", 2.5 + TINY, "not_met"),
        ("SQ-02", 2.0, "met"),
        # full 100 % (YQ-07 园区内绿色交通出行比例 100)
        ("YQ-07", 100, "met"),
        ("YQ-07", 100 - TINY, "not_met"),
        ("YQ-07", 99.9, "not_met"),
        # reduction versus base year (YQ-01 较2022年下降40%以上: 40 included)
        ("YQ-01", 40, "met"),
        ("YQ-01", 40 - TINY, "not_met"),
        ("YQ-01", -5, "not_met"),
        # count (SQ-04 共享自行车停放点 ≥2)
        ("SQ-04", 2, "met"),
        ("SQ-04", 1, "not_met"),
        # ratio (SQ-09 充电桩个数/新能源汽车架数 ≥20%)
        ("SQ-09", 20, "met"),
        ("SQ-09", 19.99, "not_met"),
        ("SQ-09", 150, "met"),
        # qualitative (QY-13 碳排放管理体系 建立)
        ("QY-13", True, "met"),
        ("QY-13", False, "not_met"),
        # prohibited (SY-10 不可降解一次性塑料餐具 不得使用: true = none used)
        ("SY-10", True, "met"),
        ("SY-10", False, "not_met"),
        # no value
        ("QY-03", None, "missing"),
        ("QY-13", None, "missing"),
    ],
)
def test_boundaries(code, value, status):
    assert judge(IDX[code], value).status == status


@pytest.mark.parametrize(
    "value, benchmark, status",
    [
        (14.0, 15.0, "met"),  # strictly better (lower) than the benchmark
        (15.0, 15.0, "not_met"),  # equal is not better (优于 is strict)
        (15.0 + TINY, 15.0, "not_met"),
        (15.0 - TINY, 15.0, "met"),
        (14.0, None, "needs_review"),  # no benchmark: the rules cannot judge
        (None, 15.0, "missing"),
    ],
)
def test_benchmark_is_strict(value, benchmark, status):
    assert judge(IDX["XY-03"], value, benchmark).status == status


def test_margins_are_signed_better_positive():
    assert judge(IDX["QY-03"], 12).margin == pytest.approx(2)
    assert judge(IDX["QY-02"], 3.0).margin == pytest.approx(0.5)
    assert judge(IDX["QY-02"], 4.0).margin == pytest.approx(-0.5)
    assert judge(IDX["SQ-02"], 2.4).margin == pytest.approx(0.1)
    assert judge(IDX["XY-03"], 12.5, 15.0).margin == pytest.approx(2.5)


def test_stricter_than_reference():
    assert judge(IDX["YQ-01"], 45).stricter is True
    assert judge(IDX["YQ-01"], 40).stricter is False
    assert judge(IDX["YQ-01"], 30).stricter is None
    assert judge(IDX["YQ-07"], 100).stricter is False  # 100 % cannot be exceeded
    assert judge(IDX["QY-13"], True).stricter is None


def _report(pilot_type, indicators, **fields):
    app = validate_application(minimal_app(pilot_type, indicators=indicators, **fields), "t.yaml")
    return evaluate_compliance(app)


def _all_core_met(pilot_type):
    values = {}
    for row in catalog.indicators(pilot_type):
        if row.type != "core":
            continue
        rule = row.rule
        if rule.kind in catalog.BOOLEAN_RULES:
            v = True
        elif rule.kind in {"at_least", "reduction", "count", "ratio"}:
            v = rule.min
        elif rule.kind == "at_most":
            v = rule.max
        elif rule.kind == "range":
            v = rule.min
        elif rule.kind == "full":
            v = 100
        else:  # benchmark
            values[row.code] = {"current": 10.0, "target": 9.0, "benchmark": 10.0}
            continue
        values[row.code] = {"current": v, "target": v}
    return values


@pytest.mark.parametrize("pilot_type", catalog.PILOT_TYPES)
def test_core_gate_pass_fail_incomplete(pilot_type):
    values = _all_core_met(pilot_type)
    assert _report(pilot_type, values).core_gate == "pass"
    code = next(iter(values))
    failing = dict(values)
    first = failing[code]["target"]
    failing[code] = {"target": False if isinstance(first, bool) else -1}
    report = _report(pilot_type, failing)
    assert report.core_gate == "fail" and report.failed_core == [code]
    incomplete = {k: v for k, v in values.items() if k != code}
    assert _report(pilot_type, incomplete).core_gate == "incomplete"


def test_fail_wins_over_incomplete_and_general_indicators_do_not_gate():
    values = _all_core_met("park")
    values["YQ-05"] = {"target": 10}  # general indicator not met: no veto
    assert _report("park", values).core_gate == "pass"
    values["YQ-01"] = {"target": 10}
    del values["YQ-03"]
    assert _report("park", values).core_gate == "fail"


def test_benchmark_without_value_makes_gate_incomplete():
    values = _all_core_met("campus")
    values["XY-03"] = {"current": 20.0, "target": 12.0}
    report = _report("campus", values)
    assert report.core_gate == "incomplete"
    assert "XY-03" in report.needs_review


def test_core_gate_of_empty_results():
    assert core_gate([]) == "pass"


def test_current_reduction_computed_from_emissions():
    report = _report("park", {}, emissions_tco2={2022: 1000, 2023: 700})
    yq01 = next(r for r in report.indicators if r.code == "YQ-01")
    assert yq01.current_source == "computed"
    assert yq01.current == pytest.approx(30.0)
    assert yq01.current_status == "not_met"


def test_intensity_reduction_takes_either_basis():
    profile = {
        2022: {"output_value_10k_cny": 100, "industrial_value_added_10k_cny": 50},
        2023: {"output_value_10k_cny": 200, "industrial_value_added_10k_cny": 60},
    }
    report = _report("park", {}, emissions_tco2={2022: 1000, 2023: 1000}, profile=profile)
    yq02 = next(r for r in report.indicators if r.code == "YQ-02")
    # per output value: 10 → 5 (50 %); per value added: 20 → 16.67 (16.7 %); either counts
    assert yq02.current == pytest.approx(50.0)
    assert yq02.current_status == "met"
    assert {d["basis"] for d in yq02.computed} == {"per_output_value", "per_industrial_value_added"}


def test_per_capita_computed_for_region():
    report = _report("region", {}, emissions_tco2={2022: 350_000}, profile={2022: {"population": 100_000}})
    qy02 = next(r for r in report.indicators if r.code == "QY-02")
    assert qy02.current == pytest.approx(3.5) and qy02.current_status == "met"


def test_declared_value_disagreeing_with_emissions_is_flagged():
    emissions = {2022: 1000, 2023: 800}  # 20 % reduction
    close = _report("park", {"YQ-01": {"current": 20.9}}, emissions_tco2=emissions)
    assert close.warnings == []  # 4.5 % off: within tolerance
    far = _report("park", {"YQ-01": {"current": 25}}, emissions_tco2=emissions)
    assert len(far.warnings) == 1 and "YQ-01" in far.warnings[0]
    yq01 = next(r for r in far.indicators if r.code == "YQ-01")
    assert yq01.current == 25 and yq01.current_source == "declared"


def test_declared_basis_is_compared_with_that_basis_only():
    profile = {2022: {"floor_area_m2": 100, "population": 10},
               2023: {"floor_area_m2": 100, "population": 20}}
    emissions = {2022: 1000, 2023: 900}  # floor area: 10 %; per capita: 55 %
    ok = _report("campus", {"XY-02": {"current": 55, "basis": "per_capita"}},
                 emissions_tco2=emissions, profile=profile)
    assert ok.warnings == []
    bad = _report("campus", {"XY-02": {"current": 55, "basis": "per_floor_area"}},
                  emissions_tco2=emissions, profile=profile)
    assert len(bad.warnings) == 1


def test_category_summary_and_missing():
    report = _report("region", {"QY-03": {"current": 5, "target": 12}})
    energy = next(c for c in report.categories if c.category == "能源")
    assert energy.indicators == 2 and energy.target_met == 1 and energy.target_missing == 1
    assert [c.category for c in report.categories] == ["碳排放", "能源", "建筑", "交通", "绿地",
                                                        "废弃物", "管理"]
    assert "QY-04" in report.missing and "QY-03" not in report.missing
    assert report.stricter == ["QY-03"]
