"""Scenario forecast on small applications worked out by hand."""

from __future__ import annotations

import pytest

from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.intake import validate_application
from tests.conftest import minimal_app


def _fc(pilot_type="campus", projects=(), growth=0.0, emissions=None, period=(2024, 2026), **kw):
    data = minimal_app(
        pilot_type,
        emissions_tco2=emissions or {2022: 1000},
        period={"start": period[0], "end": period[1]},
        bau_growth_rate=growth,
        key_projects=[
            {"name": f"p{i}", "end_year": end, "expected_reduction_tco2_per_year": r}
            for i, (end, r) in enumerate(projects)
        ],
        **kw,
    )
    return scenario_forecast(validate_application(data, "t.yaml"))


def test_growth_zero_no_project():
    fc = _fc()
    assert [r.year for r in fc.years] == [2022, 2023, 2024, 2025, 2026]
    assert all(r.bau_tco2 == 1000 and r.plan_tco2 == 1000 for r in fc.years)
    assert fc.projected_reduction_pct == 0
    assert fc.meets_target is False
    assert fc.gap_tco2 == pytest.approx(300)  # campus XY-01: 30 % of 1000


def test_one_project_counts_from_the_year_after_it_ends():
    fc = _fc(projects=[(2024, 300)])
    plan = {r.year: r.plan_tco2 for r in fc.years}
    assert plan[2024] == 1000 and plan[2025] == 700 and plan[2026] == 700
    assert fc.projected_reduction_pct == pytest.approx(30)
    assert fc.required_reduction_pct == 30
    assert fc.meets_target is True  # 30 % exactly: 以上 includes the bound
    assert fc.gap_tco2 == 0


def test_two_projects_ending_in_different_years():
    fc = _fc(pilot_type="park", projects=[(2024, 200), (2025, 150)])
    plan = {r.year: r.plan_tco2 for r in fc.years}
    assert plan[2025] == 800 and plan[2026] == 650
    assert fc.projected_reduction_pct == pytest.approx(35)
    assert fc.meets_target is False  # park YQ-01 requires 40 %
    assert fc.gap_tco2 == pytest.approx(50)  # 650 − 600


def test_project_ending_after_target_year_does_not_count():
    fc = _fc(projects=[(2024, 300), (2026, 500)])
    assert fc.years[-1].plan_tco2 == 700
    assert any("p1" in a and "目标年2026年前不产生减排" in a for a in fc.assumptions)


def test_growth_compounds_from_latest_accounted_year():
    fc = _fc(growth=0.1, emissions={2022: 1000, 2023: 900}, projects=[(2025, 100)])
    bau = {r.year: r.bau_tco2 for r in fc.years}
    assert bau[2023] == 900 and bau[2026] == pytest.approx(900 * 1.1**3)
    assert fc.years[-1].plan_tco2 == pytest.approx(900 * 1.331 - 100)


def test_project_finished_before_latest_year_is_already_in_the_accounts():
    fc = _fc(emissions={2022: 1000, 2023: 800}, projects=[(2022, 200)])
    assert fc.years[-1].plan_tco2 == 800
    assert fc.projects_not_counted[0]["name"] == "p0"


def test_projects_without_figures_are_left_out_with_reason():
    data = minimal_app("campus", emissions_tco2={2022: 1000}, period={"start": 2024, "end": 2026},
                       key_projects=[{"name": "a", "end_year": 2024},
                                     {"name": "b", "expected_reduction_tco2_per_year": 5}])
    fc = scenario_forecast(validate_application(data, "t.yaml"))
    reasons = {p["name"]: p["reason"] for p in fc.projects_not_counted}
    assert reasons == {"a": "未填写预期碳减排量", "b": "未填写建设周期（结束年）"}


def test_plan_never_below_zero():
    fc = _fc(projects=[(2024, 5000)])
    assert fc.years[-1].plan_tco2 == 0
    assert fc.problems


def test_intensity_requirement_either_basis():
    profile = {2022: {"output_value_10k_cny": 100, "industrial_value_added_10k_cny": 100},
               2026: {"output_value_10k_cny": 150, "industrial_value_added_10k_cny": 100}}
    fc = _fc(pilot_type="park", projects=[(2024, 400)], profile=profile)
    checks = {(c.code, c.basis): c for c in fc.checks}
    # total: 1000 → 600 = 40 % (met); per output value: 10 → 4 = 60 %; per value added 40 %
    assert checks[("YQ-01", "total")].met is True
    assert checks[("YQ-02", "per_output_value")].projected_pct == pytest.approx(60)
    assert checks[("YQ-02", "per_industrial_value_added")].projected_pct == pytest.approx(40)
    assert fc.meets_target is True


def test_per_capita_values_in_years():
    fc = _fc(projects=[(2024, 300)], profile={2022: {"population": 100}})
    assert fc.years[-1].per_capita == pytest.approx(7.0)
    assert any("人口" in a for a in fc.assumptions)


def test_steady_decline():
    assert _fc(projects=[(2023, 100), (2024, 100), (2025, 100)]).steady_decline is True
    rising = _fc(growth=0.05, projects=[(2023, 200)])
    assert rising.steady_decline is False


def test_missing_base_year_or_period():
    no_base = _fc(emissions={2023: 1000})
    assert no_base.meets_target is None and no_base.problems
    data = minimal_app("campus", emissions_tco2={2022: 1000})
    fc = scenario_forecast(validate_application(data, "t.yaml"))
    assert "period" in fc.problems[0]


def test_committed_target_line():
    fc = _fc(projects=[(2024, 350)], indicators={"XY-01": {"target": 35}})
    assert fc.years[0].committed_tco2 == pytest.approx(650)
    assert fc.years[0].required_tco2 == pytest.approx(700)
