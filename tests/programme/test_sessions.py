"""Sessions linked to the register: linking moves the session's applications to 专家评审中; a
finalized consensus moves them on — pulled on every opening of the register, pushed when the
chair finalizes — once, whatever how often it is read; a push that fails never undoes the
finalize."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nzc_review.present.dates import CHINA_TZ
from nzc_review.programme import ProgrammeError, create_register, open_register
from nzc_review.programme.sessions import (
    LINK_FILE,
    link_session,
    plan_result,
    push_finalized,
    sync_store,
)
from tests.fixtures.acceptance import (
    ACCEPTANCE_CRITERIA,
    COMMERCIAL_REPORT,
    PARK_REPORT,
    build_acceptance,
)
from tests.fixtures.sessions import FULL_SCORES, build_panel
from tests.programme.helpers import (
    COMMERCIAL,
    COMMUNITY,
    PARK,
    REGION,
    TO_RECOMMENDED,
    register_five,
    walk,
)


@pytest.fixture
def setup(tmp_path):
    """The five examples in a register, park and community received by their departments, and
    a review session of the park and community examples."""
    reg = register_five(tmp_path / "reg")
    for app_id in (PARK, COMMUNITY):
        walk(reg, app_id, TO_RECOMMENDED[:2])
    session = build_panel(tmp_path / "session", examples=("park-pass", "community-fail"))
    yield reg, session
    session.store.close()
    reg.close()


def _finalize(session, app_id: str, recommendation: str, opinion: str = "同意。") -> None:
    for who in ("a", "b", "c", "chair"):
        session.score(who, app_id, FULL_SCORES, recommendation=recommendation)
    session.store.set_consensus(session.chair, app_id, opinion=opinion,
                                recommendation=recommendation)
    session.store.finalize(session.chair, app_id)


def test_linking_moves_the_sessions_applications_to_review(setup):
    reg, session = setup
    done = link_session(reg, session.dir, by="秘书")
    assert done["moved"] == {PARK: "under_review", COMMUNITY: "under_review"}
    assert done["session"]["kind"] == "review" and done["outside"] == []
    row = reg.row(PARK)
    assert row["sessions"] == [str(session.dir.resolve())]
    assert row["history"][-1]["by"] == "评审会“2024年第一批近零碳排放区试点评审会”"
    link = json.loads((session.dir / LINK_FILE).read_text(encoding="utf-8"))
    assert link["programme"] == str(reg.folder.resolve())
    assert reg.row(REGION)["status"] == "submitted"  # not in the session


def test_a_finalized_consensus_is_pulled_once(setup):
    reg, session = setup
    link_session(reg, session.dir, by="秘书")
    _finalize(session, PARK, "recommend", "特色鲜明，同意推荐。")
    _finalize(session, COMMUNITY, "do_not_recommend", "核心指标不达标。")
    reg.close()
    for _ in range(2):  # the pull is idempotent
        with open_register(reg.folder) as again:
            rows = {r["id"]: r for r in again.status_rows()}
            assert again.notes == []
    assert rows[PARK]["status"] == "recommended" and rows[COMMUNITY]["status"] == "not_recommended"
    last = rows[PARK]["history"][-1]
    assert last["reason"] == "特色鲜明，同意推荐。" and "专家组意见" in last["doc"]
    assert last["date"] and last["by"].startswith("评审会“")
    assert [h["status"] for h in rows[PARK]["history"]].count("recommended") == 1


def test_a_result_is_pulled_through_review_when_linked_before_reception(setup, tmp_path):
    reg, session = setup
    _finalize(session, PARK, "recommend_after_revision")
    link_session(reg, session.dir, by="秘书")
    assert [h["status"] for h in reg.row(PARK)["history"]][-2:] == ["under_review", "to_revise"]


def test_a_result_that_cannot_apply_is_recorded_with_its_reason(setup):
    reg, session = setup
    reg.advance(PARK, "under_review", by="x")
    reg.advance(PARK, "not_recommended", by="x")  # decided on paper meanwhile
    link_session(reg, session.dir, by="秘书")
    _finalize(session, PARK, "recommend")
    reg.close()
    with open_register(reg.folder) as again:
        assert len(again.notes) == 1 and "不能按评审会结论变更为评审推荐（recommended），未记入" in \
            again.notes[0]
        assert again.row(PARK)["status"] == "not_recommended"
        assert again.session_results(PARK)[0]["applied"] == 0
    with open_register(reg.folder) as again:
        assert again.notes == []  # said once, recorded


def test_the_push_records_at_once_and_says_so(setup):
    reg, session = setup
    assert push_finalized(session.store) is None  # not linked: nothing to say
    link_session(reg, session.dir, by="秘书")
    _finalize(session, PARK, "recommend")
    said = push_finalized(session.store)
    assert said == f"已记入试点名录：申报 {PARK} → 评审推荐"
    assert reg.row(PARK)["status"] == "recommended"
    assert push_finalized(session.store) is None  # nothing new


def test_a_failed_push_leaves_the_finalize_and_the_pull_records_it(setup, monkeypatch):
    reg, session = setup
    link_session(reg, session.dir, by="秘书")
    _finalize(session, PARK, "recommend")
    key = reg.folder / "audit.key"
    hidden = key.with_name("elsewhere.key")
    key.rename(hidden)  # the register cannot write now
    said = push_finalized(session.store)
    assert said.startswith("试点名录未能更新（") and "下次读取名录时将自动补记" in said
    assert {a.id: a.finalized for a in session.store.applications(session.op)}[PARK]
    hidden.rename(key)
    reg.close()
    with open_register(reg.folder) as again:
        assert again.row(PARK)["status"] == "recommended"


def test_the_chairs_finalize_pushes_into_the_register(setup):
    from nzc_review.ui.chair import ChairDashboard

    reg, session = setup
    link_session(reg, session.dir, by="秘书")
    for who in ("a", "b", "c", "chair"):
        session.score(who, PARK, FULL_SCORES)
    board = ChairDashboard(session.store, session.chair, refresh_seconds=0,
                           schedule=lambda delay, f: None, on_finalized=lambda app: False)
    board.app_select.value = PARK
    board.consensus_text.value = "同意推荐。"
    board.recommendation.value = "recommend"
    assert board.finalize() is True
    assert f"已记入试点名录：申报 {PARK} → 评审推荐" in board.message.value
    assert reg.row(PARK)["status"] == "recommended"


def test_a_session_links_to_one_register_only(setup, tmp_path):
    reg, session = setup
    link_session(reg, session.dir, by="秘书")
    other = create_register(tmp_path / "other", by="x")
    with pytest.raises(ProgrammeError, match="已关联另一个试点名录"):
        link_session(other, session.dir, by="x")
    with pytest.raises(ProgrammeError, match="不能关联"):
        link_session(other, tmp_path / "nowhere", by="x")
    other.close()
    link_session(reg, session.dir, by="秘书")  # again: nothing changes
    assert len(reg.linked_sessions()) == 1


# --- acceptance sessions (SessionRules.kind == "acceptance") ----------------------------------


def test_an_acceptance_session_moves_pilots_to_accepted_or_not(tmp_path):
    """A real acceptance meeting of the park's and the mall's self-evaluation reports: linking
    moves both pilots to 已申请验收, the finalized conclusions to 通过验收 / 未通过验收."""
    reg = register_five(tmp_path / "reg")
    for app_id in (PARK, COMMERCIAL):
        walk(reg, app_id, TO_RECOMMENDED)
        reg.db.write(lambda tx, a=app_id: reg.transition(tx, a, "in_notice", by="x", via="notice"),
                     by="x")
        reg.db.write(lambda tx, a=app_id: reg.transition(tx, a, "confirmed", by="x", via="confirm"),
                     by="x")
        reg.advance(app_id, "under_construction", by="x")
    session = build_acceptance(tmp_path / "acceptance",
                               reports=(PARK_REPORT, COMMERCIAL_REPORT))
    done = link_session(reg, session.dir, by="秘书")
    assert done["moved"] == {PARK: "acceptance_applied", COMMERCIAL: "acceptance_applied"}
    assert done["session"]["kind"] == "acceptance" and done["outside"] == []
    opinions = {PARK: ("accepted", "各项指标达到验收要求。"),
                COMMERCIAL: ("not_accepted", "核心指标SY-02未达到参考值，重点项目未全部建成。")}
    for app_id, (conclusion, opinion) in opinions.items():
        for who in ("a", "b", "c"):  # the chair of an acceptance meeting does not score
            session.store.save_draft(session.people[who], app_id,
                                     scores=dict.fromkeys(ACCEPTANCE_CRITERIA, 80),
                                     opinion={"recommendation": conclusion})
            session.store.submit(session.people[who], app_id)
        session.store.set_consensus(session.chair, app_id, opinion=opinion,
                                    recommendation=conclusion)
        session.store.finalize(session.chair, app_id)
    assert sync_store(reg, session.store).moved == {PARK: "accepted", COMMERCIAL: "not_accepted"}
    assert sync_store(reg, session.store).moved == {}  # recorded once
    mall, park = reg.row(COMMERCIAL)["history"][-1], reg.row(PARK)["history"][-1]
    assert mall["reason"] == opinions[COMMERCIAL][1]
    assert park["by"] == "验收会“2027年近零碳排放区试点验收会”"
    finalized = {a.id: a.finalized_at for a in session.store.applications(session.op)}[PARK]
    when = dt.datetime.fromisoformat(finalized.replace("Z", "+00:00"))
    assert park["date"] == when.astimezone(CHINA_TZ).date().isoformat()
    assert park["doc"].startswith("验收会“2027年近零碳排放区试点验收会”专家组意见（")
    session.store.close()
    reg.close()


def test_plan_result_is_pure():
    from nzc_review.programme import programme_rules

    rules = programme_rules()
    assert plan_result(rules, "review", "under_review", "recommend") == (("recommended",), None)
    assert plan_result(rules, "review", "received", "do_not_recommend") == (
        ("under_review", "not_recommended"), None)
    assert plan_result(rules, "review", "recommended", "recommend") == ((), None)
    assert plan_result(rules, "acceptance", "under_construction", "accepted") == (
        ("acceptance_applied", "accepted"), None)
    steps, why = plan_result(rules, "review", "confirmed", "accepted")
    assert steps == () and "不对应" in why
