"""The expert's form without a browser: saving field by field, marking what cannot be saved,
the copy the browser keeps, following the store, the AHP confirmation, Chinese messages."""

from __future__ import annotations

import json
import re

import pytest

from nzc_review.errors import InputError
from nzc_review.store import (
    AuthenticationFailed,
    DatabaseDamaged,
    NotFound,
    PermissionDenied,
    StoreBusy,
    StoreError,
)
from nzc_review.ui.common import open_session
from nzc_review.ui.expert import ExpertPanel
from nzc_review.ui.local_copy import draft_key, parse_restore, text_hash
from nzc_review.ui.messages import DENIED_ZH, error_zh, value_zh
from tests.fixtures.sessions import copy_demo

APP = "DEMO-2024-QY-001"
ENGLISH = re.compile(r"[A-Za-z]{3,}")


class _Later:
    """A scheduler that runs nothing: saves happen on flush(), submit() or save()."""

    def __init__(self, delay, callback):
        self.callback = callback

    def cancel(self):
        pass


class _Flaky:
    """The store, whose ``save_draft`` raises ``error`` while ``when(parts)`` is true."""

    def __init__(self, store):
        self._store, self.error, self.when = store, None, lambda parts: False

    def __getattr__(self, name):
        return getattr(self._store, name)

    def save_draft(self, actor, app_id, **parts):
        if self.error is not None and self.when(parts):
            raise self.error
        return self._store.save_draft(actor, app_id, **parts)


@pytest.fixture
def demo(tmp_path, monkeypatch, demo_template):
    demo = copy_demo(demo_template, tmp_path / "session")
    monkeypatch.setenv("NZC_SESSION_DIR", str(demo.dir))
    return demo


def _open(demo, who, flaky=False):
    store, actor = open_session(demo.tokens[who])
    if flaky:
        store = _Flaky(store)
    return ExpertPanel(store, actor, schedule=_Later, poll=None), store, actor


def _fill(panel, scores=(80, 82, 84, 86, 88, 90), recommendation="recommend"):
    for box, value in zip(panel.score_inputs.values(), scores, strict=True):
        box.value = str(value)
    panel.strengths.value = "基础扎实。"
    panel.recommendation.value = recommendation


def _meta(panel) -> dict:
    html = panel.meta.value
    return {k: v for k, v in re.findall(r"data-([a-z]+)='([^']*)'", html)}


# --- saving field by field ----------------------------------------------------------------------


def test_a_typo_in_one_score_does_not_stop_the_rest_from_being_saved(demo):
    panel, store, me = _open(demo, "expert_a")
    _fill(panel)
    panel.score_inputs["foundation"].value = "8O"
    panel.problems.value = "部分指标现状值需核实。"
    assert "有未保存的修改" in panel.status.value  # before the debounced save
    assert "nzc-invalid" in panel.score_inputs["foundation"]._dom_classes  # marked at once
    panel.flush()
    review = store.my_review(me, APP)
    assert review.opinion.problems == "部分指标现状值需核实。"  # typed after the typo: saved
    assert review.opinion.recommendation == "recommend"
    assert "foundation" not in review.scores and review.scores["safeguards"] == 90
    assert "未保存：评分『建设基础』不是数字" in panel.status.value
    assert "其余内容已保存" in panel.status.value
    assert panel.hints["score-0"].value == "请输入 0–100 之间的数字"
    panel.score_inputs["foundation"].value = "80"
    panel.flush()
    assert store.my_review(me, APP).scores["foundation"] == 80
    assert "nzc-invalid" not in panel.score_inputs["foundation"]._dom_classes
    assert panel.hints["score-0"].value == "" and "已保存" in panel.status.value


def test_a_field_that_cannot_be_saved_keeps_its_last_saved_value_and_blocks_submission(demo):
    panel, store, me = _open(demo, "expert_a")
    _fill(panel)
    panel.flush()
    panel.score_inputs["targets"].value = "七十五"
    panel.score_inputs["feasibility"].value = "120"
    panel.strengths.value = "字" * 20_001
    panel.revisions.value = "补充实施计划。"
    panel.flush()
    review = store.my_review(me, APP)
    assert review.scores["targets"] == 82 and review.scores["feasibility"] == 84  # kept
    assert review.opinion.strengths == "基础扎实。" and review.opinion.revisions == "补充实施计划。"
    assert "评分『主要任务与重点项目可行性』不在 0–100 之间" in panel.status.value
    assert "『主要优点』超过 20000 字" in panel.status.value
    assert panel.submit() is None  # the stale 82 must not be submitted
    assert "不能提交" in panel.message.value and "标红" in panel.message.value
    assert store.my_review(me, APP).status == "draft"


def test_clearing_a_score_removes_it(demo):
    panel, store, me = _open(demo, "expert_a")
    _fill(panel)
    panel.flush()
    panel.score_inputs["highlights"].value = " "
    panel.flush()
    assert "highlights" not in store.my_review(me, APP).scores


def test_a_part_the_store_refuses_does_not_hold_back_the_others(demo):
    panel, store, me = _open(demo, "expert_a", flaky=True)
    store.error = InputError("weights", [("points", "expected points of at least 0")])
    store.when = lambda parts: "weights" in parts
    panel.sliders[0].value = 40
    _fill(panel)
    panel.flush()
    review = store.my_review(me, APP)
    assert review.scores["foundation"] == 80 and review.opinion.strengths == "基础扎实。"
    assert review.weights is None
    assert "保存失败：权重有误" in panel.status.value
    assert not ENGLISH.search(re.sub(r"<[^>]+>", "", panel.status.value))


def test_a_failed_save_is_shown_kept_and_retried(demo):
    panel, store, me = _open(demo, "expert_a", flaky=True)
    store.error, store.when = StoreBusy("database is locked"), lambda parts: True
    panel.strengths.value = "基础扎实。"
    panel.flush()
    assert "保存失败：评审会数据库正忙" in panel.status.value
    assert _meta(panel)["state"] == "error"
    assert json.loads(_meta(panel)["saved"].replace("&quot;", '"'))["strengths"] == text_hash("")
    store.error = None
    panel.refresh()  # the next look at the store saves again
    assert store.my_review(me, APP).opinion.strengths == "基础扎实。"
    assert "已保存" in panel.status.value


# --- the copy the browser keeps --------------------------------------------------------------


def test_fingerprints_are_fnv1a_over_utf16_like_the_page_script():
    assert text_hash("") == "0:811c9dc5"
    assert text_hash("a") == "1:e40c292c"  # FNV-1a 32-bit test vector
    assert text_hash("基础") != text_hash("基碳")
    assert text_hash("𠀀").startswith("2:")  # a character outside the BMP: two UTF-16 units


def test_the_key_is_a_hash_of_session_expert_and_application(demo):
    panel, store, me = _open(demo, "expert_a")
    key = _meta(panel)["key"]
    token = demo.tokens["expert_a"]
    assert re.fullmatch(r"[0-9a-f]{32}", key) and token not in panel.meta.value
    info = store.session(me)
    assert key == draft_key(info.created_at, info.name, me.expert_id, APP)
    assert key != draft_key(info.created_at, info.name, me.expert_id + 1, APP)
    assert key != draft_key(info.created_at, info.name, me.expert_id, "DEMO-2024-YQ-001")


def test_a_kept_copy_is_written_into_the_form_and_saved(demo):
    panel, store, me = _open(demo, "expert_a")
    copy = {"fields": {"strengths": "断线时写的意见。", "score-1": "77", "nothing": "x",
                       "problems": 5}}
    panel.restore_box.value = json.dumps(copy, ensure_ascii=False)
    assert panel.strengths.value == "断线时写的意见。" and panel.restore_box.value == ""
    review = store.my_review(me, APP)
    assert review.opinion.strengths == "断线时写的意见。" and review.scores == {"targets": 77}
    saved = json.loads(_meta(panel)["saved"].replace("&quot;", '"'))
    assert saved["strengths"] == text_hash("断线时写的意见。") and saved["score-1"] == text_hash("77")
    assert parse_restore("not json", {"strengths"}) == {}
    assert parse_restore('{"fields": []}', {"strengths"}) == {}


def test_a_submitted_form_takes_nothing_back(demo):
    panel, store, me = _open(demo, "expert_a")
    _fill(panel)
    assert panel.submit() is not None
    assert _meta(panel)["readonly"] == "1"
    panel.restore_box.value = json.dumps({"fields": {"strengths": "改"}})
    assert store.my_review(me, APP).opinion.strengths == "基础扎实。"


# --- following the store ---------------------------------------------------------------------


def test_labels_and_the_panel_table_follow_saves_and_submissions(demo):
    a, store, me = _open(demo, "expert_a")
    assert "[未开始]" in a.app_select.options[0][0]
    _fill(a)
    a.flush()
    assert "[草稿]" in a.app_select.options[0][0] and a.app_select.value == APP
    assert a.submit() is not None
    assert "[已提交]" in a.app_select.options[0][0]
    assert "已提交 1 位" in a.aggregate.value
    b, store_b, other = _open(demo, "expert_b")
    _fill(b, (70, 72, 74, 76, 78, 80))
    assert b.submit() is not None
    assert a.refresh() is True
    assert "已提交 2 位" in a.aggregate.value
    assert a.refresh() is False  # nothing changed: no widget is touched


def test_a_returned_expert_sees_the_chairs_reason(demo):
    a, store, me = _open(demo, "expert_a")
    _fill(a)
    assert a.submit() is not None and a.strengths.disabled
    chair_store, chair = open_session(demo.tokens["chair"])
    chair_store.reopen(chair, me.expert_id, APP, "请补充<重点项目>的投资来源")
    assert a.refresh() is True
    assert not a.strengths.disabled and "状态：<b>草稿</b>" in a.status.value
    assert "退回原因" in a.notice.value and "请补充&lt;重点项目&gt;的投资来源" in a.notice.value
    assert "[草稿]" in a.app_select.options[0][0]
    assert a.submit() is not None and a.notice.value == ""


def test_an_application_finalized_meanwhile_locks_the_form_with_a_chinese_reason(demo):
    b, store, me = _open(demo, "expert_b")
    a, *_ = _open(demo, "expert_a")
    _fill(a)
    assert a.submit() is not None
    chair_store, chair = open_session(demo.tokens["chair"])
    chair_store.set_consensus(chair, APP, opinion="同意推荐。", recommendation="recommend")
    chair_store.finalize(chair, APP, note="专家B未参加")
    b.strengths.value = "定稿后才写的意见。"
    b.flush()
    assert "保存失败：该申报的评审已定稿，不能再修改。" in b.status.value
    assert b.refresh() is True
    assert b.strengths.disabled and "已定稿" in b.status.value


# --- AHP -----------------------------------------------------------------------------------


def _inconsistent(panel):
    panel.mode.value = "pairwise"
    pairs = {(i, j): p for i, j, p in panel.pairs}
    pairs[(0, 1)].value, pairs[(1, 2)].value, pairs[(0, 2)].value = "9", "9", "1/9"


def test_submitting_inconsistent_comparisons_asks_first_and_the_cr_is_reported(demo):
    from nzc_review.meeting.opinion.data import collect_opinion
    from nzc_review.meeting.opinion.html import scores_block
    from nzc_review.store import Actor

    panel, store, me = _open(demo, "expert_a")
    assert panel.mode.style.button_width == "auto"  # labels never cut
    _inconsistent(panel)
    assert panel.pairwise_box.children[1] is panel.cr_label  # above the 15 comparisons
    _fill(panel)
    cr = panel.consistency_ratio()
    assert cr >= 0.1
    assert panel.submit() is None
    question = panel.confirm.children[0].value
    assert f"一致性比率 CR = {cr:.2f} ≥ 0.10，判断矩阵不一致，仍要提交吗？" in question
    assert store.my_review(me, APP).status == "draft"
    yes = panel.confirm.children[1]
    assert yes.description == "仍要提交"
    yes.click()
    review = store.my_review(me, APP)
    assert review.status == "submitted" and review.weights["cr"] == pytest.approx(cr)
    opinion = collect_opinion(store, Actor.operator("test"), APP)
    assert f"层次分析法（CR = {cr:.2f}，判断不一致）" in scores_block(opinion)


def test_consistent_comparisons_need_only_the_usual_confirmation(demo):
    from nzc_review.meeting.opinion.data import collect_opinion
    from nzc_review.meeting.opinion.html import scores_block
    from nzc_review.store import Actor

    panel, store, me = _open(demo, "expert_a")
    panel.mode.value = "pairwise"
    _fill(panel)
    panel._ask_confirm()
    assert "确认提交？" in panel.confirm.children[0].value
    panel.confirm.children[1].click()
    assert store.my_review(me, APP).status == "submitted"
    opinion = collect_opinion(store, Actor.operator("test"), APP)
    assert "层次分析法（CR = 0.00）" in scores_block(opinion)


# --- Chinese only --------------------------------------------------------------------------


def test_an_incomplete_submission_is_explained_in_chinese(demo):
    panel, store, me = _open(demo, "expert_a")
    panel.score_inputs["foundation"].value = "80"
    panel.recommendation.value = "recommend_after_revision"
    assert panel.submit() is None
    text = panel.message.value
    assert "以下评审要点尚未评分：目标与指标科学性、主要任务与重点项目可行性" in text
    assert "请在“评审意见”页填写修改意见" in text
    assert not ENGLISH.search(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("exc", [
    *[PermissionDenied("x", "save scores", "application A", "no", code) for code in DENIED_ZH],
    AuthenticationFailed("x", "act", "session", "revoked", "inactive"),
    StoreBusy("the review database stayed busy"),
    DatabaseDamaged("review.sqlite: malformed"),
    NotFound("no application 'X'"),
    StoreError("nothing to submit for application X: save a draft first"),
    InputError("review of application X", [("scores", "not scored yet: 建设基础"),
                                           ("opinion.recommendation", "choose")]),
    InputError("scores", [("建设基础", "expected a score from 0 to 100, got 120")]),
    InputError("opinion", [("strengths", "longer than 20000 characters")]),
    InputError("reason", "must not be empty"),
    ValueError("something English"),
])
def test_every_error_reads_as_chinese(exc):
    text = error_zh(exc, unscored=["建设基础"])
    assert text and not ENGLISH.search(text), text
    assert str(exc) not in text


def test_declared_values_never_read_true_or_false():
    assert [value_zh(v) for v in (True, False, None, 12.50, "≥ 5")] == \
        ["是", "否", "未填写", "12.5", "≥ 5"]
