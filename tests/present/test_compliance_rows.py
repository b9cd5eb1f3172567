"""One indicator row, two views: the notes of a compliance row are decided once
(:func:`nzc_review.present.compliance_rows.indicator_row`) and the evaluation report's HTML
table and the terminal table both show them (DESIGN.md "One figure, one function")."""

from __future__ import annotations

import dataclasses
import re
from io import StringIO
from types import SimpleNamespace

import pytest
from rich.console import Console

from nzc_review.evaluation.compliance import evaluate_compliance
from nzc_review.evaluation.review_rules import EvaluationRules
from nzc_review.intake import load_application
from nzc_review.policy import catalog
from nzc_review.present import evaluation_report, terminal
from nzc_review.present.compliance_rows import indicator_row
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def report():
    return evaluate_compliance(load_application(EXAMPLES / "commercial-pass.yaml"))


@pytest.fixture(scope="module")
def sy02(report):
    """SY-02, a benchmark indicator (优于…基准值) with its benchmark given: 105 kWh/(m2·a)."""
    return next(r for r in report.indicators if r.code == "SY-02")


def _every_note(r):
    return dataclasses.replace(
        r, current_source="computed", stricter_than_reference=True, discrepancy="不一致"
    )


def _html_row(ev, code: str) -> str:
    html = evaluation_report.compliance_table(ev)
    return re.search(rf"<tr[^>]*><td class='code'>{code}</td>.*?</tr>", html).group(0)


def _terminal_text(report) -> str:
    out = StringIO()
    terminal.compliance_view(Console(file=out, width=400), report)
    return out.getvalue()


def test_the_row_notes_in_the_order_shown(sy02):
    assert indicator_row(sy02).notes == ("benchmark",)
    assert indicator_row(dataclasses.replace(sy02, benchmark=None)).notes == ("no_benchmark",)
    assert indicator_row(_every_note(sy02)).notes == (
        "computed", "stricter", "discrepancy", "benchmark"
    )
    plain = dataclasses.replace(sy02, rule="at_least")
    assert indicator_row(plain).notes == ()
    row = indicator_row(sy02)
    assert (row.type_zh, row.core) == ("核心指标", True)
    assert row.reference == catalog.display_reference(sy02.reference)


def test_both_views_show_what_the_row_notes(report, sy02):
    noted = _every_note(sy02)
    indicators = [noted if r.code == "SY-02" else r for r in report.indicators]
    ev = SimpleNamespace(
        compliance=dataclasses.replace(report, indicators=indicators), core_gate=report.core_gate,
        pilot_type=report.pilot_type, rules=EvaluationRules(),
    )
    html = _html_row(ev, "SY-02")
    assert "现状值由申报数据计算；目标严于参考值；申报值与计算值不一致；基准值 105 kWh/(m2·a)" in html
    text = _terminal_text(dataclasses.replace(report, indicators=indicators))
    line = next(x for x in text.splitlines() if "SY-02" in x)
    assert line.rstrip(" │").endswith("现状值由排放数据计算；目标严于参考值；现状值与计算值不一致")
    assert "105" not in line  # the terminal does not repeat a given benchmark


def test_a_missing_benchmark_is_noted_in_both_views(report, sy02):
    missing = dataclasses.replace(sy02, benchmark=None)
    indicators = [missing if r.code == "SY-02" else r for r in report.indicators]
    ev = SimpleNamespace(
        compliance=dataclasses.replace(report, indicators=indicators), core_gate=report.core_gate,
        pilot_type=report.pilot_type, rules=EvaluationRules(),
    )
    assert "<td>未提供基准值</td>" in _html_row(ev, "SY-02")
    text = _terminal_text(dataclasses.replace(report, indicators=indicators))
    line = next(x for x in text.splitlines() if "SY-02" in x)
    assert line.rstrip(" │").endswith("未提供基准值")
