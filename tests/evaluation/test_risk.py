"""Delivery-risk Monte Carlo: degenerate cases known by hand, the vectorised kernel against a
plain loop over the same draws, seeding and validation."""

from __future__ import annotations

import numpy as np
import pytest

from nzc_review.evaluation.risk import RiskModel, delivery_risk, draw, simulate_emissions
from nzc_review.intake import validate_application
from tests.conftest import minimal_app

CERTAIN = RiskModel(draws=200, delay_years=(0,), delay_probabilities=(1.0,),
                    delivery_low=1.0, delivery_mode=1.0, delivery_high=1.0)


def _app(projects, pilot_type="campus", growth=0.0):
    data = minimal_app(
        pilot_type, emissions_tco2={2022: 1000}, period={"start": 2024, "end": 2026},
        bau_growth_rate=growth,
        key_projects=[{"name": f"p{i}", "end_year": e, "expected_reduction_tco2_per_year": r}
                      for i, (e, r) in enumerate(projects)],
    )
    return validate_application(data, "t.yaml")


def test_no_uncertainty_equals_the_deterministic_forecast():
    met = delivery_risk(_app([(2024, 300)]), CERTAIN)
    assert met.probability_meets_target == 1.0
    assert met.target_p10_tco2 == met.target_p90_tco2 == pytest.approx(700)
    short = delivery_risk(_app([(2024, 299)]), CERTAIN)
    assert short.probability_meets_target == 0.0


def test_one_year_delay_for_everyone_pushes_effect_out():
    late = RiskModel(draws=50, delay_years=(1,), delay_probabilities=(1.0,), delivery_low=1,
                     delivery_mode=1, delivery_high=1)
    result = delivery_risk(_app([(2025, 300)]), late)
    assert result.target_p50_tco2 == pytest.approx(1000)  # 2025 + 1 year: effect from 2027
    assert result.probability_meets_target == 0.0


def test_half_delay_probability():
    coin = RiskModel(draws=20_000, delay_years=(0, 1), delay_probabilities=(0.5, 0.5),
                     delivery_low=1, delivery_mode=1, delivery_high=1, seed=7)
    result = delivery_risk(_app([(2025, 300)]), coin)
    assert result.probability_meets_target == pytest.approx(0.5, abs=0.02)


def test_seeded_and_reproducible():
    a = delivery_risk(_app([(2024, 250), (2025, 100)]))
    b = delivery_risk(_app([(2024, 250), (2025, 100)]))
    assert a.probability_meets_target == b.probability_meets_target
    c = delivery_risk(_app([(2024, 250), (2025, 100)]), RiskModel(seed=1))
    assert c.p50_tco2 != a.p50_tco2 or c.probability_meets_target != a.probability_meets_target


def test_vectorised_kernel_matches_a_plain_loop():
    model = RiskModel(draws=300, growth_sd=0.02)
    reductions = np.array([100.0, 250.0, 40.0])
    ends = np.array([2024, 2025, 2026])
    years = np.arange(2023, 2027)
    sampled = draw(model, 3, 0.01)
    fast = simulate_emissions(1000.0, 2023, years, reductions, ends, sampled)
    for d in range(model.draws):
        for j, year in enumerate(years):
            bau = 1000.0 * (1 + sampled.growth[d]) ** (year - 2023)
            cut = sum(sampled.delivered[d, p] * reductions[p]
                      for p in range(3) if ends[p] + sampled.delays[d, p] + 1 <= year)
            assert fast[d, j] == pytest.approx(max(0.0, bau - cut))


def test_band_is_ordered_and_describes_assumptions():
    result = delivery_risk(_app([(2024, 250), (2025, 100)]))
    assert all(a <= b <= c for a, b, c in
               zip(result.p10_tco2, result.p50_tco2, result.p90_tco2, strict=True))
    assert "蒙特卡洛" in result.assumptions and "三角分布" in result.assumptions


@pytest.mark.parametrize(
    "kwargs",
    [
        {"draws": 0},
        {"delay_years": (0, 1), "delay_probabilities": (1.0,)},
        {"delay_probabilities": (0.5, 0.2, 0.1)},
        {"delivery_low": 1.2, "delivery_mode": 1.0},
        {"growth_sd": -1},
    ],
)
def test_invalid_model_rejected(kwargs):
    with pytest.raises(ValueError):
        RiskModel(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"growth_sd": float("nan")}, "growth_sd"),  # would silently make the risk 0 %
        ({"growth_sd": float("inf")}, "growth_sd"),
        ({"delivery_mode": float("nan")}, "delivery_mode"),
        ({"delay_years": (0, -1, 2)}, r"delay_years\[1\]"),
        ({"delay_years": (0, 1.5, 2)}, r"delay_years\[1\]"),
        ({"delay_probabilities": (0.75, float("nan"), 0.05)}, r"delay_probabilities\[1\]"),
        ({"draws": 10.0}, "draws"),
        ({"delay_years": (), "delay_probabilities": ()}, "delay_years"),
    ],
)
def test_invalid_model_names_the_field(kwargs, field):
    from nzc_review.errors import NzcError
    from nzc_review.evaluation.risk import RiskModelError

    with pytest.raises(RiskModelError, match=f"^{field}: ") as info:
        RiskModel(**kwargs)
    assert isinstance(info.value, NzcError)


def test_no_base_year_gives_no_probability():
    data = minimal_app("campus", emissions_tco2={2023: 5})
    result = delivery_risk(validate_application(data, "t.yaml"))
    assert result.probability_meets_target is None and result.problems
