"""The register's database: ``DIR/programme.sqlite``, its tables, one transaction at a time,
and the audit event every change writes in the same transaction.

The audit trail is the review store's (:mod:`nzc_review.store.audit`): each event carries who,
when, what (entity, id, action) and the record before and after as canonical JSON, chained by
HMAC-SHA-256 (RFC 2104) with a key kept outside the database (:mod:`nzc_review.store.keyfile`):
``DIR/audit.key``, or the file named by :data:`KEY_ENV` (a variable of its own, so that a
register and a review session may keep their keys on different media). Entities and actions
are written in Chinese, so that every finding of :func:`~nzc_review.store.audit.verify_chain`
reads in Chinese. Nothing is ever deleted: tables only grow, objections are decided once.

Writes run in ``BEGIN IMMEDIATE`` (the write lock first, so two writers never deadlock) with a
busy timeout; WAL mode lets readers go on while one writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nzc_review.programme.errors import NotAProgramme, ProgrammeError
from nzc_review.store.audit import (
    EVENT_COLUMNS_SQL,
    GENESIS,
    KEY_ENTITY,
    canonical_json,
    event_hash,
    key_id,
    utc_now,
)
from nzc_review.store.errors import StoreError
from nzc_review.store.keyfile import create_key, read_key

__all__ = ["DB_NAME", "ENTITIES", "FORMAT", "KEY_ENV", "Database", "Tx", "key_file"]

#: The database file inside a register folder.
DB_NAME = "programme.sqlite"
#: The register's format, kept in its settings.
FORMAT = "nzc-programme/1"
#: The audit key file inside the folder (default place).
KEY_NAME = "audit.key"
#: Environment variable naming the register's key file instead.
KEY_ENV = "NZC_PROGRAMME_AUDIT_KEY"
#: Seconds a writer waits for the lock before the register reports itself busy.
BUSY_SECONDS = 30.0

T = TypeVar("T")

SCHEMA = """
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE applications (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, pilot_type TEXT NOT NULL, county TEXT NOT NULL,
    applicant TEXT, batch TEXT NOT NULL, registered_at TEXT NOT NULL);
CREATE TABLE versions (
    app_id TEXT NOT NULL REFERENCES applications(id), version INTEGER NOT NULL,
    file TEXT NOT NULL, source_name TEXT NOT NULL, sha256 TEXT NOT NULL,
    registered_at TEXT NOT NULL, registered_by TEXT NOT NULL, PRIMARY KEY (app_id, version));
CREATE TABLE transitions (
    id INTEGER PRIMARY KEY, app_id TEXT NOT NULL REFERENCES applications(id),
    status TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, doc TEXT, reason TEXT,
    date TEXT, title TEXT, source TEXT UNIQUE);
CREATE INDEX transitions_app ON transitions(app_id, id);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY, folder TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
    linked_at TEXT NOT NULL, linked_by TEXT NOT NULL);
CREATE TABLE session_apps (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    app_id TEXT NOT NULL REFERENCES applications(id), linked_at TEXT NOT NULL,
    PRIMARY KEY (session_id, app_id));
CREATE TABLE session_results (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    app_id TEXT NOT NULL REFERENCES applications(id), round INTEGER NOT NULL,
    outcome TEXT NOT NULL, status TEXT, applied INTEGER NOT NULL, note TEXT,
    finalized_at TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY (session_id, app_id, round));
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY, app_id TEXT NOT NULL REFERENCES applications(id),
    file TEXT NOT NULL, source_name TEXT NOT NULL, sha256 TEXT NOT NULL, years TEXT NOT NULL,
    linked_at TEXT NOT NULL, linked_by TEXT NOT NULL);
CREATE TABLE notices (
    id INTEGER PRIMARY KEY, batch TEXT, start_date TEXT NOT NULL, end_date TEXT NOT NULL,
    contact TEXT NOT NULL, doc TEXT, apps TEXT NOT NULL, created_at TEXT NOT NULL,
    created_by TEXT NOT NULL);
CREATE TABLE objections (
    id INTEGER PRIMARY KEY, app_id TEXT NOT NULL REFERENCES applications(id),
    notice_id INTEGER NOT NULL REFERENCES notices(id), received TEXT NOT NULL,
    content TEXT NOT NULL, sender TEXT, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
    decision TEXT, reason TEXT, decided_at TEXT, decided_by TEXT);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, actor_role TEXT NOT NULL,
    actor_name TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    action TEXT NOT NULL, before TEXT, after TEXT, prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL);
"""

#: The audited tables: entity (as events name it) → (table, the key of a row as text).
ENTITIES: dict[str, tuple[str, str]] = {
    "名录设置": ("settings", "name"),
    "申报": ("applications", "id"),
    "申报版本": ("versions", "app_id || '/' || CAST(version AS TEXT)"),
    "状态变更": ("transitions", "CAST(id AS TEXT)"),
    "评审会关联": ("sessions", "CAST(id AS TEXT)"),
    "评审会申报": ("session_apps", "CAST(session_id AS TEXT) || '/' || app_id"),
    "评审会结论": ("session_results",
                "CAST(session_id AS TEXT) || '/' || app_id || '/' || CAST(round AS TEXT)"),
    "信息披露": ("disclosures", "CAST(id AS TEXT)"),
    "公示": ("notices", "CAST(id AS TEXT)"),
    "异议": ("objections", "CAST(id AS TEXT)"),
}
_TABLE_ENTITY = {table: entity for entity, (table, _) in ENTITIES.items()}


def key_file(folder: Path) -> Path:
    """Where the register's audit key is: ``$NZC_PROGRAMME_AUDIT_KEY``, else ``DIR/audit.key``."""
    chosen = os.environ.get(KEY_ENV) or None
    return Path(chosen).expanduser() if chosen else Path(folder) / KEY_NAME


@dataclass
class Tx:
    """One open transaction: the connection, its time (UTC), who acts and the audit key."""

    conn: sqlite3.Connection
    now: str
    by: str
    role: str = "operator"
    key: bytes | None = None

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def last_event(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last event; ``(0, GENESIS)`` before the first."""
        row = self.one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        return (row["seq"], row["hash"]) if row else (0, GENESIS)

    def event(self, entity: str, entity_id: str, action: str, before: Any, after: Any) -> None:
        """Append one audit event chained to the last (the write lock is held)."""
        if self.key is None:
            raise ProgrammeError("审计密钥不可用，试点名录不能记录修改")
        seq, prev = self.last_event()
        fields = {
            "seq": seq + 1, "at": self.now, "actor": f"{self.role}:{self.by}",
            "actor_role": self.role, "actor_name": self.by, "entity": entity,
            "entity_id": entity_id, "action": action,
            "before": None if before is None else canonical_json(before),
            "after": None if after is None else canonical_json(after), "prev_hash": prev,
        }
        digest = event_hash(**fields, key=self.key)
        self.conn.execute(f"INSERT INTO events ({EVENT_COLUMNS_SQL}) VALUES "
                          f"({', '.join('?' * 12)})", (*fields.values(), digest))

    def snapshot(self, table: str, key: str) -> dict[str, Any] | None:
        """A row as plain data (every column), by its key as text."""
        expr = ENTITIES[_TABLE_ENTITY[table]][1]
        row = self.one(f"SELECT * FROM {table} WHERE {expr} = ?", (key,))
        return None if row is None else dict(row)

    def insert(self, table: str, row: Mapping[str, Any], action: str) -> str:
        """Insert ``row`` into ``table`` with its audit event; returns the row's key."""
        cols = ", ".join(f'"{c}"' for c in row)
        cur = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES "
                                f"({', '.join('?' * len(row))})", tuple(row.values()))
        key = _row_key(table, row, cur.lastrowid)
        self.event(_TABLE_ENTITY[table], key, action, None, self.snapshot(table, key))
        return key

    def update(self, table: str, key: str, changes: Mapping[str, Any], action: str) -> None:
        """Change columns of one row, with its audit event (before and after)."""
        before = self.snapshot(table, key)
        expr = ENTITIES[_TABLE_ENTITY[table]][1]
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE {expr} = ?",
                          (*changes.values(), key))
        self.event(_TABLE_ENTITY[table], key, action, before, self.snapshot(table, key))


def _row_key(table: str, row: Mapping[str, Any], rowid: int | None) -> str:
    if table == "settings":
        return str(row["name"])
    if table == "applications":
        return str(row["id"])
    if table == "versions":
        return f"{row['app_id']}/{row['version']}"
    if table == "session_apps":
        return f"{row['session_id']}/{row['app_id']}"
    if table == "session_results":
        return f"{row['session_id']}/{row['app_id']}/{row['round']}"
    return str(rowid)


def _key_event_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT after FROM events WHERE entity = ? ORDER BY seq LIMIT 1",
                       (KEY_ENTITY,)).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0]).get("key_id")
    except (ValueError, AttributeError):
        return None


class Database:
    """The database of one register folder (``DIR/programme.sqlite``).

    Raises
    ------
    NotAProgramme
        The folder holds no register.
    ProgrammeError
        The file is damaged or not a register's database.
    """

    def __init__(self, folder: str | os.PathLike[str], *,
                 clock: Callable[[], str] = utc_now):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self.key_path = key_file(self.folder)
        self._clock = clock
        self._key: bytes | None = None
        self._lock = threading.RLock()  # one connection, shared by a panel's threads
        if not self.path.is_file():
            raise NotAProgramme(f"{self.folder}: 不是试点名录文件夹（没有 {DB_NAME}）；"
                                "请先用 nzc-review programme init 建立名录")
        self._conn = self._connect(self.path)
        try:
            fmt = self.read(lambda tx: tx.one("SELECT value FROM settings WHERE name = 'format'"))
        except ProgrammeError:
            self._conn.close()
            raise
        if fmt is None or fmt[0] != FORMAT:
            self._conn.close()
            raise ProgrammeError(f"{self.path}: 不是本工具的试点名录数据库（格式 {FORMAT}）")

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            raise _damaged(path, exc) from None
        return conn

    @classmethod
    def create(cls, folder: str | os.PathLike[str], settings: Mapping[str, str], *, by: str,
               clock: Callable[[], str] = utc_now) -> Database:
        """Make a register in ``folder`` (created if missing) with these settings.

        The database is built under a temporary name and renamed into place, so a folder
        never holds half a register; the key file is made unless one is there already.

        Raises
        ------
        ProgrammeError
            The folder already holds a register, or cannot be written.
        """
        folder = Path(folder)
        target = folder / DB_NAME
        if target.exists():
            raise ProgrammeError(f"{folder}: 已经是试点名录文件夹（{DB_NAME} 已存在），不会覆盖")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProgrammeError(f"{folder}: 无法创建名录文件夹（{exc.strerror or exc}）") from None
        try:
            key, created = create_key(key_file(folder))
        except StoreError as exc:
            raise ProgrammeError(str(exc)) from None
        tmp = folder / f".{DB_NAME}.creating-{os.getpid()}"
        _remove(tmp)
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                conn.executescript(SCHEMA)
                conn.execute("BEGIN IMMEDIATE")
                tx = Tx(conn, clock(), by, key=key)
                tx.event(KEY_ENTITY, key_id(key), "enable", None,
                         {"key_id": key_id(key), "unkeyed_events": 0, "unkeyed_head": GENESIS})
                for name, value in {"format": FORMAT, **settings}.items():
                    tx.insert("settings", {"name": name, "value": value}, "建立")
                conn.execute("COMMIT")
            finally:
                conn.close()
            os.chmod(tmp, 0o600)
            if target.exists():
                raise ProgrammeError(f"{folder}: 已经是试点名录文件夹（{DB_NAME} 已存在），不会覆盖")
            os.replace(tmp, target)
        except BaseException:
            if created and not target.exists():
                key_file(folder).unlink(missing_ok=True)
            raise
        finally:
            _remove(tmp)
        return cls(folder, clock=clock)

    def close(self) -> None:
        self._conn.close()

    # --- transactions ------------------------------------------------------------------------

    def _run(self, fn: Callable[[Tx], T], *, by: str, role: str, write: bool) -> T:
        with self._lock:
            return self._attempt(fn, by=by, role=role, write=write)

    def _attempt(self, fn: Callable[[Tx], T], *, by: str, role: str, write: bool) -> T:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                tx = Tx(conn, self._clock(), by, role)
                if write:
                    tx.key = self._writing_key(tx)
                result = fn(tx)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise ProgrammeError(f"{self.path}: 名录数据库正被其他程序写入，"
                                     f"等待 {BUSY_SECONDS:g} 秒后仍未释放，请稍后再试") from None
            raise _damaged(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def read(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in a read transaction (one consistent view)."""
        return self._run(fn, by="reader", role="reader", write=False)

    def write(self, fn: Callable[[Tx], T], *, by: str, role: str = "operator") -> T:
        """Run ``fn`` in a write transaction; every change it makes writes its audit event."""
        return self._run(fn, by=by, role=role, write=True)

    def _writing_key(self, tx: Tx) -> bytes:
        if self._key is not None:
            return self._key
        try:
            key = read_key(self.key_path)
        except StoreError as exc:
            raise ProgrammeError(str(exc)) from None
        if key is None:
            raise ProgrammeError(f"{self.key_path}: 审计密钥文件不存在，试点名录不能记录任何修改；"
                                 f"密钥保存在其他介质上时，请用环境变量 {KEY_ENV} 指明其位置")
        recorded = _key_event_id(tx.conn)
        if recorded != key_id(key):
            raise ProgrammeError(f"{self.key_path}: 不是本名录的审计密钥（其指纹 {key_id(key)}，"
                                 f"名录记录为 {recorded}），为免审计链失效，不记录任何修改")
        self._key = key
        return key


def _damaged(path: Path, exc: BaseException) -> ProgrammeError:
    return ProgrammeError(f"{path}: 试点名录数据库无法读取或已损坏（{exc}），请用备份替换后再试")


def _remove(db: Path) -> None:
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
        leftover.unlink(missing_ok=True)
