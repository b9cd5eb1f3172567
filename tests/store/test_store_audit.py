"""The audit trail: every change is a keyed hash-chained event; tampering is found and named.

Tampering that needs the key, removed tail events and heads: tests/store/test_store_tamper.py.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from nzc_review.cli.main import main
from nzc_review.store import DB_NAME, AuditEvent, open_store
from nzc_review.store.audit import EVENT_FIELDS, GENESIS, canonical_json, event_hash, verify_chain
from nzc_review.store.keyfile import KEY_NAME, read_key
from tests.fixtures.sessions import FULL_SCORES, OPINION
from tests.fixtures.sessions import MEETING_PARK as PARK


def hashed_fields(event: AuditEvent, **changed) -> dict:
    """The fields an event's hash is over, as stored (``before`` and ``after`` as canonical
    JSON), with ``changed`` ones replaced."""
    fields = {name: getattr(event, name) for name in EVENT_FIELDS if name != "hash"}
    for name in ("before", "after"):
        fields[name] = None if fields[name] is None else canonical_json(fields[name])
    return {**fields, **changed}


@pytest.fixture
def m(meeting_session):
    meeting = meeting_session
    meeting.store.save_draft(meeting.a, PARK, scores={"建设基础": 70})
    meeting.complete(meeting.a, PARK)
    return meeting


def raw(m) -> sqlite3.Connection:
    """A connection that bypasses the store, as someone editing the file would."""
    return sqlite3.connect(m.dir / DB_NAME, isolation_level=None)


def test_every_change_is_an_event(m):
    events = m.store.events(m.op)
    kinds = [(e.entity, e.action) for e in events]
    assert kinds[0] == ("audit_key", "enable") and kinds[1] == ("session", "create")
    assert kinds.count(("expert", "create")) == 5
    assert ("application", "create") in kinds and ("application_version", "import") in kinds
    assert ("conflict", "detect") in kinds and ("assignment", "create") in kinds
    saves = [e for e in events if e.entity == "review"]
    assert [e.action for e in saves] == ["save_draft", "save_draft", "submit"]
    first, second, submit = saves
    assert first.before is None and first.after["scores"] == {"foundation": 70.0}
    assert second.before == first.after
    assert submit.after["status"] == "submitted" and submit.actor == f"expert:{m.a.expert_id}"
    assert submit.actor_name == "张三" and submit.at.endswith("Z")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


def test_event_hash_is_over_canonical_fields(m):
    e = m.store.events(m.op)[-1]
    key = read_key(m.dir / KEY_NAME)
    fields = hashed_fields(e)
    assert e.before is not None and e.after is not None
    assert event_hash(**fields, key=key) == e.hash
    assert event_hash(**fields) != e.hash  # plain SHA-256 without the key does not match


def test_verify_ok(m):
    result = m.store.verify(m.op)
    assert result.ok and result.first_broken is None and result.problems == ()
    assert result.events == len(m.store.events(m.op))
    assert result.head == m.store.events(m.op)[-1].hash


def test_events_are_append_only_in_the_database(m):
    conn = raw(m)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET actor = 'x' WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events WHERE seq = 3")


def _tamper_event(m, seq: int) -> None:
    conn = raw(m)
    conn.execute("DROP TRIGGER events_append_only_update")  # whoever has the file can
    row = conn.execute("SELECT after FROM events WHERE seq = ?", (seq,)).fetchone()
    after = json.loads(row[0])
    after["scores"] = {k: 100.0 for k in after["scores"]}
    conn.execute("UPDATE events SET after = ? WHERE seq = ?", (canonical_json(after), seq))
    conn.close()


def test_tampered_event_is_named(m, capsys):
    target = next(e.seq for e in m.store.events(m.op) if e.action == "submit")
    _tamper_event(m, target)
    result = open_store(m.dir).verify(m.op)
    assert not result.ok and result.first_broken == target
    assert result.problems[0][1].startswith(f"第 {target} 条审计事件（评审记录")
    assert "被改写或伪造" in result.problems[0][1]

    code = main(["audit", "verify", str(m.dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0].startswith(f"第 {target} 条审计事件（评审记录")


@pytest.mark.parametrize("with_key", [False, True])
def test_tampered_event_with_recomputed_hash(m, with_key):
    """Without the key a recomputed hash fails at the event itself; with the key (someone
    holding the key file) the next event's link still breaks."""
    events = m.store.events(m.op)
    target = events[5]
    conn = raw(m)
    conn.execute("DROP TRIGGER events_append_only_update")
    forged = canonical_json({"forged": True})
    new_hash = event_hash(
        **hashed_fields(target, before=None, after=forged),
        key=read_key(m.dir / KEY_NAME) if with_key else None,
    )
    conn.execute(
        "UPDATE events SET after = ?, hash = ? WHERE seq = ?", (forged, new_hash, target.seq)
    )
    result = open_store(m.dir).verify(m.op)
    assert not result.ok and result.first_broken == target.seq + (1 if with_key else 0)


def test_deleted_event_is_found(m):
    conn = raw(m)
    conn.execute("DROP TRIGGER events_append_only_delete")
    conn.execute("DELETE FROM events WHERE seq = 4")
    result = open_store(m.dir).verify(m.op)
    assert result.first_broken == 5


def test_record_changed_without_event_is_found(m, capsys):
    conn = raw(m)
    conn.execute(
        "UPDATE reviews SET scores_json = ? WHERE expert_id = ?",
        (canonical_json({**{k: 100.0 for k in FULL_SCORES}}), m.a.expert_id),
    )
    result = open_store(m.dir).verify(m.op)
    assert not result.ok and result.first_broken is None
    assert any(
        f"评审记录 {m.a.expert_id}/{PARK} 与其最后审计状态" in p for _, p in result.problems
    )
    assert main(["audit", "verify", str(m.dir)]) == 2
    assert f"评审记录 {m.a.expert_id}/{PARK} 与其最后审计状态" in capsys.readouterr().err


def test_swapped_token_hash_is_found(m):
    conn = raw(m)
    conn.execute("UPDATE experts SET token_hash = ? WHERE id = ?", ("f" * 64, m.b.expert_id))
    result = open_store(m.dir).verify(m.op)
    assert any(f"专家 {m.b.expert_id} 与其最后审计状态" in p for _, p in result.problems)


def test_truncated_last_event_is_found_by_record_check(m):
    conn = raw(m)
    conn.execute("DROP TRIGGER events_append_only_delete")
    conn.execute("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)")
    result = open_store(m.dir).verify(m.op)
    assert not result.ok
    assert any("与其最后审计状态" in p and "审计事件被删除" in p for _, p in result.problems)


def test_inserted_record_without_event_is_found(m):
    conn = raw(m)
    conn.execute(
        "INSERT INTO consensus (app_id, opinion, recommendation, updated_at, updated_by)"
        " VALUES (?, 'forged', 'recommend', 'now', 'x')",
        (PARK,),
    )
    result = open_store(m.dir).verify(m.op)
    assert any(
        f"专家组意见 {PARK} 存在，但没有创建它的审计事件" in p for _, p in result.problems
    )


def test_verify_chain_pure():
    rows = []
    prev = GENESIS
    for seq in (1, 2, 3):
        fields = dict(
            seq=seq,
            at="t",
            actor="a",
            actor_role="r",
            actor_name="n",
            entity="e",
            entity_id=str(seq),
            action="x",
            before=None,
            after="{}",
            prev_hash=prev,
        )
        prev = event_hash(**fields)
        rows.append((*fields.values(), prev))
    assert verify_chain(rows) == (3, prev, [])
    rows[1] = (*rows[1][:7], "y", *rows[1][8:])
    count, _, problems = verify_chain(rows)
    assert [p[0] for p in problems] == [2]


def test_audit_verify_bad_input(tmp_path, capsys):
    assert main(["audit", "verify", str(tmp_path / "missing")]) == 2
    assert "not a review session folder" in capsys.readouterr().err


def test_opinion_change_audited_with_before_and_after(m):
    m.store.reopen(m.chair, m.a.expert_id, PARK, "请补充存在问题")
    m.store.save_draft(m.a, PARK, opinion={**OPINION, "problems": "补充：投资测算依据不足"})
    e = m.store.events(m.op)[-1]
    assert e.before["problems"] == OPINION["problems"]
    assert e.after["problems"] == "补充：投资测算依据不足"
    reopen = m.store.events(m.op)[-2]
    assert reopen.action == "reopen" and reopen.after["reopen_reason"] == "请补充存在问题"
    assert reopen.actor == f"expert:{m.chair.expert_id}"
