"""What ``check`` / ``evaluate`` print beyond the plan's indicators: the innovative indicators
(创新指标) as a table of their own with the report's judgement words, the accounting basis of the
computed values, and a cost per tonne that is "—" with its reason for a project that reduces
nothing on the run's basis (the evaluation report's project table says the same)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from rich.console import Console

from nzc_review.evaluation.compliance import evaluate_compliance
from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options
from nzc_review.intake import load_application, validate_application
from nzc_review.present import evaluation_report, terminal
from tests.conftest import EXAMPLES, minimal_app


def _printed(view, item) -> str:
    buffer = StringIO()
    view(Console(file=buffer, width=400, color_system=None), item)
    return buffer.getvalue()


def _row(text: str, code: str) -> list[str]:
    line = next(line for line in text.splitlines() if f" {code} " in line)
    return [cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]]


INNOVATIVE = {
    # at_least 18 → 60: met, target better than current
    "YQ-C01": {"name": "企业屋顶光伏覆盖率", "unit": "%", "direction": "at_least",
               "current": 18, "target": 60, "evidence": "屋顶普查"},
    # at_most 7.5 → 9.6: a target worse than the current value is not met
    "YQ-C02": {"name": "单位增加值新鲜水耗", "unit": "m3/万元", "direction": "at_most",
               "current": 7.5, "target": 9.6},
    # yes, no target given: missing
    "YQ-C03": {"name": "建成示范工厂", "direction": "yes", "current": False},
}


@pytest.fixture(scope="module")
def report():
    app = validate_application(minimal_app("park", indicators=INNOVATIVE), "t.yaml")
    return evaluate_compliance(app)


def test_check_prints_innovative_indicators_apart(report):
    text = _printed(terminal.compliance_view, report)
    head = text.index("创新指标")
    assert all(text.index(code) > head for code in INNOVATIVE)  # below the plan's table
    assert _row(text, "YQ-C01") == ["YQ-C01", "企业屋顶光伏覆盖率", "%", "不低于现状（越高越好）",
                                    "18", "—", "60", "✔ 达标", "目标优于现状；屋顶普查"]
    assert _row(text, "YQ-C02")[6:8] == ["9.6", "✘ 未达标"]
    assert _row(text, "YQ-C03")[4:8] == ["否", "✘ 未达标", "—", "… 缺失"]
    assert "不计入核心指标门槛（本工具默认规则）" in text
    # the core gate is that of the plan's indicators alone
    assert report.core_gate == "incomplete"


def test_terminal_and_report_use_the_same_words(report):
    ev = type("Ev", (), {"compliance": report})()
    html = evaluation_report.innovative_table(ev)
    text = _printed(terminal.compliance_view, report)
    for header in terminal.INNOVATIVE_HEADERS:
        assert f"<th>{header}</th>" in html and header in text
    for word in ("达标", "未达标", "缺失", "目标优于现状", "不低于现状（越高越好）"):
        assert word in html and word in text


def test_no_innovative_table_without_innovative_indicators():
    plain = evaluate_compliance(validate_application(minimal_app("park"), "t.yaml"))
    assert "创新指标" not in _printed(terminal.compliance_view, plain)


def test_check_names_the_basis_of_computed_values():
    report = evaluate_compliance(load_application(EXAMPLES / "park-pass.yaml"))
    text = _printed(terminal.compliance_view, report)
    assert "核算口径：基于位置（同口径：按2022年电网因子）（由排放数据计算的现状值按此口径）" in text
    assert (report.basis, report.basis_zh) == ("location", "基于位置（同口径：按2022年电网因子）")


@pytest.fixture(scope="module")
def park_evaluations():
    app = load_application(EXAMPLES / "park-pass.yaml")
    return {basis: evaluate_application(app, evaluation_options(draws=50, accounting_basis=basis))
            for basis in ("location", "green_deducted")}


def test_evaluate_cost_table_shows_no_cost_for_green_power_on_location(park_evaluations):
    text = _printed(terminal.evaluation_view, park_evaluations["location"])
    row = _row(text, "绿电交易")
    # 投资 0, 年减排 179,000, no cost per tonne and the reason (not 0)
    assert row[1:5] == ["0", "179,000", "15", "—"]
    assert "基于位置口径下" in row[5] and "不减少核算排放" in row[5]
    # the basis is printed once, with the accounting
    assert text.count("核算口径：基于位置（同口径：按2022年电网因子）；") == 1
    # a costed project: 32,000 万元 × CRF(8 %, 15) 0.116830 / 48,000 t = 779 元/t
    assert _row(text, "屋顶分布式光伏")[4] == "779"
    green = _row(_printed(terminal.evaluation_view, park_evaluations["green_deducted"]), "绿电交易")
    assert green[4:6] == ["0", ""]


def test_report_project_table_says_why_there_is_no_cost(park_evaluations):
    html = evaluation_report.projects_table(park_evaluations["location"])
    row = next(r for r in html.split("<tr>") if r.startswith("<td>绿电交易"))
    cost = re.findall(r"<td class='num'>(.*?)</td>", row)[-1]
    assert cost.startswith("—<br>") and "不减少核算排放" in cost
    html = evaluation_report.projects_table(park_evaluations["green_deducted"])
    row = next(r for r in html.split("<tr>") if r.startswith("<td>绿电交易"))
    assert re.findall(r"<td class='num'>(.*?)</td>", row)[-1] == "0"
