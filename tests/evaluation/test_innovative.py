"""Innovative indicators (创新指标, 附件2 三): judged by their own direction, target against
current, reported apart and never part of the core gate (本工具默认规则)."""

from __future__ import annotations

import json

import pytest

from nzc_review.cli.main import main
from nzc_review.evaluation.cache import evaluation_from_json, evaluation_to_json
from nzc_review.evaluation.compliance import evaluate_compliance
from nzc_review.evaluation.innovative import InnovativeRules, judge_innovative
from nzc_review.evaluation.pipeline import EvaluationOptions, evaluate_application
from nzc_review.evaluation.risk import RiskModel
from nzc_review.intake import load_application, validate_application
from nzc_review.present import evaluation_report as report
from tests.conftest import EXAMPLES, minimal_app
from tests.fixtures.applications import read_yaml

FAST = EvaluationOptions(risk=RiskModel(draws=500))


@pytest.mark.parametrize(
    "direction, current, target, expected",
    [
        # at_least: target 60 % against 18 % → 42 points better
        ("at_least", 18, 60, ("met", 42.0, True)),
        # at_least: target 15 below current 18 → 3 points worse
        ("at_least", 18, 15, ("not_met", -3.0, False)),
        # at_least: holding the current value counts (以上 includes the bound)
        ("at_least", 18, 18, ("met", 0.0, False)),
        # at_most: water use 9.6 → 7.5 m3/万元 is 2.1 better
        ("at_most", 9.6, 7.5, ("met", 2.1, True)),
        # at_most: 9.6 → 10 is 0.4 worse
        ("at_most", 9.6, 10, ("not_met", -0.4, False)),
        # no target: missing; no current value to compare with: needs review
        ("at_least", 18, None, ("missing", None, None)),
        ("at_most", None, 7.5, ("needs_review", None, None)),
    ],
)
def test_numeric_direction_compares_target_with_current(direction, current, target, expected):
    now, then, margin, improves = judge_innovative(direction, current, target)
    status, want_margin, want_improves = expected
    assert then == status and improves is want_improves
    assert margin == (None if want_margin is None else pytest.approx(want_margin))
    assert now == ("missing" if current is None else None)  # the baseline is not judged


@pytest.mark.parametrize(
    "current, target, expected",
    [(False, True, ("not_met", "met", True)), (True, True, ("met", "met", False)),
     (True, False, ("met", "not_met", False)), (None, None, ("missing", "missing", None))],
)
def test_yes_direction(current, target, expected):
    now, then, margin, improves = judge_innovative("yes", current, target)
    assert (now, then, improves) == expected and margin is None


def test_strict_improvement_is_configurable():
    assert judge_innovative("at_least", 18, 18)[1] == "met"
    strict = InnovativeRules(strict_improvement=True)
    assert judge_innovative("at_least", 18, 18, strict)[1] == "not_met"
    assert judge_innovative("at_most", 9.6, 9.5, strict)[1] == "met"


def _park(**innovative):
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["indicators"] = {k: v for k, v in data["indicators"].items() if "-C" not in k}
    data["indicators"].update(innovative)
    return validate_application(data, "park.yaml")


def test_reported_apart_in_code_order():
    app = _park(**{
        "YQ-C02": {"name": "单位工业增加值新鲜水耗", "unit": "m3/万元", "direction": "at_most",
                   "current": 9.6, "target": 10},
        "YQ-C01": {"name": "企业屋顶光伏覆盖率", "unit": "%", "direction": "at_least",
                   "current": 18, "target": 60, "evidence": "屋顶普查"},
    })
    result = evaluate_compliance(app)
    assert [r.code for r in result.innovative] == ["YQ-C01", "YQ-C02"]
    first, second = result.innovative
    assert (first.name_zh, first.unit, first.target_status, first.evidence) == (
        "企业屋顶光伏覆盖率", "%", "met", "屋顶普查")
    assert second.target_status == "not_met" and second.margin == pytest.approx(-0.4)
    assert all("-C" not in r.code for r in result.indicators)
    assert "YQ-C02" not in result.failed_core + result.missing + result.stricter
    data = result.to_dict()["innovative"]
    assert data[1]["direction"] == "at_most" and data[1]["target_status"] == "not_met"


def test_never_part_of_the_core_gate():
    plain = _park()
    failing = _park(**{"YQ-C01": {"name": "近零碳示范工厂", "direction": "yes", "current": False,
                                  "target": False}})
    before, after = evaluate_application(plain, FAST), evaluate_application(failing, FAST)
    assert after.compliance.innovative[0].target_status == "not_met"
    assert before.core_gate == after.core_gate == "pass"
    assert after.compliance.failed_core == []
    assert after.verdict.level == before.verdict.level
    assert [r.rule for r in after.verdict.reasons] == [r.rule for r in before.verdict.reasons]


def test_unquoted_yaml_yes_is_the_yes_direction(write_app):
    path = write_app(minimal_app("park"))
    path.write_text(path.read_text(encoding="utf-8")
                    + "indicators:\n  YQ-C01: {name: 示范工厂, direction: yes, target: true}\n",
                    encoding="utf-8")
    assert load_application(path).indicators["YQ-C01"].direction == "yes"


@pytest.mark.parametrize(
    "pilot_type, indicators, expected",
    [
        ("park", {"YQ-C1": {"name": "x", "direction": "at_least"}},
         "indicators.YQ-C1: unknown indicator code 'YQ-C1'; the indicators of park are "
         "YQ-01…YQ-20 and its innovative indicators are numbered YQ-C01, YQ-C02, …"),
        ("park", {"YQ-C00": {"name": "x", "direction": "at_least"}},
         "indicators.YQ-C00: unknown indicator code 'YQ-C00'"),
        ("commercial", {"SY-16": {"current": 1}},
         "indicators.SY-16: unknown indicator code 'SY-16'; the indicators of commercial are "
         "SY-01…SY-15"),
        ("park", {"XY-C01": {"name": "x", "direction": "at_least"}},
         "indicators.XY-C01: XY-C01 is an innovative indicator code of pilot type campus, not of "
         "park; number the innovative indicators YQ-C01, YQ-C02, …"),
        ("park", {"YQ-C01": {"name": "x", "current": 1, "target": 2}},
         "indicators.YQ-C01.direction: an innovative indicator needs a direction: at_least "
         "(不低于现状), at_most (不高于现状), yes (是否达成)"),
        ("park", {"YQ-C01": {"direction": "at_least"}},
         "indicators.YQ-C01.name: an innovative indicator needs a name (指标名称)"),
        ("park", {"YQ-C01": {"name": "x", "direction": "up"}},
         "indicators.YQ-C01.direction: expected 'at_least', 'at_most' or 'yes', got 'up'"),
        ("park", {"YQ-C01": {"name": "x", "direction": "at_least", "target": True}},
         "indicators.YQ-C01.target: expected a number, got true"),
        ("park", {"YQ-C01": {"name": "x", "direction": "yes", "current": 3}},
         "indicators.YQ-C01.current: expected true or false, got 3"),
        ("park", {"YQ-C01": {"name": "x", "direction": "at_most", "benchmark": 2}},
         "indicators.YQ-C01.benchmark: an innovative indicator has no benchmark value"),
        ("park", {"YQ-03": {"current": 6, "direction": "at_least"}},
         "indicators.YQ-03.direction: YQ-03 is an indicator of the work plan, whose direction is "
         "fixed; only innovative indicators (YQ-C01, YQ-C02, …) state a direction"),
    ],
)
def test_errors_name_the_field(write_app, capsys, pilot_type, indicators, expected):
    path = write_app(minimal_app(pilot_type, indicators=indicators))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"app.yaml: {expected}" in err and "Traceback" not in err


def test_check_json_and_report_show_them(write_app, capsys):
    data = minimal_app("commercial", indicators={
        "SY-C01": {"name": "商户<b>绿色</b>承诺签约率", "unit": "%", "direction": "at_least",
                   "current": 35, "target": 90},
    })
    assert main(["check", str(write_app(data)), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["innovative"][0]["code"] == "SY-C01"
    assert shown["innovative"][0]["target_status"] == "met"
    ev = evaluate_application(validate_application(data, "x.yaml"), FAST)
    html = report.compliance_table(ev)
    group = html[html.index("<h3 class='keep'>创新指标</h3>"):]
    assert "不计入核心指标门槛（本工具默认规则）" in group
    assert "SY-C01" in group and "不低于现状（越高越好）" in group and "目标优于现状" in group
    assert "商户&lt;b&gt;绿色&lt;/b&gt;承诺签约率" in group  # escaped
    assert "创新指标" not in report.compliance_table(evaluate_application(_park(), FAST))


def test_the_evaluation_cache_keeps_them():
    ev = evaluate_application(load_application(EXAMPLES / "park-pass.yaml"), FAST)
    assert ev.compliance.innovative  # the example proposes some
    back = evaluation_from_json(evaluation_to_json(ev))
    assert back.compliance.innovative == ev.compliance.innovative
