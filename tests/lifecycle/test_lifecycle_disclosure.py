"""Annual disclosure (碳排放信息披露, 河环发〔2023〕23号 四、(四)) and the rules file."""

from __future__ import annotations

import math

import pytest

from nzc_review.errors import InputError
from nzc_review.lifecycle.config import load_rules, rules_from_mapping
from nzc_review.lifecycle.disclosure import change_pct, disclosure_view, indicator_values, trend
from nzc_review.lifecycle.intake import PilotHistory, load_histories
from nzc_review.lifecycle.model import Disclosure
from tests.conftest import ROOT

PARK = ROOT / "examples" / "lifecycle" / "monitoring" / "park-steady"


def history(years: dict, **pilot) -> PilotHistory:
    d = Disclosure.model_validate({
        "format": "nzc-disclosure/1",
        "pilot": {"id": "T-1", "name": "测试园区", "pilot_type": "park", **pilot},
        "years": years})
    return PilotHistory(pilot=d.pilot, years=dict(sorted(d.years.items())))


def test_trend_and_changes_by_hand():
    h = history({2024: {"emissions_tco2": 800}, 2025: {"emissions_tco2": 760},
                 2027: {"emissions_tco2": 700}}, base_emissions_tco2=1000)
    points = trend(h, 2027)
    assert [(p.year, p.kind) for p in points] == [(2022, "base"), (2024, "disclosed"),
                                                 (2025, "disclosed"), (2027, "disclosed")]
    # vs base: (800 − 1000)/1000 = −20 %, (760 − 1000)/1000 = −24 %, (700 − 1000)/1000 = −30 %
    assert [p.vs_base_pct for p in points[1:]] == pytest.approx([-20, -24, -30])
    # vs previous year only when the previous year was disclosed: 2025 (760 − 800)/800 = −5 %;
    # 2024 follows the base year 2022, not 2023; 2027 follows no 2026
    assert [p.vs_previous_pct for p in points[1:]] == [None, pytest.approx(-5), None]
    assert change_pct(1, 0) is None and change_pct(None, 1) is None


def test_view_sentences_and_sources():
    h = history({2025: {"emissions_tco2": 760, "energy": {"electricity_mwh": 1000,
                                                          "natural_gas_10k_m3": 10},
                        "profile": {"population": 200}},
                 2026: {"emissions_tco2": 722}}, base_emissions_tco2=1000,
                target_emissions_tco2=700)
    view = disclosure_view(h, 2025)
    # 760 t; vs base (760 − 1000)/1000 = −24 %; per capita 760 / 200 = 3.8 t
    assert view.vs_base_pct == pytest.approx(-24) and view.per_capita == pytest.approx(3.8)
    assert set(view.by_source_tco2) == {"electricity_mwh", "natural_gas_10k_m3"}
    text = "".join(view.sentences)
    assert "2025年，测试园区的碳排放总量为760吨二氧化碳" in text
    assert "下降了24.0%" in text and "高于验收时确定的目标水平" in text
    # YQ-01 computed (1000 − 760)/1000 = 24 % < 40 %: not met, in plain words
    yq01 = next(i for i in view.indicators if i.code == "YQ-01")
    assert (yq01.source, yq01.status) == ("computed", "not_met")
    assert "未达到的有：既有园区碳排放总量下降率" in text
    latest = disclosure_view(h)  # the latest year by default: 722 vs 760 → −5 %
    assert latest.year == 2026 and latest.vs_previous_pct == pytest.approx(-5)
    with pytest.raises(InputError, match="no disclosure for 2024"):
        disclosure_view(h, 2024)


def test_declared_values_win_over_computed_ones():
    h = history({2025: {"emissions_tco2": 500, "indicators": {"YQ-01": {"value": 41}}}},
                base_emissions_tco2=1000)
    (yq01,) = [i for i in indicator_values(h, 2025) if i.code == "YQ-01"]
    assert (yq01.value, yq01.source, yq01.status) == (41, "declared", "met")


def test_example_park_2026():
    (h,) = load_histories([PARK])
    view = disclosure_view(h, 2026)
    # 167900 vs base 306100: (167900 − 306100) / 306100 = −45.15 %; vs 2025 173900: −3.45 %
    assert view.vs_base_pct == pytest.approx(-45.149, abs=1e-3)
    assert view.vs_previous_pct == pytest.approx((167900 - 173900) / 173900 * 100)
    assert all(i.status == "met" for i in view.indicators if i.type == "core")


def test_rules_file(tmp_path):
    acceptance, monitor = rules_from_mapping({
        "acceptance": {"weights": {"core": 60, "other": 10, "projects": 20, "accounting": 10},
                       "pass_score": 70,
                       "bands": [{"code": "pass", "label": "通过", "lower": 70},
                                 {"code": "fail", "label": "未通过", "lower": None}]},
        "monitor": {"rising_years": 3, "enabled": ["RISING", "CORE"]}})
    assert acceptance.weights.core == 60 and acceptance.threshold == 70
    assert acceptance.bands[-1].lower == -math.inf
    assert monitor.rising_years == 3 and monitor.enabled == ("RISING", "CORE")
    assert load_rules(None)[0].threshold == 60  # the 通过 band of the recommendation defaults
    path = tmp_path / "rules.yaml"
    path.write_text("acceptance:\n  weights: {core: 90}\n", encoding="utf-8")
    with pytest.raises(InputError, match="rules.yaml: acceptance.weights: the weights must add "
                                         "up to 100, got 140"):
        load_rules(path)
    path.write_text("monitor:\n  rising_yeras: 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="monitor.rising_yeras: unknown field"):
        load_rules(path)
    path.write_text("monitor:\n  enabled: [NOPE]\n", encoding="utf-8")
    with pytest.raises(InputError, match="monitor.enabled: unknown rule NOPE"):
        load_rules(path)
