"""Coke, fuel oil, biomass, other fuels, process emissions, carbon sinks and the renewable share
by 当量值 or 等价值, against hand computations with the cited factors.

Factors used:
* coke: GB/T 2589-2020 附录A 0.9714 kgce/kg; GB/T 32150-2015 表B.1 28.435 GJ/t × 29.5 tC/TJ ×
  0.93 × 44/12 = 2.8604 tCO2/t;
* fuel oil: GB/T 2589-2020 附录A 1.4286 kgce/kg; GB/T 32150-2015 表B.1 41.816 GJ/t × 21.1 tC/TJ
  × 0.98 × 44/12 = 3.1705 tCO2/t;
* Guangxi grid 2022: 0.4044 tCO2/MWh (生态环境部、国家统计局 公告2024年第33号);
* electricity 当量值 0.1229 kgce/kWh (GB/T 2589-2020 附录A); natural gas 1.3300 kgce/m3;
* electricity 等价值 2022: 300.7 gce/kWh (国家能源局 2022年全国电力工业统计数据, 火电厂供电标准
  煤耗; flagged unverified in energy_conversion.yaml).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nzc_review.errors import InputError
from nzc_review.evaluation.accounting import account_carbon
from nzc_review.evaluation.basis import AccountingOptions, AccountingOptionsError, emission_series
from nzc_review.evaluation.compliance import evaluate_compliance
from nzc_review.evaluation.energy import coal_rate, energy_balance
from nzc_review.intake import load_application, validate_application
from nzc_review.policy.application import Energy
from nzc_review.present.evaluation_report import accounting_table
from tests.conftest import minimal_app

PROCESS_METHOD = "水泥熟料生产过程排放，按《中国水泥生产企业温室气体排放核算方法与报告指南（试行）》"
SINK_METHOD = "城市绿地碳汇，按《省级温室气体清单编制指南（试行）》土地利用变化和林业"


def _app(pilot_type: str = "park", **fields):
    return validate_application(minimal_app(pilot_type, **fields), "t.yaml")


def _problems(pilot_type: str = "park", **fields) -> str:
    with pytest.raises(InputError) as info:
        _app(pilot_type, **fields)
    return str(info.value)


# --- coke, fuel oil, biomass, other fuels ---------------------------------------------------


def test_100_t_coke_and_50_t_fuel_oil_by_hand():
    app = _app(energy={2022: {"coke_t": 100, "fuel_oil_t": 50}})
    year = account_carbon(app).years[2022]
    # 100 t × 0.9714 = 97.14 tce; 50 t × 1.4286 = 71.43 tce
    assert year.energy_tce == pytest.approx(97.14 + 71.43)
    # 100 t × 2.8604 = 286.04 tCO2; 50 t × 3.1705 = 158.525 tCO2
    assert year.by_source_tco2 == pytest.approx({"coke_t": 286.04, "fuel_oil_t": 158.525})
    assert year.direct_tco2 == year.total_tco2 == pytest.approx(286.04 + 158.525)
    warnings = "\n".join(account_carbon(app).warnings)
    # neither factor was checked against the printed table: every report says so
    assert "2022年焦炭排放因子 2.8604 tCO2/t（national 2015）尚未与原文核对" in warnings
    assert "2022年焦炭折标准煤系数 0.9714 tce/t尚未与原文核对" in warnings


def test_biomass_counts_as_energy_and_renewable_but_emits_no_fossil_co2():
    app = _app(energy={2022: {"electricity_mwh": 1000, "biomass_tce": 100}})
    year = account_carbon(app).years[2022]
    # CO2: electricity only, 1000 MWh × 0.4044 = 404.4 t; biomass is biogenic (IPCC 2006)
    assert year.total_tco2 == pytest.approx(404.4) and "biomass_tce" not in year.by_source_tco2
    # energy: 1000 × 0.1229 + 100 = 222.9 tce; renewable share 100 / 222.9 = 44.86 %
    assert year.energy_tce == pytest.approx(222.9) and year.biomass_tce == 100
    assert year.renewable_share_pct == pytest.approx(100 / 222.9 * 100)


def test_other_fuel_at_its_declared_factors():
    fuel = {"name": "兰炭", "amount": 1000, "unit": "t", "tce_per_unit": 0.9,
            "tco2_per_unit": 2.7, "source": "供应商检测报告（示例）"}
    app = _app(energy={2022: {"other_fuels": [fuel]}})
    accounting = account_carbon(app)
    year = accounting.years[2022]
    # 1000 t × 2.7 = 2700 tCO2; 1000 t × 0.9 = 900 tce
    assert year.by_source_tco2 == {"兰炭": pytest.approx(2700)}
    assert year.direct_tco2 == year.total_tco2 == pytest.approx(2700)
    assert year.energy_tce == pytest.approx(900)
    assert any("其他燃料“兰炭”按申报的排放因子 2.7 tCO2/t（来源：供应商检测报告（示例））" in w
               for w in accounting.warnings)


@pytest.mark.parametrize("missing", ["tce_per_unit", "tco2_per_unit", "source"])
def test_an_other_fuel_without_a_factor_is_an_error_naming_it(write_app, missing):
    fuel = {"name": "兰炭", "amount": 10, "unit": "t", "tce_per_unit": 0.9, "tco2_per_unit": 2.7,
            "source": "检测报告"}
    del fuel[missing]
    path = write_app(minimal_app(energy={2022: {"other_fuels": [fuel]}}))
    with pytest.raises(InputError) as info:
        load_application(path)
    message = str(info.value)
    assert f"app.yaml: energy.2022.other_fuels[0]: {missing} is missing: the other fuel '兰炭'" \
        in message, message


def test_an_other_fuel_twice_in_a_year_is_an_error():
    fuel = {"name": "兰炭", "amount": 10, "unit": "t", "tce_per_unit": 0.9, "tco2_per_unit": 2.7,
            "source": "检测报告"}
    message = _problems(energy={2022: {"other_fuels": [fuel, dict(fuel, amount=5)]}})
    assert "other_fuels[1].name: the other fuel '兰炭' is listed twice" in message


# --- process emissions and carbon sinks -------------------------------------------------------


def test_process_emissions_are_a_line_of_their_own_added_to_the_total():
    app = _app(energy={2022: {"electricity_mwh": 1000, "process_emissions_tco2": 12000,
                              "process_method": PROCESS_METHOD}},
               emissions_tco2={2022: 12404.4})
    accounting = account_carbon(app)
    year = accounting.years[2022]
    # 1000 × 0.4044 + 12000 = 12404.4 tCO2, the declared total: no disagreement
    assert year.by_source_tco2["process"] == 12000 and year.process_tco2 == 12000
    assert year.total_tco2 == year.gross_tco2 == pytest.approx(12404.4)
    assert year.process_method == PROCESS_METHOD
    assert not any("相差" in w for w in accounting.warnings)
    html = accounting_table(SimpleNamespace(accounting=accounting, base_year=2022))
    assert "<tr><td>工业过程排放</td><td class='num'>12,000</td>" in html


@pytest.mark.parametrize("amount, method", [("process_emissions_tco2", "process_method"),
                                            ("carbon_sink_tco2", "carbon_sink_method")])
def test_an_amount_without_its_method_is_an_error_naming_it(amount, method):
    message = _problems(energy={2022: {amount: 5000}})
    assert f"energy.2022: {method} is missing: {amount} needs the method" in message


def _region_with_sinks():
    # 2022: 100 000 MWh × 0.4044 = 40 440 t; 2023: 90 000 MWh at the 2022 factor = 36 396 t
    energy = {y: {"electricity_mwh": mwh, "carbon_sink_tco2": 5000,
                  "carbon_sink_method": SINK_METHOD}
              for y, mwh in ((2022, 100_000), (2023, 90_000))}
    return _app("region", energy=energy, emissions_tco2={2022: 40440, 2023: 90_000 * 0.4476})


def test_sinks_are_reported_beside_the_total_and_not_netted_by_default():
    app = _region_with_sinks()
    accounting = account_carbon(app)
    year = accounting.years[2022]
    assert year.total_tco2 == year.gross_tco2 == pytest.approx(40440)  # unchanged by the sinks
    assert year.sink_tco2 == 5000 and not year.sinks_netted and not accounting.net_sinks
    html = accounting_table(SimpleNamespace(accounting=accounting, base_year=2022))
    assert "碳汇（清除量，单列，未从总量扣除）</th><td class='num'>5,000</td>" in html
    assert "<th>碳排放总量（基于位置）</th><td class='num'>40,440</td>" in html
    assert any("碳汇" in d and "不从碳排放总量中扣除（本工具默认规则" in d
               for d in accounting.definitions)
    # the reduction compares the sinks-free totals: (40 440 − 36 396) / 40 440 = 10 %
    series = emission_series(app)
    assert series.values == pytest.approx({2022: 40440, 2023: 36396})


def test_netting_on_takes_the_sinks_off_every_total_and_the_reductions():
    app = _region_with_sinks()
    options = AccountingOptions(net_sinks=True)
    accounting = account_carbon(app, options=options)
    year = accounting.years[2022]
    # 40 440 − 5 000 = 35 440 on every basis; the declared total still matches the gross
    assert year.total_tco2 == year.basis_tco2 == pytest.approx(35440)
    assert year.total_held_tco2 == pytest.approx(35440)
    assert year.gross_tco2 == pytest.approx(40440) and year.sinks_netted
    assert not any("相差" in w for w in accounting.warnings)
    series = emission_series(app, options)
    assert series.values == pytest.approx({2022: 35440, 2023: 31396})
    assert series.sinks_netted == {2022: 5000, 2023: 5000}
    qy01 = next(r for r in evaluate_compliance(app, series).indicators if r.code == "QY-01")
    # (35 440 − 31 396) / 35 440 = 11.41 % instead of 10 %
    assert qy01.computed[0]["value"] == pytest.approx((35440 - 31396) / 35440 * 100)
    html = accounting_table(SimpleNamespace(accounting=accounting, base_year=2022))
    assert "碳排放总量（基于位置，已扣除碳汇）</th><td class='num'>35,440</td>" in html


def test_netting_needs_base_year_energy_data():
    app = _app("region", energy={2023: {"electricity_mwh": 90_000, "carbon_sink_tco2": 5000,
                                        "carbon_sink_method": SINK_METHOD}},
               emissions_tco2={2022: 40440, 2023: 40284})
    series = emission_series(app, AccountingOptions(net_sinks=True))
    # 2023 at the 2022 grid factor: 90 000 × 0.4044 = 36 396, sinks not taken off
    assert series.values[2023] == pytest.approx(36396) and not series.sinks_netted
    assert any("各年碳汇均不扣除" in n for n in series.notes)


# --- renewable share by 当量值 or 等价值 --------------------------------------------------------


HAND = Energy(electricity_mwh=1000, green_electricity_mwh=300, onsite_renewable_mwh=100,
              natural_gas_10k_m3=10)


def test_renewable_share_under_both_methods_by_hand():
    # 当量值: electricity 1000 × 0.1229 = 122.9, PV 100 × 0.1229 = 12.29, gas 10 × 13.3 = 133
    # → total 268.19 tce; renewable (100 + 300) × 0.1229 = 49.16 → 18.33 %
    calorific = energy_balance(HAND)
    assert calorific.renewable_share_pct == pytest.approx(49.16 / 268.19 * 100)
    # 等价值 2022 (300.7 gce/kWh): electricity 300.7, PV 30.07, gas 133 → 463.77;
    # renewable (100 + 300) × 0.3007 = 120.28 → 25.94 %
    coal = energy_balance(HAND, "coal_equivalent", 2022)
    assert coal.renewable_share_pct == pytest.approx(120.28 / 463.77 * 100)
    # total energy consumption stays at 当量值 whatever the method
    assert coal.total_tce == calorific.total_tce == pytest.approx(268.19)
    assert coal.electricity.rate.gce_per_kwh == 300.7 and not coal.electricity.rate.verified


def test_coal_rate_of_an_unpublished_year_is_the_nearest_and_says_so():
    rate, note = coal_rate(2024)
    assert rate.year == 2022 and note == "2024年无发布值，采用2022年火电标准煤耗"
    with pytest.raises(ValueError, match="needs the data year"):
        energy_balance(HAND, "coal_equivalent")


def test_the_method_reaches_the_computed_indicator_and_the_definitions():
    app = _app("region", energy={2022: HAND.model_dump(exclude_defaults=True)})
    options = AccountingOptions(renewable_share_method="coal_equivalent")
    qy03 = next(r for r in evaluate_compliance(app, emission_series(app, options)).indicators
                if r.code == "QY-03")
    assert qy03.computed[0]["value"] == pytest.approx(120.28 / 463.77 * 100)
    assert "等价值（发电煤耗法）" in qy03.computed[0]["how"]
    accounting = account_carbon(app, options=options)
    assert accounting.renewable_share_method == "coal_equivalent"
    assert any(d.startswith("可再生能源消费比重（等价值（发电煤耗法））") for d in accounting.definitions)
    assert any("300.7 gce/kWh" in w and "未与原文核对" in w for w in accounting.warnings)
    default = next(r for r in evaluate_compliance(app).indicators if r.code == "QY-03")
    assert default.computed[0]["value"] == pytest.approx(49.16 / 268.19 * 100)


def test_an_unknown_method_names_the_option():
    with pytest.raises(AccountingOptionsError) as info:
        AccountingOptions(renewable_share_method="primary_energy")
    assert info.value.name == "renewable_share_method"


def test_evaluate_takes_the_method_and_refuses_an_unknown_one(capsys):
    import json

    from nzc_review.cli.main import main
    from tests.conftest import EXAMPLES

    region = str(EXAMPLES / "region-pass.yaml")
    assert main(["evaluate", region, "--draws", "200", "--format", "json",
                 "--renewable-share-method", "coal_equivalent"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["accounting"]["renewable_share_method"] == "coal_equivalent"
    qy03 = next(i for i in data["indicators"] if i["code"] == "QY-03")
    assert "等价值" in qy03["computed"][0]["how"]
    with pytest.raises(SystemExit) as info:
        main(["evaluate", region, "--renewable-share-method", "primary"])
    assert info.value.code == 2
    assert "--renewable-share-method" in capsys.readouterr().err


def test_a_review_rules_file_nets_the_sinks_and_picks_the_share_method(tmp_path):
    """accounting.net_sinks and accounting.renewable_share_method of a review-rules file reach
    the whole evaluation, and the evaluation records them (its cache key)."""
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options

    rules = tmp_path / "rules.yaml"
    rules.write_text("accounting:\n  net_sinks: true\n  renewable_share_method: coal_equivalent\n",
                     encoding="utf-8")
    app = _region_with_sinks()
    default = evaluate_application(app, evaluation_options(draws=100))
    netted = evaluate_application(app, evaluation_options(draws=100, rules=str(rules)))
    assert default.accounting.years[2022].total_tco2 == pytest.approx(40440)
    assert netted.accounting.years[2022].total_tco2 == pytest.approx(35440)
    assert netted.rules.accounting.net_sinks and not default.rules.accounting.net_sinks
    assert netted.rules.accounting.renewable_share_method == "coal_equivalent"
    assert netted.rules.key() != default.rules.key()
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounting:\n  net_sinks: sometimes\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.yaml: accounting.net_sinks"):
        evaluation_options(rules=str(bad))
