"""The lifecycle notebooks through :func:`run_notebook_jobs`: acceptance reports (one printed to
PDF), a disclosure report and the monitoring dashboard, rendered with the shared template.

These run real kernels and Debian's Chromium (installed by ``make test``).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from nzc_review.lifecycle.intake import load_acceptance, load_histories
from nzc_review.lifecycle.jobs import (
    ACCEPTANCE_NOTEBOOK,
    DISCLOSURE_NOTEBOOK,
    MONITOR_NOTEBOOK,
    acceptance_jobs,
    disclosure_jobs,
    monitor_job,
)
from nzc_review.runner.jobs import run_notebook_jobs
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]

LIFECYCLE = ROOT / "examples" / "lifecycle"
ACCEPTED = LIFECYCLE / "acceptance" / "park-accepted.yaml"
FAILED = LIFECYCLE / "acceptance" / "commercial-failed.yaml"
MONITORING = LIFECYCLE / "monitoring"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("lifecycle")
    histories = load_histories([MONITORING / "campus-exit"])
    jobs = (acceptance_jobs([(ACCEPTED, load_acceptance(ACCEPTED))], evaluated_on="2027-05-20")
            + acceptance_jobs([(FAILED, load_acceptance(FAILED))])
            + disclosure_jobs(histories, years=[2027])
            + [monitor_job([MONITORING], evaluated_on="2028-04-30")])
    # one run, every report printed to PDF too (one kernel pool, one Chromium)
    results = run_notebook_jobs(jobs, out, workers=4, pdf=True, progress=False)
    return {r.key: r for r in results}, out


def test_every_report_is_produced(reports):
    results, out = reports
    assert {k: r.status for k, r in results.items()} == {
        "DEMO-2024-YQ-001-acceptance": "ok", "DEMO-2024-SY-001-acceptance": "ok",
        "DEMO-2023-XY-101-disclosure-2027": "ok", "monitor": "ok"}, \
        {k: r.reason for k, r in results.items()}
    assert results["DEMO-2024-YQ-001-acceptance"].summary == {
        "id": "DEMO-2024-YQ-001", "verdict": "通过验收", "passed": True,
        "score": pytest.approx(98.84, abs=0.01), "grade": "优秀", "core_gate": "pass"}
    assert results["DEMO-2024-SY-001-acceptance"].summary["verdict"] == "不通过"
    assert not list(out.glob(".work-*"))


def test_acceptance_html_has_its_sections_and_verdict(reports):
    _, out = reports
    html = (out / "DEMO-2024-YQ-001-acceptance" / "acceptance.html").read_text(encoding="utf-8")
    for heading in ("近零碳排放区试点验收评价报告", "一、验收结论", "二、指标完成情况",
                    "三、重点项目完成情况", "四、碳排放核算", "五、评分"):
        assert heading in html
    assert "验收结论：通过验收（优秀）" in html
    assert "评价日期</b></td><td>2027-05-20" in html
    assert html.count("<img") == 2
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "no CDN"
    assert "<pre" not in html  # no code, no errors
    failed = (out / "DEMO-2024-SY-001-acceptance" / "acceptance.html").read_text(encoding="utf-8")
    assert "验收结论：不通过（未通过）" in failed and "CORE_NOT_MET" in failed


def test_acceptance_pdf(reports):
    _, out = reports
    pdf = out / "DEMO-2024-YQ-001-acceptance" / "acceptance.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "近零碳排放区试点验收评价报告" in text and "通过验收" in text


def test_disclosure_and_dashboard(reports):
    _, out = reports
    html = (out / "DEMO-2023-XY-101-disclosure-2027" / "disclosure.html").read_text(
        encoding="utf-8")
    for heading in ("碳排放信息披露（2027年度）", "一、年度概况", "二、排放来自哪里", "三、历年变化",
                    "四、评价指标"):
        assert heading in html
    assert "2027年，示例职业技术学院近零碳排放校园（示例）的碳排放总量为4,410吨二氧化碳" in html
    dash = (out / "monitor" / "monitor.html").read_text(encoding="utf-8")
    for heading in ("近零碳排放区试点复核监测看板", "一、总体情况（2027年）", "二、逐年状态",
                    "三、各试点趋势与预警", "四、复核规则"):
        assert heading in dash
    assert "CORE_EXIT" in dash and "建议取消称号" in dash and "NO_DISCLOSURE" in dash
    assert dash.count("<img") == 5  # a trend chart per pilot
    assert "<pre" not in dash


def test_notebooks_are_committed_clean():
    for path in (ACCEPTANCE_NOTEBOOK, DISCLOSURE_NOTEBOOK, MONITOR_NOTEBOOK):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"] == {"name": "python3",
                                                "display_name": "Python 3 (ipykernel)",
                                                "language": "python"}
        assert nb["cells"][0]["metadata"]["tags"] == ["parameters"]
        assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
                   for c in nb["cells"])
