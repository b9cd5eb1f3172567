"""Re-review and dynamic exit (复核、动态退出, 河环发〔2023〕23号 三、(三)2): every rule on small
multi-year data sets whose expected flags are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from nzc_review.evaluation.basis import AccountingOptions
from nzc_review.lifecycle.intake import PilotHistory, load_histories
from nzc_review.lifecycle.model import Disclosure
from nzc_review.lifecycle.monitor import (
    EXIT,
    OK,
    WARNING,
    MonitorRules,
    build_series,
    first_year,
    monitor,
    review_pilot,
    rule_above_target,
    rule_core_indicator,
    rule_disclosure_missing,
    rule_emissions_rising,
)
from nzc_review.mcda.acceptance_rules import RulesError
from tests.conftest import ROOT

MONITORING = ROOT / "examples" / "lifecycle" / "monitoring"


def history(years: dict, *, pilot_type: str = "commercial", base: float | None = 1000.0,
            accepted: int | None = 2023, target: float | None = None,
            first: int | None = None) -> PilotHistory:
    """A pilot's disclosures from ``{year: emissions or {emissions_tco2, indicators}}``.

    The default type is commercial without profiles or energy data: its core reduction indicator
    (SY-01, per floor area or per capita) then cannot be computed, so only what a test declares
    is judged.
    """
    data = {"format": "nzc-disclosure/1",
            "pilot": {"id": "T-1", "name": "测试试点", "pilot_type": pilot_type,
                      "base_emissions_tco2": base, "accepted_year": accepted,
                      "target_emissions_tco2": target, "first_year": first},
            "years": {y: (v if isinstance(v, dict) else {"emissions_tco2": v})
                      for y, v in years.items()}}
    d = Disclosure.model_validate(data)
    return PilotHistory(pilot=d.pilot, years=dict(sorted(d.years.items())))


def codes(flags) -> list[tuple[str, str]]:
    return [(f.code, f.level) for f in flags]


# --- RISING ----------------------------------------------------------------------------------


def test_rising_two_years_running_is_a_warning():
    # 2022 (base) 1000, 2023 950, 2024 960, 2025 980, 2026 970
    h = history({2023: 950, 2024: 960, 2025: 980, 2026: 970})
    s, rules = build_series(h, 2026), MonitorRules()
    # 2024: 1000 → 950 → 960: a fall then a rise, not two rises
    assert rule_emissions_rising(s, 2024, rules) == []
    # 2025: 950 → 960 → 980: two rises in a row → RISING
    (flag,) = rule_emissions_rising(s, 2025, rules)
    assert (flag.code, flag.level, flag.year) == ("RISING", WARNING, 2025)
    assert "2023年 950 → 2024年 960 → 2025年 980" in flag.message
    # 2026: 960 → 980 → 970: the last step falls
    assert rule_emissions_rising(s, 2026, rules) == []


def test_rising_counts_the_base_year_and_needs_every_year():
    # base 1000, 2023 1010, 2024 1020: 1000 → 1010 → 1020 rises twice, from the base year
    s = build_series(history({2023: 1010, 2024: 1020}), 2024)
    assert codes(rule_emissions_rising(s, 2024, MonitorRules())) == [("RISING", WARNING)]
    # equal is not a rise: 1000 → 1000 → 1020
    s = build_series(history({2023: 1000, 2024: 1020}), 2024)
    assert rule_emissions_rising(s, 2024, MonitorRules()) == []
    # a year missing breaks the chain: 2024 missing, 2025 and 2026 rising cannot span it
    s = build_series(history({2023: 900, 2025: 950, 2026: 990}), 2026)
    assert rule_emissions_rising(s, 2026, MonitorRules()) == []


def test_rising_years_is_configurable():
    # 1000 → 950 → 960 → 980: two rises up to 2025 but not three
    s = build_series(history({2023: 950, 2024: 960, 2025: 980}), 2025)
    assert rule_emissions_rising(s, 2025, MonitorRules(rising_years=3)) == []
    assert rule_emissions_rising(s, 2025, MonitorRules(rising_years=1)) != []
    # 2024 alone: 950 → 960 is one rise, enough when rising_years is 1
    assert codes(rule_emissions_rising(s, 2024, MonitorRules(rising_years=1))) == [
        ("RISING", WARNING)]


# --- CORE / CORE_EXIT ------------------------------------------------------------------------


def park(values: dict[int, object], code: str = "YQ-13") -> PilotHistory:
    """A park without base emissions or energy (so no reduction or share is computed) that
    declares one core indicator per year."""
    return history({y: {"emissions_tco2": 500, "indicators": {code: {"value": v}}}
                    for y, v in values.items()}, pilot_type="park", base=None)


def test_core_indicator_missed_once_is_a_warning_twice_running_an_exit():
    # YQ-13 工作领导机构 (core, 设立): 2024 yes, 2025 no, 2026 no
    s = build_series(park({2024: True, 2025: False, 2026: False}), 2026)
    rules = MonitorRules()
    assert rule_core_indicator(s, 2024, rules) == []
    # 2025: missed for the first time → CORE warning
    (flag,) = rule_core_indicator(s, 2025, rules)
    assert (flag.code, flag.level, flag.indicator) == ("CORE", WARNING, "YQ-13")
    assert "不再达到参考值" in flag.message
    # 2026: missed in 2025 and 2026, two disclosed years running → CORE_EXIT
    (flag,) = rule_core_indicator(s, 2026, rules)
    assert (flag.code, flag.level) == ("CORE_EXIT", EXIT)
    assert "连续2年（2025—2026年）" in flag.message and "建议取消称号" in flag.message


def test_core_indicator_not_consecutive_stays_a_warning():
    # no, yes, no: the misses of 2024 and 2026 are not consecutive
    s = build_series(park({2024: False, 2025: True, 2026: False}), 2026)
    assert codes(rule_core_indicator(s, 2026, MonitorRules())) == [("CORE", WARNING)]
    # no in 2024, nothing disclosed in 2025, no in 2026: a gap is not "running"
    s = build_series(park({2024: False, 2026: False}), 2026)
    assert codes(rule_core_indicator(s, 2026, MonitorRules())) == [("CORE", WARNING)]
    assert rule_core_indicator(s, 2025, MonitorRules()) == []  # nothing to judge


def test_core_indicator_bounds_and_exit_years():
    # YQ-03 可再生能源消费比重 ≥10 (bound included): 9.99 misses, 10 meets
    s = build_series(park({2024: 9.99, 2025: 10, 2026: 9.5}, code="YQ-03"), 2026)
    rules = MonitorRules()
    assert codes(rule_core_indicator(s, 2024, rules)) == [("CORE", WARNING)]
    assert rule_core_indicator(s, 2025, rules) == []
    # with core_exit_years=1 a single miss is already an exit
    assert codes(rule_core_indicator(s, 2026, MonitorRules(core_exit_years=1))) == [
        ("CORE_EXIT", EXIT)]
    # with core_exit_years=3: missed 2024, 2025, 2026 → a warning in 2025 (run 2), exit in 2026
    s = build_series(park({2024: 9, 2025: 9, 2026: 9}, code="YQ-03"), 2026)
    assert codes(rule_core_indicator(s, 2025, MonitorRules(core_exit_years=3))) == [
        ("CORE", WARNING)]
    assert codes(rule_core_indicator(s, 2026, MonitorRules(core_exit_years=3))) == [
        ("CORE_EXIT", EXIT)]


def test_core_indicator_computed_from_emissions():
    # park, base 1000; YQ-01 既有园区碳排放总量下降率 ≥40 % is computed when not declared:
    # 2025: (1000 − 580) / 1000 = 42 % → met; 2026: (1000 − 640) / 1000 = 36 % → missed
    h = history({2025: 580, 2026: 640}, pilot_type="park")
    s = build_series(h, 2026)
    assert rule_core_indicator(s, 2025, MonitorRules()) == []
    (flag,) = rule_core_indicator(s, 2026, MonitorRules())
    assert flag.indicator == "YQ-01" and "2026年 36" in flag.message


# --- NO_DISCLOSURE / NO_DISCLOSURE_EXIT -------------------------------------------------------


def test_disclosure_missing_once_warning_twice_exit():
    # accepted 2023 → under review from 2024; disclosed 2024 only
    h = history({2024: 900})
    s, rules = build_series(h, 2026), MonitorRules()
    assert rule_disclosure_missing(s, 2024, rules) == []
    # 2025 missing: the first year without disclosure → warning
    assert codes(rule_disclosure_missing(s, 2025, rules)) == [("NO_DISCLOSURE", WARNING)]
    # 2026 missing too: 2025 and 2026 → exit
    (flag,) = rule_disclosure_missing(s, 2026, rules)
    assert (flag.code, flag.level) == ("NO_DISCLOSURE_EXIT", EXIT)
    assert "连续2年（2025—2026年）" in flag.message


def test_disclosure_missing_counts_only_years_under_review():
    # accepted 2024 → review from 2025; disclosed 2026 only. 2025 missing → warning; 2024 was
    # before the review period and does not make 2025 a second year
    h = history({2026: 900}, accepted=2024)
    assert first_year(h) == 2025
    s = build_series(h, 2026)
    assert codes(rule_disclosure_missing(s, 2025, MonitorRules())) == [
        ("NO_DISCLOSURE", WARNING)]
    assert rule_disclosure_missing(s, 2026, MonitorRules()) == []
    # pilot.first_year overrides: review from 2023, so 2024 and 2025 missing → exit in 2025
    h = history({2026: 900}, accepted=2024, first=2023)
    s = build_series(h, 2026)
    assert codes(rule_disclosure_missing(s, 2025, MonitorRules())) == [
        ("NO_DISCLOSURE_EXIT", EXIT)]


def test_first_year_without_acceptance_is_the_first_disclosed():
    assert first_year(history({2024: 1, 2025: 1}, accepted=None)) == 2024


# --- ABOVE_TARGET ----------------------------------------------------------------------------


def test_above_target_level():
    # target 800: 800 is not above it; 801 is, by (801 − 800) / 800 = 0.125 % → "超出 0.1%"
    h = history({2024: 800, 2025: 801}, target=800)
    s = build_series(h, 2025)
    assert rule_above_target(s, 2024, MonitorRules()) == []
    (flag,) = rule_above_target(s, 2025, MonitorRules())
    assert (flag.code, flag.level) == ("ABOVE_TARGET", WARNING)
    assert "801 tCO2 高于验收目标水平 800 tCO2（超出 0.1%）" in flag.message
    # a tolerance of 0.5 % allows up to 800 × 1.005 = 804
    assert rule_above_target(s, 2025, MonitorRules(target_tolerance_pct=0.5)) == []
    # no target level, no rule
    assert rule_above_target(build_series(history({2025: 5000}), 2025), 2025,
                             MonitorRules()) == []


# --- the review ------------------------------------------------------------------------------


def test_review_status_is_the_worst_flag_of_the_review_year():
    # accepted 2023, target 900; 2024 880, 2025 910, 2026 missing
    # 2024: nothing. 2025: 910 > 900 → ABOVE_TARGET (warning); 880 → 910 is one rise only.
    # 2026: missing → NO_DISCLOSURE (warning, first missing year)
    h = history({2024: 880, 2025: 910}, target=900)
    review = review_pilot(h, 2026)
    by_year = {y.year: y for y in review.years}
    assert [y for y in by_year] == [2024, 2025, 2026]
    assert by_year[2024].status == OK
    assert codes(by_year[2025].flags) == [("ABOVE_TARGET", WARNING)]
    assert codes(by_year[2026].flags) == [("NO_DISCLOSURE", WARNING)]
    assert review.status == WARNING and review.exit_years == []
    # vs base: (910 − 1000) / 1000 = −9 %; vs previous: (910 − 880) / 880 = +3.41 %
    assert by_year[2025].vs_base_pct == pytest.approx(-9.0)
    assert by_year[2025].vs_previous_pct == pytest.approx(30 / 880 * 100)
    # as of 2025 the missing 2026 is not yet due
    assert codes(review_pilot(h, 2025).flags) == [("ABOVE_TARGET", WARNING)]


def test_disabled_rules_do_not_apply_and_unknown_rules_are_refused():
    h = history({2024: 880, 2025: 910}, target=900)
    review = review_pilot(h, 2025, MonitorRules(enabled=("RISING", "CORE", "NO_DISCLOSURE")))
    assert review.status == OK
    with pytest.raises(RulesError, match="enabled: unknown rule FOO"):
        MonitorRules(enabled=("FOO",))
    with pytest.raises(RulesError, match="rising_years"):
        MonitorRules(rising_years=0)


def test_years_before_acceptance_are_shown_but_not_reviewed():
    # disclosed 2023 (during construction) with a rise 1000 → 1100; accepted 2023
    h = history({2023: 1100, 2024: 1200, 2025: 1300})
    review = review_pilot(h, 2025)
    y2023 = review.years[0]
    assert (y2023.year, y2023.under_review, y2023.flags) == (2023, False, [])
    # 2024: 1000 → 1100 → 1200 rising (years before review count as history); 2025 too
    assert [codes(y.flags) for y in review.years[1:]] == [[("RISING", WARNING)]] * 2


def test_monitoring_examples():
    """The bundled set (docs/lifecycle.md): one normal, three warnings, one exit in 2027."""
    rep = monitor(load_histories([MONITORING]))
    assert rep.as_of == 2027
    assert rep.counts() == {"ok": 1, "warning": 3, "exit": 1}
    status = {p.id: (p.status, sorted(f.code for f in p.flags)) for p in rep.pilots}
    assert status == {
        "DEMO-2023-XY-101": (EXIT, ["CORE_EXIT"]),
        "DEMO-2023-QY-101": (WARNING, ["CORE"]),
        # 2027: 3570 t disclosed, above the target level 3450 only at the 2023 grid factor;
        # at the 2022 factor (同口径, default) 3570 + 5950 MWh × (0.4044 − 0.4476) = 3312.96
        # is below it, so only the rise 3370 → 3440 → 3570 is flagged
        "DEMO-2023-SQ-101": (WARNING, ["RISING"]),
        "DEMO-2023-SY-101": (WARNING, ["NO_DISCLOSURE"]),
        "DEMO-2023-YQ-101": (OK, []),
    }
    assert rep.pilots[0].id == "DEMO-2023-XY-101"  # exits first
    community = next(p for p in rep.pilots if p.id == "DEMO-2023-SQ-101")
    assert community.years[-1].emissions_tco2 == pytest.approx(3312.96)
    assert community.years[-1].declared_tco2 == 3570
    # at the data year's factor the disclosed figure stands and the target level is exceeded
    data_year = monitor(load_histories([MONITORING]),
                        options=AccountingOptions(grid_factor="data_year"))
    flags = {p.id: sorted(f.code for f in p.flags) for p in data_year.pilots}
    assert flags["DEMO-2023-SQ-101"] == ["ABOVE_TARGET", "RISING"]
    # as of 2026: the campus misses XY-12 for the first time, the mall has disclosed
    rep = monitor(load_histories([MONITORING]), as_of=2026)
    status = {p.id: p.status for p in rep.pilots}
    assert status["DEMO-2023-XY-101"] == WARNING and status["DEMO-2023-SY-101"] == OK
