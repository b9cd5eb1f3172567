"""The report fragments: content, escaping, and the committed notebook's shape."""

from __future__ import annotations

import json

import nbformat

from nzc_review.evaluation.pipeline import evaluate_application
from nzc_review.evaluation.remarks import draft_remarks
from nzc_review.intake import load_application, validate_application
from nzc_review.present import evaluation_report as report
from nzc_review.runner.render import NOTEBOOKS_DIR
from tests.conftest import EXAMPLES, minimal_app


def _ev(name="park-pass.yaml"):
    return evaluate_application(load_application(EXAMPLES / name))


def test_fragments_have_their_sections():
    ev = _ev()
    html = "".join([report.title_block(ev), report.verdict_block(ev), report.compliance_table(ev),
                    report.eligibility_completeness(ev), report.accounting_table(ev),
                    report.forecast_text(ev), report.projects_table(ev), report.remarks_block(ev)])
    for heading in ("近零碳排放区试点申报评估报告", "一、评估结论", "二、指标达标情况",
                    "三、遴选条件与申报材料完整性", "四、碳排放核算", "五、情景预测",
                    "六、重点项目与减排成本", "七、自动评审意见（草稿）"):
        assert heading in html
    assert "建设可行性：基本可行" in html  # the park's 绿电交易 reduces nothing (location basis)
    assert "核算口径" in html and "基于位置（同口径：按2022年电网因子）" in html
    assert "对照：扣除绿电（同口径：按2022年电网因子）口径下预计下降 68.8%" in html
    assert "绿电交易/绿证" in html  # the project's category under its name
    assert "示例工业园区管理委员会（示例）" in html


def test_application_text_is_escaped():
    evil = "<script>alert(1)</script>"
    data = minimal_app("park", name=f"园区{evil}",
                       applicant={"organization": "<img src=x onerror=alert(1)>"},
                       key_projects=[{"name": evil, "content": evil}],
                       indicators={"YQ-13": {"current": True, "evidence": evil}})
    ev = evaluate_application(validate_application(data, "t.yaml"))
    html = report.title_block(ev) + report.projects_table(ev) + report.remarks_block(ev)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_remarks_follow_results():
    failing = draft_remarks(_ev("community-fail.yaml"))
    assert any("SQ-02" in p and "一票否决" in p for p in failing.problems)
    incomplete = draft_remarks(_ev("campus-incomplete.yaml"))
    assert any("XY-03" in s and "基准值" in s for s in incomplete.to_supplement)
    good = draft_remarks(_ev("commercial-pass.yaml"))
    assert good.problems == [] and good.strengths


def test_summary_bundle_carries_key_figures():
    ev = _ev()
    bundle = report.summary_bundle(ev)
    data = bundle[report.SUMMARY_MIME]
    assert data["verdict"] == "基本可行" and data["core_gate"] == "pass"
    assert data["accounting_basis"] == "location"
    assert 0 <= data["probability_meets_target"] <= 1
    json.dumps(bundle)


def test_committed_notebook_is_clean_and_parameterised():
    nb = nbformat.read(NOTEBOOKS_DIR / "evaluate_application.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
