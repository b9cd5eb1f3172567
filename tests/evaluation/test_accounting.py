"""Carbon accounting against hand computations with the cited factors.

Factors used (emission_factors.csv):
* Guangxi grid 2022: 0.4044 tCO2/MWh — 生态环境部、国家统计局 公告2024年第33号 附件 表3;
* national grid 2022: 0.5366 tCO2/MWh — same announcement, 表1;
* raw coal: 20.908 GJ/t × 26.37 tC/TJ × 0.94 × 44/12 = 1.9003 tCO2/t — GB/T 32150-2015;
* natural gas: 389.31 GJ/10^4 m3 × 15.3 tC/TJ × 0.99 × 44/12 = 21.6219 tCO2/10^4 m3;
* purchased heat: 0.11 tCO2/GJ — GB/T 32150-2015.
Energy conversion: GB/T 2589-2020 附录A (electricity 0.1229 kgce/kWh, coal 0.7143 kgce/kg,
natural gas 1.3300 kgce/m3).
"""

from __future__ import annotations

import pytest

from nzc_review.evaluation.accounting import account_carbon
from nzc_review.evaluation.energy import energy_balance
from nzc_review.evaluation.factors import load_factors
from nzc_review.intake import validate_application
from nzc_review.policy.application import Energy
from tests.conftest import minimal_app


def _app(**fields):
    return validate_application(minimal_app("park", **fields), "t.yaml")


def test_fuel_factor_is_the_gbt32150_product():
    coal = next(f for f in load_factors() if f.key == "raw_coal")
    assert 20.908 * 26.37 * 0.94 * 44 / 12 / 1000 == pytest.approx(coal.value, abs=5e-5)
    assert coal.value == 1.9003


def test_one_year_by_hand():
    energy = {"electricity_mwh": 1000, "green_electricity_mwh": 200, "raw_coal_t": 100,
              "natural_gas_10k_m3": 10, "purchased_heat_gj": 1000}
    app = _app(energy={2022: energy}, emissions_tco2={2022: 1000},
               profile={2022: {"population": 100}})
    year = account_carbon(app).years[2022]
    direct = 100 * 1.9003 + 10 * 21.6219
    indirect = 1000 * 0.4044 + 1000 * 0.11
    assert year.direct_tco2 == pytest.approx(direct)
    assert year.indirect_tco2 == pytest.approx(indirect)
    assert year.total_tco2 == pytest.approx(direct + indirect)  # 920.649
    assert year.total_green_deducted_tco2 == pytest.approx(direct + indirect - 200 * 0.4044)
    assert year.per_capita == pytest.approx((direct + indirect) / 100)
    assert year.difference_pct == pytest.approx((1000 - 920.649) / 920.649 * 100)
    grid = next(u for u in year.factors if u.field == "electricity_mwh")
    assert (grid.scope, grid.year, grid.value) == ("guangxi", 2022, 0.4044)


def test_disagreement_over_five_percent_is_reported():
    app = _app(energy={2022: {"electricity_mwh": 1000}}, emissions_tco2={2022: 404.4 * 1.06})
    result = account_carbon(app)
    assert any("相差 +6.0%" in w for w in result.warnings)
    close = _app(energy={2022: {"electricity_mwh": 1000}}, emissions_tco2={2022: 404.4 * 1.04})
    assert not any("相差" in w for w in account_carbon(close).warnings)


def test_factor_year_follows_data_year_with_stated_fallback():
    app = _app(energy={2025: {"electricity_mwh": 1000}})
    year = account_carbon(app, electricity_scope=("national",)).years[2025]
    grid = year.factors[0]
    assert grid.year == 2023 and grid.value == 0.5306
    assert "2025年无发布值" in grid.note
    assert year.total_tco2 == pytest.approx(530.6)


def test_national_scope_2022():
    app = _app(energy={2022: {"electricity_mwh": 1000}})
    assert account_carbon(app, electricity_scope=("national",)).years[2022].total_tco2 == (
        pytest.approx(536.6)
    )


def test_user_override_factor(tmp_path):
    override = tmp_path / "mine.csv"
    override.write_text(
        "key,scope,year,value,unit,region,source,note\n"
        "grid_electricity,guangxi,2022,0.5,tCO2/MWh,广西,本地测算,\n",
        encoding="utf-8",
    )
    factors = load_factors(override=override)
    app = _app(energy={2022: {"electricity_mwh": 1000}})
    assert account_carbon(app, factors).years[2022].total_tco2 == pytest.approx(500)


def test_energy_balance_and_shares():
    balance = energy_balance(Energy(electricity_mwh=1000, onsite_renewable_mwh=100,
                                    green_electricity_mwh=300, raw_coal_t=100,
                                    natural_gas_10k_m3=1))
    elec, pv, coal, gas = 122.9, 12.29, 71.43, 13.3
    total = elec + pv + coal + gas
    assert balance.total_tce == pytest.approx(total)
    assert balance.renewable_share_pct == pytest.approx((pv + 300 * 0.1229) / total * 100)
    assert balance.clean_energy_rate_pct == pytest.approx((elec + pv + gas) / total * 100)
    assert energy_balance(Energy()).renewable_share_pct is None


def test_declared_clean_energy_rate_is_cross_checked():
    from nzc_review.evaluation.compliance import evaluate_compliance

    app = _app(energy={2023: {"electricity_mwh": 1000, "raw_coal_t": 100}},
               indicators={"YQ-04": {"current": 90}})
    report = evaluate_compliance(app)
    computed = 122.9 / (122.9 + 71.43) * 100
    yq04 = next(r for r in report.indicators if r.code == "YQ-04")
    assert yq04.computed[0]["value"] == pytest.approx(computed)
    assert any("YQ-04" in w for w in report.warnings)


def test_years_without_energy_data_are_named():
    app = _app(emissions_tco2={2022: 10, 2023: 9}, energy={2023: {"electricity_mwh": 10}})
    assert any("2022" in w and "无法复核" in w for w in account_carbon(app).warnings)


def test_negative_consumption_is_an_input_error(write_app):
    from nzc_review.errors import InputError
    from nzc_review.intake import load_application

    with pytest.raises(InputError, match="energy.2022.diesel_t"):
        load_application(write_app(minimal_app("park", energy={2022: {"diesel_t": -3}})))
