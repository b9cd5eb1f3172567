"""The panels of an expert acceptance meeting without a browser: the expert's form shows the
automatic acceptance evaluation of the self-evaluation report and the acceptance criteria,
asks for 通过验收 / 不通过验收 and says 验收 where a review says 评审; the chair's dashboard
shows the automatic conclusion, the panel's figures and finalizes with the conclusion the
programme register moves by. A browser test opens an acceptance expert's page."""

from __future__ import annotations

import re

import pytest

from nzc_review.lifecycle.acceptance import evaluate_acceptance
from nzc_review.lifecycle.intake import load_acceptance
from nzc_review.store.figures import application_figures
from nzc_review.store.kinds import WORDING
from nzc_review.ui.chair import ChairDashboard, report_html
from nzc_review.ui.common import acceptance_of, automatic_evaluation, open_session
from nzc_review.ui.expert import ExpertPanel
from tests.fixtures.acceptance import (
    ACCEPTANCE_CRITERIA,
    COMMERCIAL,
    COMMERCIAL_REPORT,
    PARK,
    PARK_REPORT,
    build_acceptance,
)
from tests.fixtures.pages import tab

WORDS = WORDING["acceptance"]


class _Later:
    """A scheduler that runs nothing: saves happen on flush(), submit() or save()."""

    def __init__(self, delay, callback):
        pass

    def cancel(self):
        pass


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<style>.*?</style>|<[^>]+>", "", html, flags=re.S))


@pytest.fixture
def acc(tmp_path, monkeypatch):
    session = build_acceptance(tmp_path / "acceptance", reports=(PARK_REPORT, COMMERCIAL_REPORT))
    monkeypatch.setenv("NZC_SESSION_DIR", str(session.dir))
    yield session
    session.store.close()


def _expert(acc, who="a"):
    store, actor = open_session(acc.tokens[who])
    return ExpertPanel(store, actor, schedule=_Later, poll=None)


def test_the_form_shows_the_automatic_acceptance_evaluation(acc):
    panel = _expert(acc)
    header = _text(panel.widget.children[0].value)
    assert "专家验收 — 2027年近零碳排放区试点验收会" in header and "验收意见" in header
    assert "评审" not in header
    assert panel.app_select.description == "验收项目"
    assert panel._tabs.widget.titles == WORDS.tabs
    panel.app_select.value = PARK
    expected = evaluate_acceptance(load_acceptance(PARK_REPORT))
    overview = _text(panel._tabs.widget.children[0].children[0].value)
    assert f"验收结论：{expected.verdict}" in overview
    assert f"{expected.score:.1f} / 100" in overview and "全部达到参考值" in overview
    assert "验收结论以专家组意见为准" in overview
    panel._tabs.build(1)
    details = _text(panel._tabs.widget.children[1].children[0].value)
    for marker in ("二、指标完成情况", "YQ-01", "承诺目标", "三、重点项目完成情况",
                   "屋顶分布式光伏", "核算与信息披露核查", "五、评分"):
        assert marker in details, marker
    # the commercial place fails a core indicator: the expert reads why at once
    panel.app_select.value = COMMERCIAL
    failed = _text(panel._tabs.widget.children[0].children[0].value)
    assert "验收结论：不通过" in failed and "SY-02" in failed and "一票否决" in failed


def test_the_form_scores_the_acceptance_criteria_and_asks_for_the_conclusion(acc):
    panel = _expert(acc)
    panel.app_select.value = PARK
    assert list(panel.score_inputs) == list(ACCEPTANCE_CRITERIA)
    box = panel.score_inputs["targets"]
    assert box.description == "目标完成情况（核心指标）"
    scores_tab = _text(panel._tabs.widget.children[3].children[0].children[0].children[1].value)
    assert "核心指标实际值是否达到参考值" in scores_tab  # the catalog's guidance
    assert panel.recommendation.description == "验收结论"
    assert list(panel.recommendation.options) == [
        ("未定", None), ("通过验收", "accepted"), ("不通过验收", "not_accepted")]
    assert panel.submit_button.description == "提交验收意见"
    box.value = "90"
    panel.flush()
    assert panel.submit() is None
    said = _text(panel.message.value)
    assert "以下验收要点尚未评分：重点项目建成情况" in said
    assert "请在“验收意见”页选择验收结论" in said
    for name, value in zip(ACCEPTANCE_CRITERIA, (90, 85, 80, 88, 84), strict=True):
        panel.score_inputs[name].value = str(value)
    panel.strengths.value = "按期完成建设任务。"
    panel.recommendation.value = "accepted"
    review = panel.submit()
    assert review is not None and review.opinion.recommendation == "accepted"
    assert "验收已提交" in panel.message.value
    figures = application_figures(panel.store, panel.actor, PARK,
                                  reviews=panel.store.scores_for(panel.actor, PARK))
    assert f"<b>{figures.panel_total:.2f}</b>" in panel.aggregate.value


def test_the_chair_sees_the_automatic_conclusion_and_finalizes_with_the_code(acc):
    for who, base in (("a", 80), ("b", 84), ("c", 88)):
        acc.store.save_draft(acc.people[who], PARK,
                             scores=dict.fromkeys(ACCEPTANCE_CRITERIA, base),
                             opinion={"strengths": f"成效{base}", "recommendation": "accepted"})
        acc.store.submit(acc.people[who], PARK)
    store, chair = open_session(acc.tokens["chair"])
    started = []
    board = ChairDashboard(store, chair, schedule=lambda delay, f: None,
                           on_finalized=lambda app: started.append(app) or True)
    assert "组长看板（专家验收）" in board.widget.children[0].value
    assert "验收进度" in board.grid.value
    assert board.recommendation.description == "验收结论"
    board.app_select.value = PARK
    res = automatic_evaluation(store, chair, PARK)
    assert res is acceptance_of(store, chair, PARK)  # computed once per version
    assert f"自动验收评价：{res.verdict}" in _text(board.automatic.value)
    figures = application_figures(store, chair, PARK, core_gate=res.core_gate)
    stats = _text(board.stats.value)
    assert f"专家组评分：{figures.panel_total:.2f} 分" in stats
    assert "个人验收结论" in stats and "通过验收 3 人" in stats
    assert "按评分规则的建议：通过验收" in stats and "验收档次" in stats
    board.recommendation.value = "accepted"
    assert board.save_consensus() is True and "通过验收" in board.message.value
    assert board.finalize() is True and started == [PARK]
    assert store.consensus(chair, PARK).recommendation == "accepted"
    assert "验收意见报告生成中" in board.message.value
    # the commercial place: the veto is a flag beside the conclusion, never a lock
    board.app_select.value = COMMERCIAL
    assert "一票否决提示" in board.veto.value and "实际值未达到参考值" in board.veto.value
    assert not board.recommendation.disabled


def test_the_report_state_speaks_of_the_acceptance_opinion():
    from nzc_review.meeting.opinion.report_status import ReportStatus

    running = report_html(ReportStatus(PARK, 1, "running"), WORDS)
    assert "验收意见报告生成中" in running and "评审" not in running
    failed = report_html(ReportStatus(PARK, 1, "failed",
                                      reason_zh="专家组评审意见报告生成失败：报告笔记本运行出错。"),
                         WORDS)
    assert "验收意见报告生成失败" in failed and "评审意见" not in failed


# --- in a browser ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_an_acceptance_experts_page_in_a_browser(tmp_path, pages):
    from tests.fixtures.serving import Serve

    session = build_acceptance(tmp_path / "session", reports=(PARK_REPORT,))
    token = session.tokens["a"]
    session.store.close()
    with Serve(session.dir, "--pool-size", "1", log=tmp_path / "serve.log") as server:
        server.start(timeout=180)
        page = pages.open(server.url(f"/voila/render/expert_review.ipynb?token={token}"))
        page.get_by_text("已载入").wait_for(timeout=90_000)
        page.get_by_text("专家验收 — 2027年近零碳排放区试点验收会").wait_for(timeout=10_000)
        page.get_by_text("验收结论：通过验收").first.wait_for(timeout=10_000)
        tab(page, "评分")
        page.get_by_text("目标完成情况（核心指标）").first.wait_for(timeout=20_000)
        tab(page, "验收意见")
        page.get_by_text("不通过验收").first.wait_for(timeout=20_000)
        assert pages.external == []
