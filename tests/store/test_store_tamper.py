"""Tampering that a plain hash chain let through, the audit key, heads, and damaged files.

Each tampering here is done as someone holding ``review.sqlite`` would do it: with the
``sqlite3`` module, recomputing hashes where that helps them.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
from pathlib import Path

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.store import DB_NAME, StoreError, audit_head, open_store
from nzc_review.store.audit import (
    EVENT_COLUMNS_SQL,
    EVENT_FIELDS,
    GENESIS,
    canonical_json,
    check_head,
    event_hash,
    format_head,
    key_id,
    parse_head,
)
from nzc_review.store.keyfile import KEY_ENV, KEY_NAME, read_key
from nzc_review.store.schema import split_sql
from tests.fixtures.applications import FAST_DUMPER
from tests.fixtures.sessions import MEETING_PARK as PARK
from tests.fixtures.sessions import build_meeting

# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture
def m(meeting_session):
    meeting = meeting_session
    meeting.complete(meeting.a, PARK)
    meeting.complete(meeting.b, PARK)
    return meeting


def raw(directory: Path) -> sqlite3.Connection:
    """A connection that bypasses the store, as someone editing the file would, with the
    append-only triggers dropped (whoever has the file can)."""
    conn = sqlite3.connect(directory / DB_NAME, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_append_only_update")
    conn.execute("DROP TRIGGER IF EXISTS events_append_only_delete")
    return conn


def rows(conn: sqlite3.Connection) -> list[dict]:
    cur = conn.execute(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")
    return [dict(zip(EVENT_FIELDS, r, strict=True)) for r in cur]


def rehash(
    conn: sqlite3.Connection, start: int, key: bytes | None, stop: int | None = None
) -> None:
    """Recompute the hashes of events ``start``…``stop`` as a forger would (plain SHA-256
    without the key, HMAC with it)."""
    events = rows(conn)
    prev = next((e["hash"] for e in events if e["seq"] == start - 1), GENESIS)
    for ev in events:
        if ev["seq"] < start or (stop is not None and ev["seq"] > stop):
            continue
        fields = {k: ev[k] for k in EVENT_FIELDS if k != "hash"}
        fields["prev_hash"] = prev
        prev = event_hash(**fields, key=key)
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?",
            (fields["prev_hash"], prev, ev["seq"]),
        )


def restore_review(conn: sqlite3.Connection, state: dict) -> None:
    """Put a review row back into a recorded state (the ``before`` of an event)."""
    values = dict(state)
    values["weights_json"] = (
        None if values.get("weights") is None else canonical_json(values["weights"])
    )
    values["scores_json"] = canonical_json(values.pop("scores"))
    values.pop("weights", None)
    cols = [k for k in values if k not in ("expert_id", "app_id")]
    conn.execute(
        f"UPDATE reviews SET {', '.join(f'{c} = ?' for c in cols)}"
        " WHERE expert_id = ? AND app_id = ?",
        (*[values[c] for c in cols], values["expert_id"], values["app_id"]),
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def head_of(capsys, directory: Path) -> str:
    code, out, _ = run(capsys, "audit", "head", directory)
    assert code == 0
    return out.strip()


# --- the key -----------------------------------------------------------------------------------


def test_key_file_is_private_and_not_in_the_database(m):
    path = m.dir / KEY_NAME
    key = read_key(path)
    assert key is not None and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = (m.dir / DB_NAME).read_bytes()
    assert key.hex().encode() not in data and key not in data
    first = m.store.events(m.op)[0]
    assert (first.seq, first.entity, first.action) == (1, "audit_key", "enable")
    assert first.after == {"key_id": key_id(key), "unkeyed_events": 0, "unkeyed_head": GENESIS}


def test_every_event_is_an_hmac_with_the_key(m):
    key = read_key(m.dir / KEY_NAME)
    conn = raw(m.dir)
    for ev in rows(conn):
        fields = {k: ev[k] for k in EVENT_FIELDS if k != "hash"}
        assert event_hash(**fields, key=key) == ev["hash"]
        assert event_hash(**fields) != ev["hash"]


# --- tampering (a): the last event deleted, the record restored --------------------------------


def test_deleted_last_event_with_record_restored_is_named_by_the_head(m, capsys):
    head = head_of(capsys, m.dir)
    n, _ = parse_head(head)
    conn = raw(m.dir)
    last = rows(conn)[-1]
    assert last["entity"] == "review" and last["action"] == "submit"
    restore_review(conn, json.loads(last["before"]))
    conn.execute("DELETE FROM events WHERE seq = ?", (n,))

    # without the head the shorter chain is consistent: its head is what gives it away
    result = open_store(m.dir).verify(m.op)
    assert result.anchor != head and result.events == n - 1

    code, out, err = run(capsys, "audit", "verify", m.dir, "--head", head)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines == [
        f"第 {n} 条审计事件缺失（链头记录为 {head}，数据库中只有 {n - 1} 条事件）："
        "记录链头之后有事件被删除"
    ]


def test_deleted_last_event_alone_is_named_with_the_head(m, capsys):
    head = head_of(capsys, m.dir)
    n, _ = parse_head(head)
    raw(m.dir).execute("DELETE FROM events WHERE seq = ?", (n,))
    code, _, err = run(capsys, "audit", "verify", m.dir, "--head", head)
    assert code == 2
    assert err.startswith(f"第 {n} 条审计事件缺失（")
    assert f"评审记录 {m.b.expert_id}/{PARK} 与其最后审计状态（第 {n - 1} 条事件）不符" in err
    assert "Traceback" not in err


def test_several_removed_tail_events_are_named_as_a_range(m, capsys):
    head = head_of(capsys, m.dir)
    n, _ = parse_head(head)
    raw(m.dir).execute("DELETE FROM events WHERE seq >= ?", (n - 2,))
    code, _, err = run(capsys, "audit", "verify", m.dir, "--head", head)
    assert code == 2 and err.startswith(f"第 {n - 2}–{n} 条审计事件缺失（")


# --- tampering (b): a forged event appended with a recomputed hash ----------------------------


@pytest.mark.parametrize("forger_key", ["none", "guessed"])
def test_forged_appended_event_is_named(m, capsys, forger_key):
    conn = raw(m.dir)
    last = rows(conn)[-1]
    state = json.loads(last["after"])
    forged = {**state, "scores": {k: 100.0 for k in state["scores"]}}
    restore_review(conn, forged)
    fields = {
        **{k: last[k] for k in EVENT_FIELDS if k != "hash"},
        "seq": last["seq"] + 1,
        "action": "save_draft",
        "before": last["after"],
        "after": canonical_json(forged),
        "prev_hash": last["hash"],
    }
    key = None if forger_key == "none" else secrets.token_bytes(32)
    conn.execute(
        f"INSERT INTO events ({EVENT_COLUMNS_SQL}) VALUES ({', '.join('?' * 12)})",
        (*fields.values(), event_hash(**fields, key=key)),
    )
    seq = last["seq"] + 1
    result = open_store(m.dir).verify(m.op)
    assert not result.ok and result.first_broken == seq
    code, _, err = run(capsys, "audit", "verify", m.dir)
    assert code == 2
    assert err.splitlines() == [
        f"第 {seq} 条审计事件（评审记录 {m.b.expert_id}/{PARK} save_draft，{last['at']}，"
        f"{last['actor']}）的内容与其密钥哈希不符：该事件被改写或伪造"
    ]


# --- tampering (c): an event edited and every later hash recomputed ---------------------------


def test_edited_event_with_recomputed_tail_is_named(m, capsys):
    conn = raw(m.dir)
    events = rows(conn)
    target = next(e for e in events if e["entity"] == "review" and e["action"] == "submit")
    after = json.loads(target["after"])
    after["scores"] = {k: 100.0 for k in after["scores"]}
    conn.execute(
        "UPDATE events SET after = ? WHERE seq = ?", (canonical_json(after), target["seq"])
    )
    rehash(conn, target["seq"], key=None)
    result = open_store(m.dir).verify(m.op)
    assert result.first_broken == target["seq"]
    chain = [p for p in result.problems if p[0] is not None]
    assert len(chain) == len(events) - target["seq"] + 1  # each recomputed event fails
    code, _, err = run(capsys, "audit", "verify", m.dir)
    assert code == 2 and err.startswith(f"第 {target['seq']} 条审计事件（评审记录")


def test_rewrite_by_a_key_holder_is_caught_by_the_head(m, capsys):
    """Whoever holds the key file can recompute every HMAC: the head on paper still proves
    the rewrite."""
    head = head_of(capsys, m.dir)
    n, _ = parse_head(head)
    conn = raw(m.dir)
    target = rows(conn)[5]
    conn.execute("UPDATE events SET actor_name = '伪造' WHERE seq = ?", (target["seq"],))
    rehash(conn, target["seq"], key=read_key(m.dir / KEY_NAME))
    assert open_store(m.dir).verify(m.op).ok
    code, _, err = run(capsys, "audit", "verify", m.dir, "--head", head)
    assert code == 2
    assert err.startswith(f"第 {n} 条审计事件与记录的链头 {head} 不符")


# --- heads ------------------------------------------------------------------------------------


def test_head_command_and_a_later_verify(m, capsys):
    head = head_of(capsys, m.dir)
    result = m.store.verify(m.op)
    assert head == result.anchor == audit_head(m.store, m.op) == m.store.audit_head(m.a)
    assert head == format_head(result.events, m.store.events(m.op)[-1].hash)
    m.store.reopen(m.chair, m.a.expert_id, PARK, "补充存在问题")  # the trail grows
    code, out, err = run(capsys, "audit", "verify", m.dir, "--head", head)
    assert code == 0 and err == ""
    assert f"记录的链头 {head} 之前的事件均未被删除或改写" in out
    code, out, _ = run(capsys, "audit", "head", m.dir, "--format", "json")
    assert json.loads(out)["head"].startswith(f"{result.events + 1}:")


@pytest.mark.parametrize("bad", ["87", "87:xyz", "abc:" + "0" * 64, "87:" + "0" * 63])
def test_malformed_head_is_one_sentence(m, capsys, bad):
    code, _, err = run(capsys, "audit", "verify", m.dir, "--head", bad)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("--head: 链头") and "格式不对" in err


def test_check_head_pure():
    hashes = [(1, "a" * 64), (2, "b" * 64)]
    assert check_head(hashes, 2, "b" * 64, "2:bb") == []
    assert check_head(hashes, 0, GENESIS, "0:00") == []
    assert check_head(hashes, 3, "c" * 64, "3:cc")[0][1].startswith("第 3 条审计事件缺失（")
    assert "不符" in check_head(hashes, 2, "c" * 64, "2:cc")[0][1]


# --- where the key is --------------------------------------------------------------------------


def test_key_on_another_medium(tmp_path, capsys, monkeypatch):
    medium = tmp_path / "usb"
    medium.mkdir()
    key = medium / "meeting.key"
    session = tmp_path / "meeting"
    monkeypatch.setenv(KEY_ENV, str(key))
    code, out, _ = run(capsys, "session", "create", session, "--name", "评审会")
    assert code == 0 and str(key) in out
    assert not (session / KEY_NAME).exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert run(capsys, "expert", "add", session, "--name", "甲", "--org", "乙", "--role",
               "expert")[0] == 0
    assert run(capsys, "audit", "verify", session)[0] == 0

    monkeypatch.delenv(KEY_ENV)  # the medium is not there
    code, _, _ = run(capsys, "session", "status", session)
    assert code == 0  # reading needs no key
    code, _, err = run(capsys, "expert", "add", session, "--name", "丙", "--org", "丁",
                       "--role", "expert")
    assert code == 2 and err.strip().splitlines() == [
        f"{session / KEY_NAME}: 审计密钥文件不存在，本评审会不能记录任何修改；密钥保存在其他介质上时，"
        f"请用环境变量 {KEY_ENV} 指明其位置"
    ]
    code, _, err = run(capsys, "audit", "verify", session)
    assert code == 2 and "审计密钥文件不存在，无法校验第 1 条起" in err
    code, out, _ = run(capsys, "audit", "verify", session, "--audit-key", key)
    assert code == 0 and "审计记录完整" in out


def test_key_of_another_session_is_refused_before_writing(m, tmp_path, capsys):
    before = len(m.store.events(m.op))
    (m.dir / KEY_NAME).write_text(secrets.token_hex(32) + "\n")
    with open_store(m.dir) as store:
        with pytest.raises(StoreError, match="不是本评审会的审计密钥"):
            store.add_expert(m.op, name="甲", organisation="乙")
        assert len(store.events(m.op)) == before
    code, _, err = run(capsys, "audit", "verify", m.dir)
    assert code == 2 and "审计密钥与本评审会不符" in err
    assert len(err.strip().splitlines()) == 1  # one finding, not one per event


def test_session_create_key_option_and_bad_place(tmp_path, capsys):
    key = tmp_path / "keys" / "a.key"
    key.parent.mkdir()
    code, _, _ = run(capsys, "session", "create", tmp_path / "s", "--name", "x",
                     "--audit-key", key)
    assert code == 0 and read_key(key) is not None
    code, _, err = run(capsys, "session", "create", tmp_path / "t", "--name", "x",
                       "--audit-key", tmp_path / "missing" / "a.key")
    assert code == 2 and err.count("\n") == 1 and "无法创建审计密钥文件" in err
    assert not (tmp_path / "t" / DB_NAME).exists()


@pytest.mark.parametrize("what", ["text", "folder"])
def test_unreadable_key_file_is_one_sentence(m, capsys, what):
    path = m.dir / KEY_NAME
    if what == "text":
        path.write_text("not a key")
        expected = f"{path}: 不是审计密钥文件（应为 64 位十六进制数）"
    else:
        path.unlink()
        path.mkdir()
        expected = f"{path}: 无法读取审计密钥文件（"
    for argv in (
        ("expert", "add", m.dir, "--name", "甲", "--org", "乙", "--role", "expert"),
        ("audit", "verify", m.dir),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert err.startswith(expected)


def test_key_file_readable_by_others_is_a_warning(m, capsys):
    os.chmod(m.dir / KEY_NAME, 0o644)
    code, out, err = run(capsys, "audit", "verify", m.dir)
    assert code == 0 and "审计记录完整" in out
    assert err.strip() == (
        f"注意：{m.dir / KEY_NAME}: 审计密钥文件其他用户也能读取，应只允许所有者读写（chmod 600）"
    )


def test_chain_without_a_key_event_is_a_warning(m):
    """The key event removed behind an open store: nothing says the chain was keyed."""
    raw(m.dir).execute("DELETE FROM events WHERE entity = 'audit_key'")
    result = m.store.verify(m.op)
    assert result.warnings[0].startswith("本评审会的审计链没有密钥")
    assert not result.ok and result.first_broken == 2  # event 1 missing, plain hashes fail


def test_command_line_net_for_a_database_error(m, capsys, monkeypatch):
    import nzc_review.cli.commands.session as session_commands

    def broken(args):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(session_commands, "cmd_audit_head", broken)
    code, out, err = run(capsys, "audit", "head", m.dir)
    assert code == 2 and out == ""
    assert err.strip() == "读取评审数据库出错（DatabaseError），文件可能已损坏，请用备份替换后再试"


# --- a session written before keys existed -----------------------------------------------------


def _make_unkeyed(directory: Path) -> tuple[int, str]:
    """Rewrite a session as nzc-review wrote it before audit keys: plain SHA-256, no key
    event, no key file. Returns its head."""
    conn = raw(directory)
    events = [e for e in rows(conn) if e["entity"] != "audit_key"]
    conn.execute("DELETE FROM events")
    prev = GENESIS
    for seq, ev in enumerate(events, 1):
        fields = {**{k: ev[k] for k in EVENT_FIELDS if k != "hash"}, "seq": seq,
                  "prev_hash": prev}
        prev = event_hash(**fields)
        conn.execute(
            f"INSERT INTO events ({EVENT_COLUMNS_SQL}) VALUES ({', '.join('?' * 12)})",
            (*fields.values(), prev),
        )
    from nzc_review.store.schema import _V1

    for statement in split_sql(_V1):
        if statement.startswith("CREATE TRIGGER"):
            conn.execute(statement)
    conn.close()
    (directory / KEY_NAME).unlink()
    return len(events), prev


def test_unkeyed_session_gets_a_key_and_an_anchoring_event(tmp_path, capsys):
    meeting = build_meeting(tmp_path / "old")
    meeting.store.close()
    n, old_head = _make_unkeyed(meeting.dir)
    code, _, _ = run(capsys, "session", "status", meeting.dir)  # any open migrates
    assert code == 0
    key = read_key(meeting.dir / KEY_NAME)
    assert key is not None
    assert stat.S_IMODE((meeting.dir / KEY_NAME).stat().st_mode) == 0o600
    with open_store(meeting.dir) as store:
        anchor = store.events(meeting.op)[-1]
        assert (anchor.seq, anchor.entity, anchor.action) == (n + 1, "audit_key", "enable")
        assert anchor.after == {"key_id": key_id(key), "unkeyed_events": n,
                                "unkeyed_head": old_head}
        store.add_expert(meeting.op, name="新专家", organisation="新单位")
        result = store.verify(meeting.op)
        assert result.ok and result.events == n + 2
        assert result.warnings[0].startswith(f"第 1–{n} 条审计事件记录于启用审计密钥（第 {n + 1} 条事件")
    # the earlier head still proves the unkeyed part
    code, _, err = run(capsys, "audit", "verify", meeting.dir, "--head", f"{n}:{old_head}")
    assert code == 0 and "注意：第 1–" in err

    # rewriting the unkeyed part (recomputable) breaks the link of the keyed event
    conn = raw(meeting.dir)
    conn.execute("UPDATE events SET actor_name = '伪造' WHERE seq = 3")
    rehash(conn, 3, key=None, stop=n)  # the forger cannot recompute the keyed events
    result = open_store(meeting.dir).verify(meeting.op)
    assert result.first_broken == n + 1
    assert result.problems[0][1].startswith(f"第 {n + 1} 条审计事件（审计密钥")
    assert "与前一条的链接断开" in result.problems[0][1]
    code, _, err = run(capsys, "audit", "verify", meeting.dir, "--head", f"{n}:{old_head}")
    assert code == 2 and f"第 {n} 条审计事件与记录的链头" in err


# --- the head on what people sign ----------------------------------------------------------------


def test_head_on_summary_export_and_opinion(m, tmp_path):
    from openpyxl import load_workbook

    from nzc_review.meeting.opinion.html import audit_head_line
    from nzc_review.meeting.opinion.session import session_overview, summary_html
    from nzc_review.store.export import export_workbook

    head = m.store.audit_head(m.op)
    overview = session_overview(m.store, m.op)
    assert overview.audit_head == head
    assert f"审计链头：{head}" in summary_html(overview, "2024-05-20")
    wb = load_workbook(export_workbook(m.store, m.op, tmp_path / "scores.xlsx"))
    rows_ = {r[0]: r[1] for r in wb["评审会"].iter_rows(values_only=True)}
    assert rows_["审计链头"] == head
    assert f"审计链头：{head}" in audit_head_line(head) and audit_head_line("") == ""


def test_head_in_the_opinion_report(m):
    from nzc_review.meeting.opinion.data import collect_opinion
    from nzc_review.meeting.opinion.html import signature_block

    op = collect_opinion(m.store, m.op, PARK)
    assert op.audit_head == m.store.audit_head(m.op)
    assert f"审计链头：{op.audit_head}" in signature_block(op)


# --- damaged files ------------------------------------------------------------------------------


def _flip(path: Path, offsets: list[int]) -> None:
    data = bytearray(path.read_bytes())
    for off in offsets:
        data[off] ^= 0xFF
    path.write_bytes(bytes(data))


def _all(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def _corrupt(path: Path, kind: str) -> None:
    data = path.read_bytes()
    if kind == "header":  # the page size
        _flip(path, [16, 17])
    elif kind == "page":  # the first page's b-tree header
        _flip(path, [101])
    elif kind == "schema":  # the SQL of a trigger in sqlite_master
        at = data.find(b"CREATE TRIGGER events_append_only_update")
        _flip(path, [at + 40])
    elif kind == "event_text":  # text only the audit events hold (status never reads it)
        _flip(path, [at for at in _all(data, b"save_draft")])
    elif kind == "name":  # a panel member's name, wherever it is stored
        _flip(path, _all(data, "钱七".encode()))
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.fixture
def damaged(meeting_session, request):
    meeting = meeting_session
    meeting.complete(meeting.a, PARK)
    meeting.store.close()
    _corrupt(meeting.dir / DB_NAME, request.param)
    return meeting.dir


COMMANDS = [
    ("session", "status", "{d}"),
    ("session", "export", "{d}", "{t}/out.xlsx"),
    ("session", "import", "{d}", "{t}/app.yaml"),
    ("session", "assign", "{d}", "--all"),
    ("expert", "list", "{d}"),
    ("expert", "add", "{d}", "--name", "甲", "--org", "乙", "--role", "expert"),
    ("expert", "token", "{d}", "1"),
    ("coi", "{d}", "list"),
    ("coi", "{d}", "confirm", "1", "--reason", "同一单位"),
    ("audit", "verify", "{d}"),
    ("audit", "head", "{d}"),
    ("audit", "log", "{d}"),
    ("report", "{d}", "--out", "{t}/reports", "--no-pdf"),
    ("revision", "{d}", PARK),
    ("serve", "{d}"),
]


@pytest.mark.parametrize("damaged", ["header", "page", "schema", "event_text", "name"],
                         indirect=True)
def test_damaged_database_is_one_sentence_in_every_command(damaged, tmp_path, capsys,
                                                           monkeypatch):
    import nzc_review.cli.commands.serve as serve

    def no_server(*a, **k):  # pragma: no cover - only if the damage went unnoticed
        raise AssertionError("the server must not start on a damaged database")

    monkeypatch.setattr(serve.subprocess, "Popen", no_server)
    (tmp_path / "app.yaml").write_text(
        yaml.dump({"format": "nzc-application/1", "id": "X-1", "pilot_type": "park",
                        "name": "测试"}, allow_unicode=True, Dumper=FAST_DUMPER),
        encoding="utf-8",
    )
    for argv in COMMANDS:
        args = [a.format(d=damaged, t=tmp_path) for a in argv]
        code, out, err = run(capsys, *args)
        lines = err.strip().splitlines()
        assert code == 2, (args, out, err)
        assert len(lines) == 1, (args, err)
        assert lines[0].startswith(f"{damaged / DB_NAME}: 评审数据库文件已损坏（"), (args, err)
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "reports").exists()


def test_unparseable_json_is_a_finding_or_one_sentence(m, tmp_path, capsys):
    raw(m.dir).execute(
        "UPDATE reviews SET scores_json = '{\"foundation\": 8' WHERE expert_id = ?",
        (m.a.expert_id,),
    )
    code, _, err = run(capsys, "audit", "verify", m.dir)
    assert code == 2
    assert err.strip().splitlines() == [
        f"评审记录 {m.a.expert_id}/{PARK} 中保存的 JSON 数据无法解析：被绕过审计改动或已损坏"
    ]
    code, _, err = run(capsys, "session", "export", m.dir, tmp_path / "x.xlsx")
    assert code == 2 and err.strip() == (
        f"{m.dir / DB_NAME}: 评审数据库文件已损坏（其中保存的 JSON 数据无法解析），"
        "不能安全使用，请用备份替换该文件后再试"
    )
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.slow
def test_flipped_bytes_never_a_traceback_and_status_agrees_with_verify(tmp_path, capsys):
    """A byte flipped anywhere: no traceback in any command, and whenever ``audit verify``
    calls the file damaged, so does ``session status``."""
    meeting = build_meeting(tmp_path / "base")
    meeting.complete(meeting.a, PARK)
    meeting.store.close()
    data = (meeting.dir / DB_NAME).read_bytes()
    page = 4096
    offsets = sorted({p * page + d for p in range(len(data) // page) for d in (8, 3000)}
                     | {16, 18, 28, 56, 100, 105})
    folder = tmp_path / "flip"
    folder.mkdir()
    (folder / KEY_NAME).write_bytes((meeting.dir / KEY_NAME).read_bytes())
    os.chmod(folder / KEY_NAME, 0o600)
    damaged_seen = 0
    for off in offsets:
        corrupted = bytearray(data)
        corrupted[off] ^= 0xFF
        (folder / DB_NAME).write_bytes(bytes(corrupted))
        results = {}
        for name, argv in (
            ("verify", ("audit", "verify", folder)),
            ("status", ("session", "status", folder)),
            ("log", ("audit", "log", folder)),
        ):
            results[name] = run(capsys, *argv)  # an exception here fails the test
        verify_code, _, verify_err = results["verify"]
        if "评审数据库文件已损坏" in verify_err:
            damaged_seen += 1
            for name in ("status", "log"):
                code, _, err = results[name]
                assert code == 2 and "评审数据库文件已损坏" in err, (off, name, err)
        for name, (code, _, err) in results.items():
            assert "Traceback" not in err and code in (0, 2), (off, name, err)
        for leftover in ("-wal", "-shm"):
            Path(f"{folder / DB_NAME}{leftover}").unlink(missing_ok=True)
    assert damaged_seen >= 3
