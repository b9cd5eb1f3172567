"""The accounting basis of a run (DESIGN.md contract 4), each rule on numbers worked by hand.

Factors (emission_factors.csv, 生态环境部、国家统计局 公告2024年第33号 / 2025年第47号):
Guangxi grid 0.4044 (2022), 0.4476 (2023); national grid 0.5366 (2022), 0.5306 (2023);
national residual mix (不包括市场化交易的非化石能源电量) 0.5856 (2022), 0.6096 (2023).
"""

from __future__ import annotations

import pytest

from nzc_review.evaluation.accounting import account_carbon
from nzc_review.evaluation.basis import (
    AccountingOptions,
    AccountingOptionsError,
    category_notes,
    emission_series,
    project_category,
)
from nzc_review.evaluation.compliance import evaluate_compliance
from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.evaluation.pipeline import (
    EvaluationOptions,
    evaluate_application,
    evaluation_options,
)
from nzc_review.evaluation.risk import RiskModel, delivery_risk
from nzc_review.intake import load_application, validate_application
from nzc_review.policy.application import KeyProject
from tests.conftest import EXAMPLES, minimal_app

HELD = AccountingOptions()
DATA_YEAR = AccountingOptions(grid_factor="data_year")
GREEN = AccountingOptions(basis="green_deducted")
CERTAIN = RiskModel(draws=100, delay_years=(0,), delay_probabilities=(1.0,),
                    delivery_low=1.0, delivery_mode=1.0, delivery_high=1.0)


def _app(**fields):
    return validate_application(minimal_app("park", **fields), "t.yaml")


# --- grid factor held (同口径) ------------------------------------------------------------------


def test_same_use_2022_vs_2023_is_0_percent_held_and_an_increase_at_data_year_factors():
    # 1,000 MWh both years, declared as accounted: 2022 404.4 t, 2023 447.6 t
    app = _app(energy={2022: {"electricity_mwh": 1000}, 2023: {"electricity_mwh": 1000}},
               emissions_tco2={2022: 404.4, 2023: 447.6},
               indicators={"YQ-01": {"target": 45}})
    held = emission_series(app, HELD)
    assert held.values == pytest.approx({2022: 404.4, 2023: 404.4})  # 1000 × 0.4044 both
    assert held.levels == pytest.approx({2022: 404.4, 2023: 447.6})  # the year's own level
    data_year = emission_series(app, DATA_YEAR)
    assert data_year.values == pytest.approx({2022: 404.4, 2023: 447.6})

    def computed(options):
        report = evaluate_compliance(app, emission_series(app, options))
        return next(r for r in report.indicators if r.code == "YQ-01").current

    assert computed(HELD) == pytest.approx(0.0, abs=1e-9)
    # (404.4 − 447.6) / 404.4 = −10.68 %: an increase caused by the grid alone
    assert computed(DATA_YEAR) == pytest.approx(-10.682, abs=1e-3)


def test_held_totals_in_the_accounting():
    app = _app(energy={2023: {"electricity_mwh": 1000, "raw_coal_t": 10}},
               emissions_tco2={2022: 500, 2023: 466.603})
    year = account_carbon(app).years[2023]
    coal = 10 * 1.9003
    assert year.total_tco2 == pytest.approx(447.6 + coal)  # data-year factor 0.4476
    assert year.total_held_tco2 == pytest.approx(404.4 + coal)  # base-year factor 0.4044
    assert year.basis_tco2 == pytest.approx(404.4 + coal)  # default: location, held
    assert year.other_basis_tco2 == pytest.approx(404.4 + coal)  # no green electricity
    # the series re-expresses the declared 466.603 by the electricity change alone
    assert account_carbon(app).emissions.values[2023] == pytest.approx(466.603 - 43.2)


def test_a_year_without_energy_data_keeps_its_declared_figure_and_says_so():
    app = _app(emissions_tco2={2022: 1000, 2023: 900})
    series = emission_series(app, HELD)
    assert series.values == {2022: 1000, 2023: 900}
    assert any(n.startswith("2023年无能源活动数据") for n in series.notes)
    assert not any(n.startswith("2022年") for n in series.notes)  # the base needs no change
    assert emission_series(app, DATA_YEAR).notes == []


# --- green electricity: the two bases --------------------------------------------------------


def test_green_deducted_uses_the_residual_mix_where_published():
    app = _app(energy={2022: {"electricity_mwh": 1000, "green_electricity_mwh": 200}},
               emissions_tco2={2022: 536.6})
    national = AccountingOptions(basis="green_deducted", electricity_scope=("national",))
    year = account_carbon(app, options=national).years[2022]
    assert year.total_tco2 == pytest.approx(536.6)  # 1000 × 0.5366
    assert year.total_green_deducted_tco2 == pytest.approx(800 * 0.5856)  # = 468.48
    assert year.basis_tco2 == pytest.approx(468.48)
    assert year.other_basis_tco2 == pytest.approx(536.6)
    residual = next(u for u in year.factors if u.field == "residual_electricity")
    assert (residual.key, residual.scope, residual.year, residual.value) == (
        "grid_electricity_excl_market_nonfossil", "national", 2022, 0.5856)
    # declared 536.6 re-expressed: 536.6 + 468.48 − 536.6
    assert emission_series(app, national).values[2022] == pytest.approx(468.48)


def test_green_deducted_falls_back_to_the_grid_factor_and_says_so():
    app = _app(energy={2022: {"electricity_mwh": 1000, "green_electricity_mwh": 200}},
               emissions_tco2={2022: 404.4})
    accounting = account_carbon(app, options=GREEN)
    assert accounting.years[2022].total_green_deducted_tco2 == pytest.approx(800 * 0.4044)
    assert any("未发布剩余电力排放因子" in n and "本工具默认规则" in n
               for n in accounting.basis_notes)
    assert not any(u.field == "residual_electricity" for u in accounting.years[2022].factors)


def test_green_deducted_without_base_year_energy_leaves_every_year_as_declared():
    app = _app(energy={2023: {"electricity_mwh": 1000, "green_electricity_mwh": 500}},
               emissions_tco2={2022: 1000, 2023: 900})
    series = emission_series(app, GREEN)
    assert series.values == {2022: 1000, 2023: 900}  # not 900 − 500 × 0.4476 against 1000
    assert any("基准年（2022年）无能源活动数据" in n for n in series.notes)


def test_park_example_hand_worked_on_each_basis():
    """2022 762,200 t; 2023 735,400 t with 869,000 MWh bought (90,000 green); growth 2 %;
    projects ending 2024/2025: 472,000 t/yr, of which 179,000 t 绿电交易; target 2026, YQ-01
    requires 40 %. 1.02³ = 1.061208."""
    app = load_application(EXAMPLES / "park-pass.yaml")

    def forecast(options):
        return scenario_forecast(app, emission_series(app, options))

    # location, data-year factors: 735,400 × 1.061208 − 293,000 = 487,412.36
    # (762,200 − 487,412.36) / 762,200 = 36.05 % < 40 %
    fc = forecast(DATA_YEAR)
    assert fc.projected_tco2 == pytest.approx(735400 * 1.061208 - 293000)
    assert fc.projected_reduction_pct == pytest.approx(36.05, abs=0.005)
    assert fc.meets_target is False
    assert fc.projects_not_counted[0]["name"] == "绿电交易"
    # location, 2022 factor held: 2023 = 735,400 + 869,000 × (0.4044 − 0.4476) = 697,859.2
    # 697,859.2 × 1.061208 − 293,000 = 447,573.70 → 41.28 % ≥ 40 %
    fc = forecast(HELD)
    assert fc.years[0].bau_tco2 == pytest.approx(697859.2)
    assert fc.projected_reduction_pct == pytest.approx(41.28, abs=0.005)
    assert fc.meets_target is True
    # green-deducted, held (no Guangxi residual factor: the grid factor):
    # 2022 = 762,200 − 60,000 × 0.4044 = 737,936; 2023 = 735,400 + 779,000 × 0.4044
    # − 869,000 × 0.4476 = 661,463.2; × 1.061208 − 472,000 = 229,950.33 → 68.84 %
    fc = forecast(GREEN)
    assert fc.base_tco2 == pytest.approx(737936)
    assert fc.projected_tco2 == pytest.approx(661463.2 * 1.061208 - 472000)
    assert fc.projected_reduction_pct == pytest.approx(68.84, abs=0.005)
    assert fc.projects_not_counted == []


def test_park_example_verdict_on_each_basis():
    app = load_application(EXAMPLES / "park-pass.yaml")
    fast = RiskModel(draws=2000)

    def verdict(**kw):
        return evaluate_application(app, EvaluationOptions(risk=fast, **kw)).verdict

    data_year = verdict(grid_factor="data_year")
    assert data_year.level == "不可行" and "N3" in [r.rule for r in data_year.reasons]
    held = verdict()  # 41.28 % but a small chance of keeping to time
    assert held.level == "基本可行" and [r.rule for r in held.reasons] == ["B5"]
    assert verdict(accounting_basis="green_deducted").level == "可行"


# --- key-project categories ------------------------------------------------------------------


def test_a_green_power_purchase_reduces_nothing_under_location():
    projects = [{"name": "采购协议", "end_year": 2024, "expected_reduction_tco2_per_year": 300,
                 "category": "green_electricity"}]
    app = validate_application(minimal_app(
        "campus", emissions_tco2={2022: 1000}, period={"start": 2024, "end": 2026},
        key_projects=projects), "t.yaml")
    location = scenario_forecast(app, emission_series(app, HELD))
    assert location.projected_tco2 == 1000 and location.meets_target is False
    assert "基于位置口径下外购电力按电网平均排放因子计" in location.projects_not_counted[0]["reason"]
    green = scenario_forecast(app, emission_series(app, GREEN))
    assert green.projected_tco2 == 700 and green.meets_target is True  # 30 % exactly
    # the risk simulation counts the same projects
    assert delivery_risk(app, CERTAIN, emission_series(app, HELD)).probability_meets_target == 0
    assert delivery_risk(app, CERTAIN, emission_series(app, GREEN)).probability_meets_target == 1


def test_category_is_inferred_from_the_name_and_said_so():
    assert project_category(KeyProject(name="年度绿电交易")) == ("green_electricity", True)
    assert project_category(KeyProject(name="购买绿证")) == ("green_electricity", True)
    assert project_category(KeyProject(name="绿色电力交易")) == ("green_electricity", True)
    assert project_category(KeyProject(name="屋顶光伏")) == ("other", False)
    # a written category wins over the name
    own = KeyProject(name="绿电自发自用光伏", category="renewable_onsite")
    assert project_category(own) == ("renewable_onsite", False)
    notes = category_notes([KeyProject(name="年度绿电交易"), own, KeyProject(name="屋顶光伏")])
    assert notes == ["重点项目“年度绿电交易”未填写类别，按名称推断为绿电交易/绿证"
                     "（本工具默认规则，可在 category 中写明）"]
    app = validate_application(minimal_app(
        "campus", emissions_tco2={2022: 1000}, period={"start": 2024, "end": 2026},
        key_projects=[{"name": "年度绿电交易", "end_year": 2024,
                       "expected_reduction_tco2_per_year": 300}]), "t.yaml")
    fc = scenario_forecast(app)
    assert fc.projected_tco2 == 1000 and notes[0] in fc.assumptions


def test_unknown_category_is_an_input_error(write_app):
    from nzc_review.errors import InputError

    data = minimal_app("park", key_projects=[{"name": "p", "category": "green_power"}])
    with pytest.raises(InputError, match=r"key_projects\[0\]\.category|key_projects.0.category"):
        load_application(write_app(data))


# --- one basis per run -----------------------------------------------------------------------


def test_json_carries_the_basis_and_the_other_beside_it():
    app = load_application(EXAMPLES / "park-pass.yaml")
    data = evaluate_application(app, EvaluationOptions(risk=RiskModel(draws=200))).to_dict()
    assert data["accounting"]["basis"] == data["forecast"]["basis"] == "location"
    assert data["risk"]["basis"] == "location"
    assert data["accounting"]["grid_factor"] == data["forecast"]["grid_factor"] == "held"
    assert data["forecast"]["other_basis"]["basis"] == "green_deducted"
    assert data["forecast"]["other_basis"]["projected_reduction_pct"] == pytest.approx(68.84,
                                                                                        abs=0.005)
    green = evaluate_application(app, evaluation_options(draws=200,
                                                         accounting_basis="green_deducted"))
    assert green.accounting.basis == green.forecast.basis == "green_deducted"
    assert green.forecast.other_basis["basis"] == "location"


def test_a_declared_reduction_computed_at_data_year_factors_is_not_a_disagreement():
    # declared YQ-01 current 3.5: (762,200 − 735,400) / 762,200 = 3.52 % at data-year factors;
    # the held figure is (762,200 − 697,859.2) / 762,200 = 8.44 %
    app = load_application(EXAMPLES / "park-pass.yaml")
    report = evaluate_compliance(app)
    yq01 = next(r for r in report.indicators if r.code == "YQ-01")
    assert yq01.computed[0]["value"] == pytest.approx(8.441, abs=1e-3)
    assert yq01.discrepancy is None
    # a figure that matches neither view is still flagged
    wrong = app.model_copy(update={"indicators": {**app.indicators, "YQ-01": app.indicators[
        "YQ-01"].model_copy(update={"current": 6.0})}})
    flagged = next(r for r in evaluate_compliance(wrong).indicators if r.code == "YQ-01")
    assert flagged.discrepancy and "按数据年电网因子" in flagged.discrepancy


@pytest.mark.parametrize("field, value", [("basis", "market"), ("grid_factor", "latest")])
def test_unknown_basis_or_grid_factor_is_refused_naming_the_option(field, value):
    with pytest.raises(AccountingOptionsError) as info:
        AccountingOptions(**{field: value})
    name = "accounting_basis" if field == "basis" else "grid_factor"
    assert info.value.name == name and value in str(info.value)
    with pytest.raises(AccountingOptionsError):
        evaluation_options(**{name: value})
    with pytest.raises(AccountingOptionsError):
        EvaluationOptions(**{name: value})


def test_no_electricity_needs_no_grid_factor():
    from nzc_review.evaluation.factors import load_factors

    fuels_only = [f for f in load_factors() if not f.key.startswith("grid_electricity")]
    app = _app(energy={2022: {"raw_coal_t": 10}, 2023: {"raw_coal_t": 8}},
               emissions_tco2={2022: 19.003, 2023: 15.2024})
    options = AccountingOptions(basis="green_deducted", factors=fuels_only)
    year = account_carbon(app, options=options).years[2023]
    assert year.total_tco2 == year.basis_tco2 == year.total_held_tco2 == pytest.approx(8 * 1.9003)
    assert emission_series(app, options).values == {2022: 19.003, 2023: 15.2024}


def test_the_evaluation_cache_keeps_the_basis():
    from nzc_review.evaluation.cache import evaluation_from_json, evaluation_to_json

    app = load_application(EXAMPLES / "park-pass.yaml")
    ev = evaluate_application(app, EvaluationOptions(risk=RiskModel(draws=100),
                                                     accounting_basis="green_deducted"))
    back = evaluation_from_json(evaluation_to_json(ev))
    assert back.to_dict() == ev.to_dict()
    assert back.accounting.emissions.values[2023] == pytest.approx(661463.2)
    assert back.forecast.basis == "green_deducted"
