"""Innovative indicators (创新指标, ``YQ-C01``…) at acceptance: reported under ``achieved`` by
their codes, judged by their direction against the application's target, listed apart, never in
the core gate or the score (本工具默认规则, configurable); and the errors when one is reported
wrongly."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.evaluation.compliance import MET, MISSING, NEEDS_REVIEW, NOT_MET
from nzc_review.lifecycle import report as lc_report
from nzc_review.lifecycle.acceptance import (
    FAILED,
    PASSED,
    evaluate_acceptance,
    judge_innovative_achieved,
)
from nzc_review.lifecycle.config import rules_from_mapping
from nzc_review.lifecycle.intake import validate_acceptance
from nzc_review.lifecycle.terminal import acceptance_view
from nzc_review.mcda.acceptance_rules import AcceptanceRules
from tests.fixtures.applications import FAST_DUMPER
from tests.lifecycle.test_lifecycle_acceptance import ACCEPTANCE

INNOVATIVE = {
    "YQ-C01": {"name": "企业屋顶光伏覆盖率", "unit": "%", "direction": "at_least",
               "current": 18, "target": 60},
    "YQ-C02": {"name": "单位增加值新鲜水耗", "unit": "m3/万元", "direction": "at_most",
               "current": 9.6, "target": 7.5},
    "YQ-C03": {"name": "建成示范工厂", "direction": "yes", "current": False, "target": True},
    "YQ-C04": {"name": "碳普惠参与企业数", "unit": "家", "direction": "at_least", "current": 3,
               "target": 10},
}
REPORTED = {
    "YQ-C01": {"value": 60, "evidence": "光伏台账"},  # = target 60: met (以上 包括本数)
    "YQ-C02": {"value": 7.8},  # above the committed 7.5 on a lower-is-better indicator
    "YQ-C03": {"value": True},
    # YQ-C04 not reported: missing
}


def data(achieved=REPORTED, innovative=INNOVATIVE) -> dict:
    doc = copy.deepcopy(ACCEPTANCE)
    doc["application"]["content"]["indicators"].update(copy.deepcopy(innovative))
    doc["achieved"].update(copy.deepcopy(achieved))
    return doc


def case(doc: dict):
    return validate_acceptance(doc, "t.yaml", Path("t.yaml"))


def test_judged_by_direction_against_the_committed_target():
    assert judge_innovative_achieved("at_least", 60, 60) == (MET, 0.0)
    assert judge_innovative_achieved("at_least", 59, 60) == (NOT_MET, -1.0)
    assert judge_innovative_achieved("at_most", 7.8, 7.5) == (NOT_MET, pytest.approx(-0.3))
    assert judge_innovative_achieved("at_most", 7.0, 7.5) == (MET, pytest.approx(0.5))
    assert judge_innovative_achieved("yes", True, True) == (MET, None)
    assert judge_innovative_achieved("yes", False, True) == (NOT_MET, None)
    assert judge_innovative_achieved("yes", False, False) == (MET, None)  # commits to nothing
    assert judge_innovative_achieved("at_least", None, 60) == (MISSING, None)
    assert judge_innovative_achieved("at_least", 61, None) == (NEEDS_REVIEW, None)
    assert judge_innovative_achieved("yes", 1, True) == (NEEDS_REVIEW, None)
    with pytest.raises(ValueError):
        judge_innovative_achieved("sideways", 1, 1)


def test_listed_apart_and_outside_the_gate_and_the_score():
    plain = evaluate_acceptance(case(data(achieved={}, innovative={})))
    res = evaluate_acceptance(case(data()))
    by = {r.code: r for r in res.innovative}
    assert [r.code for r in res.innovative] == ["YQ-C01", "YQ-C02", "YQ-C03", "YQ-C04"]
    assert (by["YQ-C01"].status, by["YQ-C01"].margin, by["YQ-C01"].evidence) == (
        MET, 0.0, "光伏台账")
    assert (by["YQ-C02"].status, by["YQ-C02"].committed, by["YQ-C02"].current) == (
        NOT_MET, 7.5, 9.6)
    assert by["YQ-C03"].status == MET and by["YQ-C04"].status == MISSING
    # not among the plan's indicators, not in the core gate, not in the score
    assert not any(r.code.startswith("YQ-C") for r in res.indicators)
    assert (res.core_gate, res.score, res.verdict) == (plain.core_gate, plain.score, PASSED)
    reasons = {r.code: r for r in res.reasons}
    missed, open_ = reasons["INNOVATIVE_NOT_MET"], reasons["INNOVATIVE_INCOMPLETE"]
    assert not missed.blocking and not open_.blocking
    assert "YQ-C02 单位增加值新鲜水耗（实际 7.8，目标 7.5" in missed.message
    assert "YQ-C04 碳普惠参与企业数（缺失）" in open_.message
    assert res.to_dict()["innovative"][1]["status"] == NOT_MET


def test_the_rule_is_configurable():
    rules, _ = rules_from_mapping({"acceptance": {"require_innovative_targets": True}})
    assert rules == AcceptanceRules(require_innovative_targets=True)
    res = evaluate_acceptance(case(data()), rules)
    assert res.verdict == FAILED and res.grade_label == "未通过"
    assert {r.code for r in res.reasons if r.blocking} == {
        "INNOVATIVE_NOT_MET", "INNOVATIVE_INCOMPLETE"}
    # all met: passes under the strict rule too
    met = {**REPORTED, "YQ-C02": {"value": 7.5}, "YQ-C04": {"value": 12}}
    assert evaluate_acceptance(case(data(achieved=met)), rules).verdict == PASSED


def test_acceptance_report_and_terminal_say_the_rule():
    res = evaluate_acceptance(case(data()))
    html = lc_report.acceptance_indicators(res)
    assert html.index("二、指标完成情况") < html.index("<h3 class='keep'>创新指标</h3>")
    assert "不计入核心指标门槛和综合得分" in html and "本工具默认规则" in html
    assert "<td class='code'>YQ-C02</td>" in html and "<span class=\"not_met\">未达标</span>" in html
    buffer = StringIO()
    acceptance_view(Console(file=buffer, width=300, color_system=None), res)
    text = buffer.getvalue()
    assert "创新指标" in text and "越低越好（不高于目标值）" in text
    assert "[INNOVATIVE_NOT_MET]" in text and "不影响验收结论" in text
    # none declared: nothing shown
    plain = evaluate_acceptance(case(data(achieved={}, innovative={})))
    assert lc_report.acceptance_indicators(plain).count("创新指标") == 0
    strict = evaluate_acceptance(case(data()), AcceptanceRules(require_innovative_targets=True))
    assert "创新指标达到申报目标值" in lc_report.acceptance_score(strict)


@pytest.mark.parametrize(("achieved", "where", "message"), [
    # a code the application does not declare (before: "an innovative indicator needs a name")
    ({"YQ-C05": {"value": 1}}, "achieved.YQ-C05",
     "YQ-C05 is an innovative indicator (创新指标) that T-YQ-1 does not declare; its innovative "
     "indicators are YQ-C01, YQ-C02, YQ-C03, YQ-C04"),
    # a value of the wrong kind for its direction
    ({"YQ-C01": {"value": True}}, "achieved.YQ-C01.value", "expected a number, got true"),
    ({"YQ-C03": {"value": 1}}, "achieved.YQ-C03.value", "expected true or false, got 1"),
    # another pilot type's code
    ({"SQ-C01": {"value": 1}}, "achieved.SQ-C01",
     "SQ-C01 is an innovative indicator code of pilot type community, not of park"),
])
def test_wrongly_reported_innovative_indicators_are_named(achieved, where, message):
    with pytest.raises(InputError) as err:
        case(data(achieved=achieved))
    problems = dict(err.value.problems)
    assert where in problems and message in problems[where]
    assert not any("needs a name" in m for m in problems.values())


def test_undeclared_code_when_the_application_has_none():
    with pytest.raises(InputError) as err:
        case(data(achieved={"YQ-C01": {"value": 1}}, innovative={}))
    assert dict(err.value.problems)["achieved.YQ-C01"].endswith(
        "it declares none (an innovative indicator is declared, with its name and direction, "
        "in the application)")


def test_accept_command(tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.dump(data(), allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    bad.write_text(yaml.dump(data(achieved={"YQ-C09": {"value": 3}}), allow_unicode=True,
                             Dumper=FAST_DUMPER),
                   encoding="utf-8")
    assert main(["accept", str(good), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["code"], r["status"]) for r in out["innovative"]] == [
        ("YQ-C01", MET), ("YQ-C02", NOT_MET), ("YQ-C03", MET), ("YQ-C04", MISSING)]
    assert main(["accept", str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    assert ("bad.yaml: achieved.YQ-C09: YQ-C09 is an innovative indicator (创新指标) that T-YQ-1 "
            "does not declare") in captured.err
    assert "Traceback" not in captured.err and "通过验收" in captured.out
