"""Access rules of the review store (:mod:`nzc_review.store.access`): every rule, allowed and
denied."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from nzc_review.errors import NzcError
from nzc_review.store import Actor, AuthenticationFailed, PermissionDenied, StoreError, access
from tests.fixtures.applications import application
from tests.fixtures.sessions import FULL_SCORES, OPINION
from tests.fixtures.sessions import MEETING_COMMUNITY as COMMUNITY
from tests.fixtures.sessions import MEETING_PARK as PARK


@contextmanager
def denied(code: str, *words: str) -> Iterator[pytest.ExceptionInfo[PermissionDenied]]:
    """Expect a PermissionDenied with this reason code whose message has ``words``."""
    with pytest.raises(PermissionDenied, match=r"permission denied: .+ may not ") as info:
        yield info
    check(info, code, *words)


def check(exc_info, code: str, *words: str) -> None:
    exc = exc_info.value
    assert exc.code == code, str(exc)
    for w in words:
        assert w in str(exc), str(exc)


def test_permission_denied_is_an_nzc_error():
    assert issubclass(PermissionDenied, NzcError)
    exc = PermissionDenied(
        "张三 (expert #1, expert)", "save scores", "application X", "because", "blind_review"
    )
    assert str(exc) == (
        "permission denied: 张三 (expert #1, expert) may not save scores (application X): because"
    )
    assert "背靠背" in exc.message_zh


# --- authentication -------------------------------------------------------------------------


def test_bad_tokens(m):
    for token in ("", "x" * 32, "short", None, m.tokens["a"] + "x"):
        with pytest.raises(AuthenticationFailed) as info:
            m.store.authenticate(token)
        assert info.value.code == "bad_token"


def test_revoked_expert(m):
    m.store.set_active(m.op, m.b.expert_id, False)
    with pytest.raises(AuthenticationFailed) as info:
        m.store.authenticate(m.tokens["b"])
    check(info, "inactive")
    with pytest.raises(AuthenticationFailed):  # an Actor obtained before is refused too
        m.store.save_draft(m.b, PARK, scores=FULL_SCORES)
    m.store.set_active(m.op, m.b.expert_id, True)
    assert m.store.save_draft(m.b, PARK, scores=FULL_SCORES).status == "draft"


def test_actor_role_is_read_from_the_database(m):
    forged = Actor(m.a.expert_id, "chair", "张三")
    with denied("role") as info:
        m.store.set_consensus(forged, PARK, opinion="x", recommendation="recommend")
    check(info, "role", "张三", "expert #1")
    with pytest.raises(AuthenticationFailed):
        m.store.session(Actor(None, "secretary", "nobody"))
    with pytest.raises(AuthenticationFailed):
        m.store.session(Actor(999, "expert", "ghost"))


# --- 1. an expert writes only their own records ----------------------------------------------


def test_own_records_rule():
    me = Actor(1, "expert", "张三")
    with denied("not_own_record") as info:
        access.require_can_score(
            me,
            "save scores",
            expert_id=2,
            app_id="X",
            finalized=False,
            assigned=True,
            conflicted=False,
            submitted=False,
        )
    check(info, "not_own_record", "张三", "expert #2", "only their own records")


def test_save_writes_only_the_actors_record(m):
    m.store.save_draft(m.a, PARK, scores={"建设基础": 10})
    m.store.save_draft(m.b, PARK, scores={"建设基础": 20})
    by = {r.expert_id: r.scores["foundation"] for r in m.store.reviews(m.chair, PARK)}
    assert by == {m.a.expert_id: 10, m.b.expert_id: 20}


def test_expert_cannot_reopen_or_declare_for_others(m):
    m.complete(m.b, PARK)
    with denied("role") as info:
        m.store.reopen(m.a, m.b.expert_id, PARK, "please")
    check(info, "role", "reopen", "only the chair")
    with denied("role") as info:
        m.store.declare_conflict(m.a, PARK, "他有关系", expert_id=m.b.expert_id)
    check(info, "role", "on behalf of")


def test_not_assigned(m):
    m.store.import_application(
        m.op, application("NEW-1", "park", "某单位"), content_sha256="9" * 64, source_name="n.yaml"
    )
    with denied("not_assigned") as info:
        m.store.save_draft(m.a, "NEW-1", scores=FULL_SCORES)
    check(info, "not_assigned", "NEW-1", "not assigned")


# --- 2. blind review ----------------------------------------------------------------------------


def test_blind_review_before_submit(m):
    m.complete(m.b, PARK)
    m.store.save_draft(m.a, PARK, scores=FULL_SCORES, opinion=OPINION)
    with denied("blind_review") as info:
        m.store.scores_for(m.a, PARK)
    check(info, "blind_review", "张三", PARK, "submit their own review")
    with denied("blind_review"):
        m.store.consensus(m.a, PARK)
    with denied("blind_review"):
        m.store.scores_for(m.a, COMMUNITY)  # nothing saved at all
    # the own draft stays readable
    assert m.store.my_review(m.a, PARK).scores == {k: 80.0 for k in FULL_SCORES}


def test_blind_review_after_submit_and_again_after_reopen(m):
    m.complete(m.b, PARK)
    m.complete(m.a, PARK)
    assert {r.expert_id for r in m.store.scores_for(m.a, PARK)} == {m.a.expert_id, m.b.expert_id}
    m.store.reopen(m.chair, m.a.expert_id, PARK, "请复核")
    with denied("blind_review"):
        m.store.scores_for(m.a, PARK)


def test_submitting_one_application_does_not_unblind_another(m):
    m.complete(m.a, PARK)
    m.complete(m.b, COMMUNITY)
    with denied("blind_review"):
        m.store.scores_for(m.a, COMMUNITY)


def test_experts_cannot_read_everything(m):
    for call in (
        lambda: m.store.reviews(m.a),
        lambda: m.store.events(m.a),
        lambda: m.store.verify(m.b),
        lambda: m.store.versions(m.a),
    ):
        with denied("role") as info:
            call()
        check(info, "role", "only the chair and the secretary")


# --- 3. conflicts of interest --------------------------------------------------------------------


def test_declared_conflict_blocks_scoring(m):
    m.store.declare_conflict(m.a, COMMUNITY, "曾参与编制")
    with denied("conflict_of_interest") as info:
        m.store.save_draft(m.a, COMMUNITY, scores=FULL_SCORES)
    check(info, "conflict_of_interest", "张三", COMMUNITY, "recused")


def test_detected_conflict_blocks_only_when_confirmed(m):
    (c,) = m.store.conflicts(m.op, status="pending")
    assert c.expert_id == m.c.expert_id
    m.store.save_draft(m.c, PARK, scores=FULL_SCORES)  # pending: allowed
    m.store.decide_conflict(m.sec, c.id, "confirm", "同一单位")
    with denied("conflict_of_interest"):
        m.store.save_draft(m.c, PARK, scores=FULL_SCORES)
    with denied("conflict_of_interest"):
        m.store.submit(m.c, PARK)
    m.store.decide_conflict(m.sec, c.id, "waive", "已调离")
    m.store.save_draft(m.c, PARK, opinion=OPINION)
    assert m.store.submit(m.c, PARK).status == "submitted"


def test_recused_reviews_do_not_count(m):
    m.complete(m.c, PARK)
    m.complete(m.a, PARK)
    (c,) = m.store.conflicts(m.op, status="pending")
    m.store.decide_conflict(m.sec, c.id, "confirm", "同一单位")
    assert m.c.expert_id not in {r.expert_id for r in m.store.scores_for(m.chair, PARK)}
    assert m.c.expert_id not in {r.expert_id for r in m.store.scores_for(m.a, PARK)}
    with denied("blind_review"):  # a recused expert never reads the others' scores
        m.store.scores_for(m.c, PARK)
    flagged = {r.expert_id: r.recused for r in m.store.reviews(m.chair, PARK)}
    assert flagged[m.c.expert_id] is True


def test_declared_conflict_cannot_be_waived(m):
    c = m.store.declare_conflict(m.a, COMMUNITY, "亲属任职")
    with denied("declared_conflict") as info:
        m.store.decide_conflict(m.sec, c.id, "waive", "无所谓")
    check(info, "declared_conflict", "always recuses")


def test_conflicted_chair_cannot_decide_for_that_application(m):
    m.complete(m.a, COMMUNITY)
    m.store.declare_conflict(m.chair, COMMUNITY, "本单位参与")
    for call in (
        lambda: m.store.set_consensus(m.chair, COMMUNITY, opinion="x", recommendation="recommend"),
        lambda: m.store.reopen(m.chair, m.a.expert_id, COMMUNITY, "x"),
        lambda: m.store.finalize(m.chair, COMMUNITY, note="x"),
    ):
        with denied("conflict_of_interest"):
            call()


# --- 4. the chair reads everything ----------------------------------------------------------------


def test_chair_reads_everything_without_submitting(m):
    m.store.save_draft(m.a, PARK, scores={"建设基础": 50})
    m.complete(m.b, PARK)
    seen = {r.expert_id: r.status for r in m.store.scores_for(m.chair, PARK)}
    assert seen == {m.a.expert_id: "draft", m.b.expert_id: "submitted"}
    assert len(m.store.reviews(m.chair)) == 2
    assert len(m.store.experts(m.chair)) == 5
    assert m.store.verify(m.chair).ok


def test_chair_scores_own_record_only(m):
    assert m.store.save_draft(m.chair, PARK, scores=FULL_SCORES).expert_id == m.chair.expert_id


# --- 5. the secretary manages but does not score ----------------------------------------------------


def test_secretary_manages(m):
    new = m.store.add_expert(m.sec, name="新专家", organisation="某研究院")
    assert m.store.assign(m.sec, expert_ids=[new.expert.id]) == 2
    m.store.import_application(
        m.sec, application("SEC-1", "park", "某单位"), content_sha256="8" * 64, source_name="s.yaml"
    )
    (c,) = m.store.conflicts(m.sec, status="pending")
    m.store.decide_conflict(m.sec, c.id, "confirm", "同一单位")
    with denied("scores_hidden"):  # rule 7: no scores before the application is finalized
        m.store.scores_for(m.sec, PARK)


def test_secretary_does_not_score(m):
    for call in (
        lambda: m.store.save_draft(m.sec, PARK, scores=FULL_SCORES),
        lambda: m.store.submit(m.sec, PARK),
        lambda: m.store.save_draft(m.op, PARK, scores=FULL_SCORES),
    ):
        with denied("role") as info:
            call()
        check(info, "role", "does not score")


def test_secretary_does_not_chair(m):
    m.complete(m.a, PARK)
    for call in (
        lambda: m.store.set_consensus(m.sec, PARK, opinion="x", recommendation=None),
        lambda: m.store.reopen(m.sec, m.a.expert_id, PARK, "x"),
        lambda: m.store.finalize(m.op, PARK),
    ):
        with denied("role") as info:
            call()
        check(info, "role", "only the chair")


def test_experts_and_chair_do_not_manage(m):
    (c,) = m.store.conflicts(m.op, status="pending")
    for actor in (m.a, m.chair):
        for call in (
            lambda actor=actor: m.store.add_expert(actor, name="x", organisation="y"),
            lambda actor=actor: m.store.assign(actor),
            lambda actor=actor: m.store.decide_conflict(actor, c.id, "waive", "x"),
            lambda actor=actor: m.store.reset_token(actor, m.b.expert_id),
            lambda actor=actor: m.store.import_application(
                actor, application("X-1", "park", "y"), content_sha256="7" * 64, source_name="x"
            ),
        ):
            with denied("role") as info:
                call()
            check(info, "role", "only the secretary manages")


# --- 6. submitted reviews are locked ------------------------------------------------------------------


def test_submitted_review_is_locked(m):
    m.complete(m.a, PARK)
    with denied("locked") as info:
        m.store.save_draft(m.a, PARK, scores=FULL_SCORES)
    check(info, "locked", "only the chair can reopen")
    with denied("locked"):
        m.store.submit(m.a, PARK)


def test_reopen_needs_a_reason(m):
    m.complete(m.a, PARK)
    with pytest.raises(NzcError, match="reason: must not be empty"):
        m.store.reopen(m.chair, m.a.expert_id, PARK, "  ")
    assert m.store.my_review(m.a, PARK).status == "submitted"


# --- 7. nobody writes to a finalized application ----------------------------------------------------


@pytest.fixture
def finalized(m):
    for x in (m.a, m.b, m.chair):
        m.complete(x, PARK)
    m.store.set_consensus(m.chair, PARK, opinion="同意推荐", recommendation="recommend")
    (c,) = m.store.conflicts(m.op, status="pending")
    m.store.decide_conflict(m.sec, c.id, "confirm", "同一单位")
    m.store.finalize(m.chair, PARK)
    return m


def test_finalized_is_read_only(finalized):
    m = finalized
    (c,) = m.store.conflicts(m.op)
    attempts = {
        "save": lambda: m.store.save_draft(m.chair, PARK, scores=FULL_SCORES),
        "reopen": lambda: m.store.reopen(m.chair, m.a.expert_id, PARK, "改一下"),
        "consensus": lambda: m.store.set_consensus(
            m.chair, PARK, opinion="改", recommendation="do_not_recommend"
        ),
        "finalize": lambda: m.store.finalize(m.chair, PARK),
        "assign": lambda: m.store.assign(m.op, app_ids=[PARK]),
        "declare": lambda: m.store.declare_conflict(m.b, PARK, "x"),
        "decide": lambda: m.store.decide_conflict(m.op, c.id, "waive", "x"),
    }
    for name, call in attempts.items():
        with denied("finalized") as info:
            call()
        check(info, "finalized", PARK, "read-only")
        assert name
    # a revised version only after 修改完善后推荐 (this one was finalized with 推荐)
    with denied("not_revisable") as info:
        m.store.import_application(
            m.op,
            application(PARK, "park", "示例园区管理委员会", name="新版"),
            content_sha256="6" * 64,
            source_name="v2.yaml",
        )
    check(info, "not_revisable", PARK, "修改完善后推荐")
    # reading still works, and the other application is unaffected
    assert len(m.store.scores_for(m.a, PARK)) == 3
    assert m.store.consensus(m.a, PARK).recommendation == "recommend"
    assert m.store.save_draft(m.a, COMMUNITY, scores=FULL_SCORES).status == "draft"
    assert m.store.assign(m.op) == 0  # --all skips finalized applications


def test_finalized_draft_of_missing_expert_stays_locked(m):
    m.store.save_draft(m.b, COMMUNITY, scores={"建设基础": 10})
    m.complete(m.a, COMMUNITY)
    m.store.set_consensus(m.chair, COMMUNITY, opinion="x", recommendation="do_not_recommend")
    m.store.finalize(m.chair, COMMUNITY, note="专家B缺席")
    with denied("finalized"):
        m.store.save_draft(m.b, COMMUNITY, scores=FULL_SCORES)
    with denied("finalized"):
        m.store.submit(m.b, COMMUNITY)


def test_denials_write_nothing(m):
    before = len(m.store.events(m.op))
    with pytest.raises(StoreError):
        m.store.save_draft(m.sec, PARK, scores=FULL_SCORES)
    with pytest.raises(StoreError):
        m.store.scores_for(m.a, PARK)
    assert len(m.store.events(m.op)) == before
