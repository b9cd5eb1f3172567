"""Cost-effectiveness: the capital recovery factor and cost per tonne, by hand."""

from __future__ import annotations

import pytest

from nzc_review.evaluation.cost import CostModel, capital_recovery_factor, project_costs
from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.evaluation.risk import delivery_risk
from nzc_review.intake import load_application, validate_application
from tests.conftest import EXAMPLES, minimal_app


def test_capital_recovery_factor_by_hand():
    # CRF(8 %, 15) = 0.08 · 1.08^15 / (1.08^15 − 1) = 0.116830 (annuity tables)
    assert capital_recovery_factor(0.08, 15) == pytest.approx(0.116830, abs=1e-6)
    assert capital_recovery_factor(0.0, 10) == pytest.approx(0.1)
    assert capital_recovery_factor(0.05, 1) == pytest.approx(1.05)
    with pytest.raises(ValueError):
        capital_recovery_factor(0.08, 0)


def test_cost_per_tonne():
    data = minimal_app("park", key_projects=[
        {"name": "光伏", "investment_10k_cny": 1000, "expected_reduction_tco2_per_year": 1000},
        {"name": "热泵", "investment_10k_cny": 100, "expected_reduction_tco2_per_year": 500,
         "lifetime_years": 10},
        {"name": "无数据", "investment_10k_cny": 50},
    ])
    result = project_costs(validate_application(data, "t.yaml"))
    pv, pump, none = result.projects
    assert pv.cost_cny_per_tco2 == pytest.approx(1000e4 * 0.116830 / 1000, rel=1e-5)
    assert pump.cost_cny_per_tco2 == pytest.approx(100e4 * capital_recovery_factor(0.08, 10) / 500)
    assert none.cost_cny_per_tco2 is None and none.note == "未填写预期碳减排量"
    assert [p.name for p in result.curve()] == ["热泵", "光伏"]
    assert result.total_investment_10k_cny == 1150
    zero_rate = project_costs(validate_application(data, "t.yaml"), CostModel(discount_rate=0))
    assert zero_rate.projects[0].cost_cny_per_tco2 == pytest.approx(1000e4 / 15 / 1000)


def test_invalid_cost_model():
    with pytest.raises(ValueError):
        CostModel(discount_rate=1.5)
    with pytest.raises(ValueError):
        CostModel(lifetime_years=0)


def test_charts_render_png_with_cjk_font(tmp_path):
    from nzc_review.present.charts import cjk_font, forecast_figure, macc_figure, save_png

    assert cjk_font() is not None, "install fonts-noto-cjk"
    app = load_application(EXAMPLES / "park-pass.yaml")
    fc = scenario_forecast(app)
    png = save_png(forecast_figure(fc, delivery_risk(app)), tmp_path / "f.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    png = save_png(macc_figure(project_costs(app)), tmp_path / "m.png")
    assert png.stat().st_size > 10_000
    empty = save_png(macc_figure(project_costs(validate_application(minimal_app(), "t"))),
                     tmp_path / "e.png")
    assert empty.exists()


GREEN_PROJECTS = [
    {"name": "光伏", "investment_10k_cny": 1000, "expected_reduction_tco2_per_year": 1000,
     "category": "renewable_onsite"},
    {"name": "年度购电协议", "investment_10k_cny": 50, "expected_reduction_tco2_per_year": 2000,
     "category": "green_electricity"},
    {"name": "绿证采购", "investment_10k_cny": 0, "expected_reduction_tco2_per_year": 500},
]


def test_green_power_has_no_cost_per_tonne_on_the_location_basis():
    app = validate_application(minimal_app("park", key_projects=GREEN_PROJECTS), "t.yaml")
    crf = 0.116830  # CRF(8 %, 15), annuity tables
    location = project_costs(app)  # the default basis
    pv, purchase, certificates = location.projects
    assert location.basis == "location"
    assert pv.cost_cny_per_tco2 == pytest.approx(1000e4 * crf / 1000, rel=1e-5)  # 1,168.30
    # a green-power purchase reduces nothing: no cost per tonne (not 0), with the reason;
    # the category is read from the name when missing (绿证)
    for p in (purchase, certificates):
        assert p.cost_cny_per_tco2 is None and p.annualised_cost_cny is None
        assert not p.counted and p.category == "green_electricity"
        assert "基于位置口径下" in p.note and "不减少核算排放" in p.note
    assert [p.name for p in location.curve()] == ["光伏"]
    assert location.total_reduction_tco2_per_year == 1000
    assert location.average_cost_cny_per_tco2 == pytest.approx(1168.30, abs=0.01)
    assert location.total_investment_10k_cny == 1050  # investment is investment on any basis

    green = project_costs(app, basis="green_deducted")
    pv, purchase, certificates = green.projects
    assert purchase.counted and purchase.note is None
    assert purchase.cost_cny_per_tco2 == pytest.approx(50e4 * crf / 2000, rel=1e-5)  # 29.21
    assert certificates.cost_cny_per_tco2 == 0  # no investment: cost 0 on this basis
    assert [p.name for p in green.curve()] == ["绿证采购", "年度购电协议", "光伏"]
    assert green.total_reduction_tco2_per_year == 3500
    # (1000 + 50 + 0) 万元 × CRF / 3500 t = 350.49 元/t
    assert green.average_cost_cny_per_tco2 == pytest.approx(1050e4 * crf / 3500, rel=1e-5)


def test_the_evaluation_costs_follow_the_run_basis():
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options

    app = load_application(EXAMPLES / "park-pass.yaml")
    by_basis = {}
    for basis in ("location", "green_deducted"):
        ev = evaluate_application(app, evaluation_options(draws=50, accounting_basis=basis))
        by_basis[basis] = {p.name: p for p in ev.costs.projects}
        assert ev.costs.basis == basis
    # the park's green-power purchase: 0 万元 for 179,000 t a year
    assert by_basis["location"]["绿电交易"].cost_cny_per_tco2 is None
    assert by_basis["green_deducted"]["绿电交易"].cost_cny_per_tco2 == 0
    assert by_basis["location"]["屋顶分布式光伏"].cost_cny_per_tco2 == pytest.approx(
        32000e4 * 0.116830 / 48000, rel=1e-5)


def test_cost_curve_names_its_basis_and_what_it_leaves_out():
    from nzc_review.present.charts import macc_figure

    app = validate_application(minimal_app("park", key_projects=GREEN_PROJECTS), "t.yaml")
    fig = macc_figure(project_costs(app))
    title = fig.axes[0].get_title()
    assert "基于位置口径" in title and "未计入" in title and "年度购电协议、绿证采购" in title
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["1. 光伏（1,168 元/吨）"]
    fig = macc_figure(project_costs(app, basis="green_deducted"))
    assert "扣除绿电口径" in fig.axes[0].get_title()
    assert "未计入" not in fig.axes[0].get_title()
    assert len(fig.axes[0].get_legend().get_texts()) == 3
    # only green power, on the location basis: an empty chart that says why
    only = validate_application(minimal_app("park", key_projects=GREEN_PROJECTS[1:]), "t.yaml")
    fig = macc_figure(project_costs(only))
    assert "未计入：年度购电协议、绿证采购" in fig.axes[0].texts[0].get_text()
