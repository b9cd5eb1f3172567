"""The panels' logic without a browser: widgets driven in-process against a demo session."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nzc_review.ui.chair import ChairDashboard, prefill_consensus, stats_html
from nzc_review.ui.common import open_session, token_from_query
from nzc_review.ui.expert import ExpertPanel, rebalance
from tests.fixtures.sessions import copy_demo


class _Now:
    """A scheduler that runs nothing until asked: autosave is then triggered by flush()."""

    def __init__(self, delay, callback):
        self.callback = callback

    def cancel(self):
        pass


@given(st.lists(st.integers(0, 100), min_size=2, max_size=8), st.data())
def test_direct_weights_always_add_up_to_100(values, data):
    index = data.draw(st.integers(0, len(values) - 1))
    out = rebalance(values, index)
    assert sum(out) == 100 and out[index] == min(100, values[index])
    assert all(v >= 0 for v in out)


def test_token_from_query():
    assert token_from_query("token=abc&x=1") == "abc"
    assert token_from_query("") is None and token_from_query(None) is None


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_template):
    return copy_demo(demo_template, tmp_path_factory.mktemp("ui") / "session")


@pytest.fixture
def env(demo, monkeypatch):
    monkeypatch.setenv("NZC_SESSION_DIR", str(demo.dir))
    return demo


def _panel(token):
    store, actor = open_session(token)
    return ExpertPanel(store, actor, schedule=_Now)


def test_bad_or_missing_token_gets_no_store(env):
    store, text = open_session("nope")
    assert store is None and "无效" in text
    store, text = open_session(None)
    assert store is None and "令牌" in text


def test_expert_draft_autosave_submit_and_lock(env):
    panel = _panel(env.tokens["expert_a"])
    assert panel.app_select.value == "DEMO-2024-QY-001"
    panel.sliders[0].value = 40
    assert sum(s.value for s in panel.sliders) == 100
    for i, box in enumerate(panel.score_inputs.values()):
        box.value = str(70 + i)
    panel.strengths.value = "<b>基础好</b>"
    panel.recommendation.value = "recommend"
    assert panel._pending is not None  # debounced, not saved yet
    panel.flush()
    assert "已保存" in panel.status.value and "草稿" in panel.status.value
    again = _panel(env.tokens["expert_a"])  # "reload": the draft is kept
    assert again.score_inputs["foundation"].value == "70"
    assert again.sliders[0].value == 40 and again.strengths.value == "<b>基础好</b>"
    review = again.submit()
    assert review.status == "submitted"
    assert again.submit_button.disabled and again.score_inputs["foundation"].disabled
    assert "专家组评分" in again.aggregate.value


def test_bad_score_is_not_saved(env):
    panel = _panel(env.tokens["expert_b"])
    panel.score_inputs["foundation"].value = "很好"
    panel.flush()
    assert "未保存：评分『建设基础』不是数字" in panel.status.value
    assert panel.hints["score-0"].value == "请输入 0–100 之间的数字"


def test_pairwise_weights_show_consistency(env):
    panel = _panel(env.tokens["expert_b"])
    panel.mode.value = "pairwise"
    assert "CR = 0.000" in panel.cr_label.value
    # an inconsistent set of judgments: a > b, b > c, c > a, all strongly
    pairs = {(i, j): p for i, j, p in panel.pairs}
    pairs[(0, 1)].value, pairs[(1, 2)].value, pairs[(0, 2)].value = "9", "9", "1/9"
    assert "CR ≥ 0.1" in panel.cr_label.value
    assert panel.weights_value()["method"] == "pairwise"


def test_conflicted_expert_is_recused(env):
    panel = _panel(env.tokens["expert_c"])
    panel.app_select.value = "DEMO-2024-SQ-001"
    assert "回避" in panel.body.children[0].value


def test_chair_aggregates_prefills_vetoes_and_finalizes(env):
    store, chair = open_session(env.tokens["chair"])
    started = []
    board = ChairDashboard(store, chair, schedule=lambda delay, f: None,
                           on_finalized=lambda app: started.append(app) or True)
    board.app_select.value = "DEMO-2024-QY-001"
    assert "已提交 1 位" in board.stats.value
    assert "（专家A）" in board.consensus_text.value
    board.recommendation.value = "recommend"
    assert board.save_consensus() is True
    assert board.finalize() is False  # not every expert submitted and no note
    board.finalize_note.value = "部分专家未参加"
    assert board.finalize() is True and started == ["DEMO-2024-QY-001"]
    board.app_select.value = "DEMO-2024-SQ-001"  # SQ-02 fails a core indicator: a flag
    assert "一票否决提示" in board.veto.value and "本工具默认规则" in board.veto.value
    assert not board.recommendation.disabled


def test_stats_and_prefill_are_pure(env):
    from nzc_review.store.figures import panel_figures

    store, chair = open_session(env.tokens["chair"])
    reviews = store.reviews(chair, "DEMO-2024-QY-001")
    criteria = list(store.session(chair).criteria)
    figures = panel_figures(criteria, reviews)
    assert figures.n_experts == 1 and figures.kendall is None
    html = stats_html(figures, criteria)
    assert f"{figures.panel_total:.2f}" in html and "无法计算肯德尔协调系数" in html
    assert "尚无专家提交评分" in stats_html(None, criteria)
    assert "【主要优点】" in prefill_consensus(reviews)
    assert panel_figures(criteria, []) is None


def test_explorer_ranks_and_tries_targets():
    import numpy as np

    from nzc_review.intake import load_application
    from nzc_review.ui.explorer import Explorer, candidate_figures, candidate_matrix, what_if
    from tests.conftest import EXAMPLES

    apps = [load_application(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    explorer = Explorer(apps)
    assert "DEMO-2024-YQ-001" in explorer.ranking.value and explorer.stability.value
    evs = [explorer.evaluations[a.id] for a in apps]
    figures = candidate_figures(evs)
    assert figures.shape == (5, 5) and np.all(candidate_matrix(evs) > 0)
    community = next(a for a in apps if a.id == "DEMO-2024-SQ-001")
    assert what_if(community, "SQ-02", 2.0).core_gate == "pass"  # the failing core target fixed
    assert what_if(community, "SQ-02", 3.0).core_gate == "fail"
    explorer.whatif_app.value = "DEMO-2024-SQ-001"
    explorer.whatif_code.value = "SQ-02"
    explorer.whatif_value.value = "二"
    assert "请输入数字" in explorer.run_what_if()
    for slider in explorer.sliders:
        slider.value = 0
    assert "至少" in explorer.ranking.value
