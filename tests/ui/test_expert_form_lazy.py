"""The expert's form opens with its first tab only; the other tabs are built when selected,
and hold, save, mark, restore and lock exactly what the form did when every tab was built
at once."""

from __future__ import annotations

import json
import re

import ipywidgets as w
import pytest

from nzc_review.ui.common import open_session
from nzc_review.ui.expert import TABS, ExpertPanel
from nzc_review.ui.lazy_tabs import LAZY_CLASS, LazyTabs
from nzc_review.ui.local_copy import text_hash
from tests.fixtures.sessions import copy_demo

APP = "DEMO-2024-QY-001"
#: Widgets the form may create when it opens (layouts and styles count: each is a model the
#: browser receives). Every tab built at once, the form created 183.
OPEN_WIDGETS_MAX = 60
WEIGHTS, SCORES, OPINION = TABS.index("权重"), TABS.index("评分"), TABS.index("评审意见")


class _Later:
    """A scheduler that runs nothing: saves happen on flush(), submit() or save()."""

    def __init__(self, delay, callback):
        pass

    def cancel(self):
        pass


@pytest.fixture
def demo(tmp_path, monkeypatch, demo_template):
    demo = copy_demo(demo_template, tmp_path / "session")
    monkeypatch.setenv("NZC_SESSION_DIR", str(demo.dir))
    return demo


@pytest.fixture
def created():
    """Every widget constructed while the test runs (ipywidgets' construction hook)."""
    made: list[w.Widget] = []
    previous = w.Widget._widget_construction_callback
    w.Widget.on_widget_constructed(made.append)
    yield made
    w.Widget.on_widget_constructed(previous)


def _open(demo, who="expert_a") -> tuple[ExpertPanel, object, object]:
    store, actor = open_session(demo.tokens[who])
    return ExpertPanel(store, actor, schedule=_Later, poll=None), store, actor


def _tab(panel: ExpertPanel) -> w.Tab:
    return next(c for c in panel.body.children if isinstance(c, w.Tab))


def _page(panel: ExpertPanel, index: int) -> list[w.Widget]:
    """Every widget shown in page ``index`` of the form's tabs."""
    out, todo = [], list(_tab(panel).children[index].children)
    while todo:
        widget = todo.pop(0)
        out.append(widget)
        todo[:0] = list(getattr(widget, "children", ()))
    return out


def _of(widgets, kind) -> list:
    return [x for x in widgets if type(x) is kind]


def _meta_saved(panel) -> dict:
    saved = re.search(r"data-saved='([^']*)'", panel.meta.value).group(1)
    return json.loads(saved.replace("&quot;", '"'))


def _draft(demo):
    """Expert A types into every tab and the store saves it; the page is then closed."""
    panel, store, me = _open(demo)
    panel.sliders[0].value = 40
    for box, value in zip(panel.score_inputs.values(), (80, 82, 84, 86, 88, 90), strict=True):
        box.value = str(value)
    panel.strengths.value = "基础扎实。"
    panel.revisions.value = "补充实施计划。"
    panel.recommendation.value = "recommend_after_revision"
    panel.flush()
    return store.my_review(me, APP)


def test_the_form_opens_with_its_first_tab_only(demo, created):
    panel, *_ = _open(demo)
    assert len(created) <= OPEN_WIDGETS_MAX, f"{len(created)} widgets at open"
    tab = _tab(panel)
    assert tab.titles == TABS and tab.selected_index == 0
    assert _of(_page(panel, 0), w.Image)  # the automatic evaluation: shown at once
    assert [len(page.children) for page in tab.children[1:]] == [0, 0, 0, 0]
    assert all(LAZY_CLASS in page._dom_classes for page in tab.children)
    assert "已载入" in panel.status.value and panel.submit_button.description == "提交评审"


def test_a_tab_is_built_on_first_selection_only(demo, created):
    panel, *_ = _open(demo)
    tab = _tab(panel)
    tab.selected_index = SCORES
    inputs = _of(_page(panel, SCORES), w.Text)
    assert len(inputs) == len(panel.criteria)
    assert [len(tab.children[i].children) for i in (1, WEIGHTS, OPINION)] == [0, 0, 0]
    before = len(created)
    tab.selected_index = 0
    tab.selected_index = SCORES
    assert len(created) == before and _of(_page(panel, SCORES), w.Text) == inputs


def test_after_a_reload_each_tab_once_selected_holds_the_saved_draft(demo):
    review = _draft(demo)
    assert review.scores["foundation"] == 80 and review.weights["points"]["foundation"] == 40
    panel, *_ = _open(demo)  # the page opened again
    tab = _tab(panel)
    tab.selected_index = SCORES
    assert [t.value for t in _of(_page(panel, SCORES), w.Text)] == \
        ["80", "82", "84", "86", "88", "90"]
    tab.selected_index = OPINION
    page = _page(panel, OPINION)
    assert [t.value for t in _of(page, w.Textarea)] == ["基础扎实。", "", "补充实施计划。"]
    assert _of(page, w.RadioButtons)[0].value == "recommend_after_revision"
    tab.selected_index = WEIGHTS
    sliders = _of(_page(panel, WEIGHTS), w.IntSlider)
    assert [s.value for s in sliders] == [review.weights["points"][c.id] for c in panel.criteria]
    assert sum(s.value for s in sliders) == 100 and sliders[0].value == 40
    assert panel.save() is None  # building the tabs changed nothing to save


def test_the_browser_copy_knows_every_saved_field_before_its_tab_is_shown(demo):
    _draft(demo)
    panel, *_ = _open(demo)
    saved = _meta_saved(panel)
    assert set(saved) == {*(f"score-{i}" for i in range(6)), "strengths", "problems",
                          "revisions"}
    assert saved["score-0"] == text_hash("80") and saved["strengths"] == text_hash("基础扎实。")
    assert [len(p.children) for p in _tab(panel).children[1:]] == [0, 0, 0, 0]


def test_typing_in_one_tab_saves_that_part_alone(demo):
    panel, store, me = _open(demo)
    _tab(panel).selected_index = OPINION
    _of(_page(panel, OPINION), w.Textarea)[1].value = "部分指标现状值需核实。"
    assert "有未保存的修改" in panel.status.value
    panel.flush()
    review = store.my_review(me, APP)
    assert review.opinion.problems == "部分指标现状值需核实。"
    assert review.weights is None and review.scores == {}  # untouched parts are not sent
    assert "已保存" in panel.status.value


def test_a_kept_copy_goes_into_tabs_not_yet_shown_and_a_bad_score_is_marked_there(demo):
    panel, store, me = _open(demo)
    copy = {"fields": {"strengths": "断线时写的意见。", "score-1": "77", "score-2": "七十"}}
    panel.restore_box.value = json.dumps(copy, ensure_ascii=False)
    review = store.my_review(me, APP)
    assert review.opinion.strengths == "断线时写的意见。" and review.scores == {"targets": 77}
    assert "未保存：评分『主要任务与重点项目可行性』不是数字" in panel.status.value
    assert [len(p.children) for p in _tab(panel).children[1:]] == [0, 0, 0, 0]
    _tab(panel).selected_index = SCORES
    inputs = _of(_page(panel, SCORES), w.Text)
    assert [t.value for t in inputs[:3]] == ["", "77", "七十"]
    assert "nzc-invalid" in inputs[2]._dom_classes and "nzc-invalid" not in inputs[1]._dom_classes
    assert panel.hints["score-2"].value == "请输入 0–100 之间的数字"
    _tab(panel).selected_index = OPINION
    assert _of(_page(panel, OPINION), w.Textarea)[0].value == "断线时写的意见。"


def test_a_submitted_form_builds_its_tabs_read_only(demo):
    _draft(demo)
    panel, *_ = _open(demo)
    assert panel.submit() is not None
    panel, *_ = _open(demo)  # reopened after submission
    tab = _tab(panel)
    for index, kinds in ((WEIGHTS, (w.ToggleButtons, w.IntSlider)), (SCORES, (w.Text,)),
                         (OPINION, (w.Textarea, w.RadioButtons))):
        tab.selected_index = index
        fields = [x for kind in kinds for x in _of(_page(panel, index), kind)]
        assert fields and all(x.disabled for x in fields), TABS[index]


def test_stored_pairwise_comparisons_read_the_same_before_and_after_the_tab_is_built(demo):
    panel, store, me = _open(demo)
    panel.mode.value = "pairwise"
    pairs = {(i, j): p for i, j, p in panel.pairs}
    pairs[(0, 1)].value, pairs[(1, 2)].value, pairs[(0, 2)].value = "9", "3", "1/5"
    panel.flush()
    stored = store.my_review(me, APP).weights
    panel, *_ = _open(demo)
    before, cr = panel.weights_value(), panel.consistency_ratio()
    assert before["method"] == "pairwise" and before["matrix"] == stored["matrix"]
    _tab(panel).selected_index = WEIGHTS
    assert panel.weights_value() == before and panel.consistency_ratio() == cr
    labels = [p.value for _, _, p in panel.pairs]
    assert labels[:3] == ["9", "1/5", "1"] and panel.mode.value == "pairwise"
    assert f"CR = {cr:.3f}" in panel.cr_label.value
    assert panel.save() is None


def test_lazy_tabs_build_each_page_once_when_first_selected():
    calls: list[str] = []

    def page(name):
        def build():
            calls.append(name)
            return [w.HTML(name)]
        return build

    tabs = LazyTabs([("一", page("a")), ("二", page("b")), ("三", page("c"))])
    assert calls == ["a"] and tabs.built(0) and not tabs.built(1)
    tabs.widget.selected_index = 2
    tabs.widget.selected_index = 0
    tabs.widget.selected_index = 2
    tabs.build(2)
    assert calls == ["a", "c"] and tabs.widget.children[2].children[0].value == "c"
    assert tabs.widget.children[1].children == ()
