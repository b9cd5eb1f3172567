"""The database file of a session: its name, the errors SQLite reports on it, and one open
transaction (:class:`Tx`) with the audit event every change writes in it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nzc_review.store.audit import (
    EVENT_COLUMNS_SQL,
    GENESIS,
    KEY_ENTITY,
    canonical_json,
    event_hash,
    key_id,
)
from nzc_review.store.errors import DatabaseDamaged, StoreError
from nzc_review.store.records import Actor

__all__ = ["DB_NAME", "T", "Tx", "affinity", "damaged", "db_error", "is_busy", "json_key_id"]

#: The database file inside a session folder.
DB_NAME = "review.sqlite"

T = TypeVar("T")

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLite reports the database busy or locked (another writer holds it)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _BUSY_CODES
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_DAMAGE_ZH = (
    ("file is not a database", "不是 SQLite 数据库文件"),
    ("database disk image is malformed", "SQLite 报告数据库映像格式错误"),
    ("malformed database schema", "数据库结构定义损坏"),
    ("could not decode to utf-8", "其中有不是 UTF-8 编码的文字"),
)


def damaged(path: Path, detail: str) -> DatabaseDamaged:
    """The one sentence for a damaged database file."""
    return DatabaseDamaged(
        f"{path}: 评审数据库文件已损坏（{detail}），不能安全使用，请用备份替换该文件后再试"
    )


def db_error(path: Path, exc: BaseException) -> StoreError:
    """A SQLite error (not busy) as a :class:`StoreError`: :class:`DatabaseDamaged` when the
    file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB, text that is not UTF-8)."""
    if isinstance(exc, UnicodeDecodeError):  # SQLite's own message held the broken text
        return damaged(path, "其中有不是 UTF-8 编码的文字")
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    for english, chinese in _DAMAGE_ZH:
        if english in text.lower():
            return damaged(path, chinese)
    if code is not None and (code & 0xFF) in _DAMAGE_CODES:
        return damaged(path, f"SQLite：{text}")
    if isinstance(exc, json.JSONDecodeError):
        return damaged(path, "其中保存的 JSON 数据无法解析")
    return StoreError(f"{path}: 数据库出错（{text}）")


def affinity(declared: str) -> tuple[type, ...]:
    """The Python types a column of this declared type holds when written by the store
    (SQLite's affinity rules, https://sqlite.org/datatype3.html §3.1); never ``bytes``: the
    schema has no BLOB column."""
    t = declared.upper()
    if "INT" in t:
        return (int, float, type(None))
    if any(k in t for k in ("CHAR", "CLOB", "TEXT")):
        return (str, type(None))
    if any(k in t for k in ("REAL", "FLOA", "DOUB")):
        return (float, int, type(None))
    return (str, int, float, type(None))


def json_key_id(text: object) -> str | None:
    """``key_id`` of a key event's ``after`` JSON (``None`` when unreadable)."""
    try:
        value = json.loads(str(text))
    except ValueError:
        return None
    return value.get("key_id") if isinstance(value, dict) else None


@dataclass
class Tx:
    """One open transaction: the connection, its timestamp and the acting actor."""

    conn: sqlite3.Connection
    now: str
    actor: Actor
    key: bytes | None = None  # the audit key (write transactions)

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def last_event(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last audit event; ``(0, GENESIS)`` before the first."""
        last = self.one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        return (last["seq"], last["hash"]) if last else (0, GENESIS)

    def event(self, entity: str, entity_id: str, action: str, before: Any, after: Any) -> None:
        """Append one audit event, chained to the last one (we hold the write lock)."""
        seq, prev = self.last_event()
        seq += 1
        fields = {
            "seq": seq,
            "at": self.now,
            "actor": self.actor.ident,
            "actor_role": self.actor.role,
            "actor_name": self.actor.name,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "before": None if before is None else canonical_json(before),
            "after": None if after is None else canonical_json(after),
            "prev_hash": prev,
        }
        if self.key is None:
            raise StoreError("审计密钥不可用，不能记录修改", code="audit_key")
        digest = event_hash(**fields, key=self.key)
        self.conn.execute(
            f"INSERT INTO events ({EVENT_COLUMNS_SQL}) VALUES ({', '.join('?' * 12)})",
            (*fields.values(), digest),
        )

    def key_event(self, unkeyed_events: int, unkeyed_head: str) -> None:
        """Record that events are keyed from here on (:mod:`nzc_review.store.audit`): the
        key's fingerprint, and how many events before it were written without a key, with
        their head (none for a new session)."""
        kid = key_id(self.key or b"")
        after = {"key_id": kid, "unkeyed_events": unkeyed_events, "unkeyed_head": unkeyed_head}
        self.event(KEY_ENTITY, kid, "enable", None, after)
