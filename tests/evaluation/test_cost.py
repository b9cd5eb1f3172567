"""Cost-effectiveness: the capital recovery factor and cost per tonne, by hand."""

from __future__ import annotations

import pytest

from nzc_review.evaluation.cost import CostModel, capital_recovery_factor, project_costs
from nzc_review.evaluation.forecast import scenario_forecast
from nzc_review.evaluation.risk import delivery_risk
from nzc_review.intake import load_application, validate_application
from nzc_review.present.charts import cjk_font, forecast_figure, macc_figure, save_png
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
