"""An expert acceptance meeting end to end through the store (河环发〔2023〕23号 三、(二)2): the
bundled self-evaluation reports imported, three experts score the acceptance criteria, the
chair concludes 通过验收 for the park and 不通过验收 for the commercial place and finalizes; the
acceptance opinion (近零碳排放区试点验收意见) states the automatic evaluation, the panel's figures
— those of the one figures function — and the outcome; the report notebook renders it."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from nzc_review.lifecycle.acceptance import evaluate_acceptance
from nzc_review.lifecycle.intake import load_acceptance
from nzc_review.meeting.opinion import OpinionError
from nzc_review.meeting.opinion import acceptance_html as html
from nzc_review.meeting.opinion.acceptance import collect_acceptance_opinion
from nzc_review.runner.jobs import read_summary
from nzc_review.store.figures import application_figures
from tests.fixtures.acceptance import (
    ACCEPTANCE_CRITERIA,
    COMMERCIAL,
    COMMERCIAL_REPORT,
    PARK,
    PARK_REPORT,
    build_acceptance,
)

SCRIPT = "<script>alert(1)</script>"
#: Expert → report → five criterion scores (目标完成情况 … 特色与示范).
SCORES = {
    "a": {PARK: [92, 88, 85, 90, 86], COMMERCIAL: [50, 55, 70, 75, 60]},
    "b": {PARK: [85, 82, 80, 84, 78], COMMERCIAL: [45, 60, 65, 70, 62]},
    "c": {PARK: [88, 90, 86, 80, 90], COMMERCIAL: [55, 50, 72, 68, 58]},
}
VOTES = {PARK: "accepted", COMMERCIAL: "not_accepted"}
#: Expert A weights the criteria directly (points adding up to 100).
WEIGHTS_A = {"method": "direct",
             "points": dict(zip(ACCEPTANCE_CRITERIA, [40, 20, 20, 10, 10], strict=True))}


def _meeting(directory):
    s = build_acceptance(directory, reports=(PARK_REPORT, COMMERCIAL_REPORT))
    for who, per in SCORES.items():
        for app_id, scores in per.items():
            s.store.save_draft(s.people[who], app_id,
                               scores=dict(zip(ACCEPTANCE_CRITERIA, scores, strict=True)),
                               weights=WEIGHTS_A if who == "a" else None,
                               opinion={"strengths": f"成效明显{SCRIPT}",
                                        "recommendation": VOTES[app_id]})
            s.store.submit(s.people[who], app_id)
    s.store.set_consensus(s.chair, PARK, opinion=f"【主要优点】\n1. 按期完成建设任务{SCRIPT}。",
                          recommendation="accepted")
    s.store.set_consensus(s.chair, COMMERCIAL,
                          opinion="【存在问题】\n1. 核心指标 SY-02 未达到参考值。",
                          recommendation="not_accepted")
    for app_id in (PARK, COMMERCIAL):
        s.store.finalize(s.chair, app_id)
    return s


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    s = _meeting(tmp_path_factory.mktemp("acceptance") / "session")
    yield s
    s.store.close()


def test_the_consensus_carries_the_codes_the_register_moves_by(meeting):
    s = meeting
    assert s.store.consensus(s.op, PARK).recommendation == "accepted"
    assert s.store.consensus(s.op, COMMERCIAL).recommendation == "not_accepted"
    assert all(a.finalized for a in s.store.applications(s.op))


def test_the_opinion_states_the_automatic_evaluation(meeting):
    s = meeting
    op = collect_acceptance_opinion(s.store, s.op, PARK)
    expected = evaluate_acceptance(load_acceptance(PARK_REPORT))
    assert (op.result.verdict, op.result.score, op.result.core_gate) == (
        expected.verdict, expected.score, expected.core_gate)
    assert op.result.passed and op.recommendation == "accepted" and op.accepted
    failed = collect_acceptance_opinion(s.store, s.op, COMMERCIAL)
    assert not failed.result.passed and failed.core_gate == "fail" and failed.vetoed
    assert failed.recommendation_zh == "不通过验收"


def test_the_opinion_figures_are_the_panel_figures(meeting):
    s = meeting
    for app_id in (PARK, COMMERCIAL):
        op = collect_acceptance_opinion(s.store, s.op, app_id)
        figures = application_figures(s.store, s.op, app_id, core_gate=op.result.core_gate)
        assert op.scores.to_dict() == figures.to_dict()
        assert op.total == figures.panel_total and op.total_source == "finalized"
        assert op.rules_result == figures.suggestion
        kept = s.store.finalized_figures(s.op, app_id)
        assert kept.figures["panel_total"] == pytest.approx(op.total)
        assert not op.warnings  # the kept rule reads back (acceptance bands) and agrees
        # expert A's own weights count: her total is 0.4·92 + 0.2·88 + 0.2·85 + 0.1·90 + 0.1·86
    park = collect_acceptance_opinion(s.store, s.op, PARK)
    assert park.scores.totals[0] == pytest.approx(0.4 * 92 + 0.2 * 88 + 0.2 * 85 + 9.0 + 8.6)
    assert park.rules_result.outcome == "accepted"
    assert collect_acceptance_opinion(s.store, s.op, COMMERCIAL).rules_result.outcome == \
        "not_accepted"


def test_the_opinion_html_says_what_the_panel_concluded(meeting):
    s = meeting
    op = collect_acceptance_opinion(s.store, s.op, PARK)
    page = html.opinion_html(op)
    assert html.TITLE == "近零碳排放区试点验收意见" and f"<h1>{html.TITLE}</h1>" in page
    for heading in html.SECTIONS:
        assert heading in page, heading
    for marker in ("验收结论：通过验收", f"专家组评分 <b>{op.total:.2f}</b> 分",
                   f"自动验收评价：{op.result.verdict}", f"{op.result.score:.1f} / 100",
                   "目标完成情况（核心指标）", "个人验收结论", "专家组验收意见",
                   "授予相应的近零碳排放称号", "2027年5月10日", "审计链头"):
        assert marker in page, marker
    assert "专家组评审意见" not in page and "推荐结论" not in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    failed = html.opinion_html(collect_acceptance_opinion(s.store, s.op, COMMERCIAL))
    assert "验收结论：不通过验收" in failed and "一票否决提示" in failed
    assert "授予相应的近零碳排放称号" not in failed


def test_an_open_report_is_marked_a_draft(tmp_path):
    s = build_acceptance(tmp_path / "s")
    try:
        op = collect_acceptance_opinion(s.store, s.op, PARK)
        page = html.opinion_html(op)
    finally:
        s.store.close()
    assert op.scores is None and op.recommendation is None
    assert "草稿：该验收尚未定稿" in page and "验收结论：未定" in page


def test_a_review_session_has_no_acceptance_opinion(panel_session):
    with pytest.raises(OpinionError, match="not an acceptance meeting"):
        collect_acceptance_opinion(panel_session.store, panel_session.op, "DEMO-2024-YQ-001")


# --- the report notebook ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(meeting, tmp_path_factory):
    from nzc_review.meeting.opinion import run_reports

    out = tmp_path_factory.mktemp("acceptance-out") / "out"
    run = run_reports(meeting.dir, out, app_ids=[PARK], workers=1)
    return run, out


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_the_acceptance_opinion_report_is_rendered(meeting, rendered):
    run, out = rendered
    assert run.kind == "acceptance" and not run.failed, [r.reason for r in run.failed]
    for kind in ("ipynb", "html", "pdf"):
        assert (out / PARK / f"opinion.{kind}").stat().st_size > 1000
    assert run.files == {} and not (out / "public_notice.html").exists()  # no 公示名单 here
    page = (out / PARK / "opinion.html").read_text(encoding="utf-8")
    assert "<title>近零碳排放区试点验收意见</title>" in page
    assert "验收结论：通过验收" in page and SCRIPT not in page
    import nbformat

    nb = nbformat.read(out / PARK / "opinion.ipynb", as_version=4)
    op = collect_acceptance_opinion(meeting.store, meeting.op, PARK)
    assert read_summary(nb) == json.loads(json.dumps(op.summary()))
    text = subprocess.run(["pdftotext", "-layout", str(out / PARK / "opinion.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for words in ("近零碳排放区试点验收意见", "验收结论：通过验收", "一、验收申请概况与自动验收评价",
                  "八、专家组成员签字", f"专家组评分{op.total:.2f}分"):
        assert words in flat, words
