"""The embedded review store: one SQLite database per review session folder.

``SESSION_DIR/review.sqlite`` in WAL mode (readers never wait for the writer), with a busy
timeout, foreign keys, ``synchronous=FULL`` (a committed save survives a power cut, not only
a crash) and the schema of :mod:`nzc_review.store.schema`.

Concurrency: every write runs in ``BEGIN IMMEDIATE`` (the write lock is taken at the start,
so two writers never deadlock upgrading a read lock), together with its audit event. When
the database is busy, SQLite itself waits up to ``busy_timeout``; beyond that the store
rolls back and retries the whole operation with jittered exponential backoff until
``retry_deadline``, and only then raises :class:`~nzc_review.store.base.StoreBusy` —
``database is locked`` never reaches a user. One store object may be shared by threads
(calls are serialised by a lock); processes each open their own.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nzc_review.errors import InputError
from nzc_review.store import access, validate
from nzc_review.store import conflicts as coi
from nzc_review.store.audit import (
    ENTITY_ZH,
    EVENT_COLUMNS_SQL,
    EVENT_FIELDS,
    GENESIS,
    KEY_ENTITY,
    canonical_json,
    check_head,
    event_hash,
    format_head,
    key_id,
    parse_head,
    utc_now,
    verify_chain,
)
from nzc_review.store.base import (
    RECOMMENDATION_ZH,
    RECOMMENDATIONS,
    ROLE_ZH,
    ROLES,
    SCORING_ROLES,
    Actor,
    ApplicationRecord,
    ApplicationVersion,
    Assignment,
    AuditEvent,
    AuthenticationFailed,
    Conflict,
    Consensus,
    Criterion,
    DatabaseDamaged,
    Expert,
    FinalizedFigures,
    ImportResult,
    InvalidField,
    NewExpert,
    NotFound,
    Opinion,
    PermissionDenied,
    Progress,
    ProgressCell,
    Review,
    ReviewRound,
    SessionInfo,
    StoreBusy,
    StoreError,
    VerifyResult,
    chair_scores,
    default_rules,
)
from nzc_review.store.keyfile import KEY_ENV, create_key, key_path, read_key, too_open
from nzc_review.store.schema import current_version, migrate
from nzc_review.store.tokens import check_token_shape, hash_token, new_token

__all__ = ["DB_NAME", "SQLiteStore"]

#: The database file inside a session folder.
DB_NAME = "review.sqlite"

T = TypeVar("T")

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def _is_busy(exc: sqlite3.Error) -> bool:
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


def _damaged(path: Path, detail: str) -> DatabaseDamaged:
    """The one sentence for a damaged database file."""
    return DatabaseDamaged(
        f"{path}: 评审数据库文件已损坏（{detail}），不能安全使用，请用备份替换该文件后再试"
    )


def _db_error(path: Path, exc: BaseException) -> StoreError:
    """A SQLite error (not busy) as a :class:`StoreError`: :class:`DatabaseDamaged` when the
    file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB, text that is not UTF-8)."""
    if isinstance(exc, UnicodeDecodeError):  # SQLite's own message held the broken text
        return _damaged(path, "其中有不是 UTF-8 编码的文字")
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    for english, chinese in _DAMAGE_ZH:
        if english in text.lower():
            return _damaged(path, chinese)
    if code is not None and (code & 0xFF) in _DAMAGE_CODES:
        return _damaged(path, f"SQLite：{text}")
    if isinstance(exc, json.JSONDecodeError):
        return _damaged(path, "其中保存的 JSON 数据无法解析")
    return StoreError(f"{path}: 数据库出错（{text}）")


def _affinity(declared: str) -> tuple[type, ...]:
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


def _json_key_id(text: object) -> str | None:
    """``key_id`` of a key event's ``after`` JSON (``None`` when unreadable)."""
    try:
        value = json.loads(str(text))
    except ValueError:
        return None
    return value.get("key_id") if isinstance(value, dict) else None


def _letters(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column style)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _same_data(a: Any, b: Any) -> bool:
    """Equal plain data, where ``6 == 6.0`` (Excel gives integers, YAML may give floats) but
    ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_data(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_data(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _text(value: object, where: str, *, required: bool = True, limit: int = 200) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(where, "empty", "must not be empty")
        return None
    if not isinstance(value, str):
        raise InvalidField(where, "not_text", f"expected text, got {type(value).__name__}")
    value = value.strip()
    if len(value) > limit:
        raise InvalidField(where, "too_long", f"longer than {limit} characters", limit=limit)
    return value


@dataclass
class _Tx:
    """One open transaction: the connection, its timestamp and the acting actor."""

    conn: sqlite3.Connection
    now: str
    actor: Actor
    key: bytes | None = None  # the audit key (write transactions)

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def event(self, entity: str, entity_id: str, action: str, before: Any, after: Any) -> None:
        """Append one audit event, chained to the last one (we hold the write lock)."""
        last = self.one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
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


# --- record snapshots: what events record, and what `verify` compares against -----------------


def _row_dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return None if row is None else {k: row[k] for k in row.keys()}


def _snap_session(tx: _Tx) -> dict[str, Any] | None:
    d = _row_dict(tx.one("SELECT * FROM session WHERE id = 1"))
    if d is not None:
        d["criteria"] = json.loads(d.pop("criteria_json"))
        d["rules"] = json.loads(d.pop("rules_json"))
    return d


def _snap_expert(tx: _Tx, expert_id: int) -> dict[str, Any] | None:
    d = _row_dict(tx.one("SELECT * FROM experts WHERE id = ?", (expert_id,)))
    if d is not None:
        # a fingerprint, not the hash itself, so that a swapped token hash is detected
        d["token_fingerprint"] = hash_token(d.pop("token_hash"))[:16]
    return d


def _snap_application(tx: _Tx, app_id: str) -> dict[str, Any] | None:
    return _row_dict(tx.one("SELECT * FROM applications WHERE id = ?", (app_id,)))


def _snap_version(tx: _Tx, app_id: str, version: int) -> dict[str, Any] | None:
    d = _row_dict(
        tx.one(
            "SELECT * FROM application_versions WHERE app_id = ? AND version = ?", (app_id, version)
        )
    )
    if d is not None:
        d["snapshot"] = json.loads(d.pop("snapshot_json"))
    return d


def _snap_assignment(tx: _Tx, expert_id: int, app_id: str) -> dict[str, Any] | None:
    return _row_dict(
        tx.one("SELECT * FROM assignments WHERE expert_id = ? AND app_id = ?", (expert_id, app_id))
    )


def _snap_conflict(tx: _Tx, conflict_id: int) -> dict[str, Any] | None:
    return _row_dict(tx.one("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)))


def _snap_review(tx: _Tx, expert_id: int, app_id: str) -> dict[str, Any] | None:
    d = _row_dict(
        tx.one("SELECT * FROM reviews WHERE expert_id = ? AND app_id = ?", (expert_id, app_id))
    )
    if d is not None:
        wj = d.pop("weights_json")
        d["weights"] = None if wj is None else json.loads(wj)
        d["scores"] = json.loads(d.pop("scores_json"))
    return d


def _snap_consensus(tx: _Tx, app_id: str) -> dict[str, Any] | None:
    d = _row_dict(tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,)))
    if d is not None and d.get("app_version") is None:
        # saved before consensus versions were recorded: as its audit event recorded it
        d.pop("app_version", None)
    return d


def _snap_figures(tx: _Tx, app_id: str) -> dict[str, Any] | None:
    d = _row_dict(tx.one("SELECT * FROM finalized_figures WHERE app_id = ?", (app_id,)))
    if d is not None:
        d["figures"] = json.loads(d.pop("figures_json"))
        d["rule"] = json.loads(d.pop("rule_json"))
    return d


def _snap_round(tx: _Tx, app_id: str, number: int) -> dict[str, Any] | None:
    d = _row_dict(
        tx.one("SELECT * FROM review_rounds WHERE app_id = ? AND round = ?", (app_id, number))
    )
    if d is not None:
        for key in ("consensus", "figures", "reviews"):
            text = d.pop(f"{key}_json")
            d[key] = None if text is None else json.loads(text)
    return d


def _round_id(ident: str) -> tuple[str, int]:
    """``HC-1#2`` → ``("HC-1", 2)`` (application ids hold no ``#``)."""
    app_id, number = ident.rsplit("#", 1)
    return app_id, int(number)


#: entity → (SQL listing the ids of current rows, snapshot of one id)
_ENTITIES: dict[str, tuple[str, Callable[[_Tx, str], dict[str, Any] | None]]] = {
    "session": ("SELECT '1' FROM session", lambda tx, i: _snap_session(tx)),
    "expert": ("SELECT CAST(id AS TEXT) FROM experts", lambda tx, i: _snap_expert(tx, int(i))),
    "application": ("SELECT id FROM applications", _snap_application),
    "application_version": (
        "SELECT app_id || '@v' || version FROM application_versions",
        lambda tx, i: _snap_version(tx, i.rsplit("@v", 1)[0], int(i.rsplit("@v", 1)[1])),
    ),
    "assignment": (
        "SELECT expert_id || '/' || app_id FROM assignments",
        lambda tx, i: _snap_assignment(tx, int(i.split("/", 1)[0]), i.split("/", 1)[1]),
    ),
    "conflict": (
        "SELECT CAST(id AS TEXT) FROM conflicts",
        lambda tx, i: _snap_conflict(tx, int(i)),
    ),
    "review": (
        "SELECT expert_id || '/' || app_id FROM reviews",
        lambda tx, i: _snap_review(tx, int(i.split("/", 1)[0]), i.split("/", 1)[1]),
    ),
    "consensus": ("SELECT app_id FROM consensus", _snap_consensus),
    "figures": ("SELECT app_id FROM finalized_figures", _snap_figures),
    "round": (
        "SELECT app_id || '#' || round FROM review_rounds",
        lambda tx, i: _snap_round(tx, *_round_id(i)),
    ),
}


class SQLiteStore:
    """The review store in ``SESSION_DIR/review.sqlite`` (see the module docstring).

    Parameters
    ----------
    session_dir:
        The review session folder; it must hold a database made by :meth:`create`.
    busy_timeout:
        Seconds SQLite waits for a lock before reporting busy.
    retry_deadline:
        Seconds the store keeps retrying a busy operation before :class:`StoreBusy`.
    synchronous:
        ``FULL`` (default: durable on power loss) or ``NORMAL`` (durable on a crash only).
    clock:
        Source of UTC timestamps (tests may pin it).
    audit_key:
        The audit key file (default ``$NZC_REVIEW_AUDIT_KEY``, else
        ``SESSION_DIR/audit.key``; see :mod:`nzc_review.store.keyfile`). Writing needs it;
        reading does not. A session written before keys existed gets one on first open
        (created here, and recorded by a key event that anchors the earlier events).
    check_on_open:
        Check the file before use (``PRAGMA integrity_check``, and every stored value read
        back as the type its column holds, text as UTF-8; :meth:`_check_sound`). A damaged
        file raises :class:`DatabaseDamaged` here rather than half-way through a command.
        The cost grows with the file: measured 0.7 s for a 62 MB store of 10,000 events
        with long opinions (about 12 ms per MB), against 2 ms without the check.

    Raises
    ------
    DatabaseDamaged
        The database file is damaged.
    StoreError
        Not a review session folder, or a database this version cannot read.
    """

    def __init__(
        self,
        session_dir: str | os.PathLike[str],
        *,
        busy_timeout: float = 10.0,
        retry_deadline: float = 60.0,
        synchronous: str = "FULL",
        clock: Callable[[], str] = utc_now,
        audit_key: str | os.PathLike[str] | None = None,
        check_on_open: bool = True,
        _path: Path | None = None,
    ):
        self.location = Path(session_dir)
        self.key_path = key_path(self.location, audit_key)
        self._key: bytes | None = None
        self._key_checked = False
        self.path = _path or self.location / DB_NAME
        if not self.path.is_file():
            raise StoreError(
                f"{self.location}: not a review session folder (no {DB_NAME}); "
                "create one with `nzc-review session create`"
            )
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise StoreError(f"synchronous must be FULL, NORMAL or EXTRA, got {synchronous!r}")
        self.busy_timeout = busy_timeout
        self.retry_deadline = retry_deadline
        self._synchronous = synchronous.upper()
        self._clock = clock
        self._lock = threading.RLock()
        self._session: SessionInfo | None = None
        self._conn = self._connect()
        try:
            if check_on_open:
                self._check_sound()
            self._with_retry(lambda: migrate(self._conn))
            self._ensure_keyed()
            self._session = self._transact(None, self._load_session, write=False)
        except BaseException:
            self._conn.close()
            raise

    # --- creation and connection ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        session_dir: str | os.PathLike[str],
        actor: Actor,
        *,
        name: str,
        date: str | None = None,
        batch: str | None = None,
        criteria: Sequence[Criterion] | Sequence[Any] | None = None,
        rules: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> SQLiteStore:
        """Create a review session in ``session_dir`` (made if missing) and open it.

        The database is built under a temporary name and renamed into place, so a session
        folder never holds a half-made database. The file is readable by its owner only.

        Raises
        ------
        StoreError
            The folder already holds a review session.
        InputError
            An empty name, bad criteria or rules.
        PermissionDenied
            ``actor`` is not the operator or a secretary.
        """
        access.require_manager(actor, "create a review session", str(session_dir))
        name = _text(name, "name")
        date = _text(date, "date", required=False, limit=40)
        batch = _text(batch, "batch", required=False)
        if criteria is None:
            from nzc_review.store.base import DEFAULT_CRITERIA

            crit = DEFAULT_CRITERIA
        elif all(isinstance(c, Criterion) for c in criteria):
            crit = validate.parse_criteria([c.to_dict() for c in criteria])
        else:
            crit = validate.parse_criteria(list(criteria))
        merged = default_rules()
        if rules:
            unknown = set(rules) - set(merged)
            if unknown:
                raise InputError("rules", [(sorted(unknown)[0], "unknown rule")])
            merged.update(rules)
        validate.check_rules(merged)
        session_dir = Path(session_dir)
        target = session_dir / DB_NAME
        if target.exists():
            raise StoreError(f"{session_dir}: already holds a review session ({DB_NAME})")
        session_dir.mkdir(parents=True, exist_ok=True)
        key_file = key_path(session_dir, options.get("audit_key"))
        key, key_created = create_key(key_file)
        tmp = session_dir / f".{DB_NAME}.creating-{os.getpid()}"
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        tmp.touch(mode=0o600)
        os.chmod(tmp, 0o600)
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA foreign_keys = ON")
                migrate(conn)
                conn.row_factory = sqlite3.Row
                conn.execute("BEGIN IMMEDIATE")
                now = options.get("clock", utc_now)()
                conn.execute(
                    "INSERT INTO session (id, name, date, batch, criteria_json, rules_json,"
                    " created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        date,
                        batch,
                        canonical_json([c.to_dict() for c in crit]),
                        canonical_json(merged),
                        now,
                    ),
                )
                tx = _Tx(conn, now, actor, key)
                kid = key_id(key)
                tx.event(
                    KEY_ENTITY,
                    kid,
                    "enable",
                    None,
                    {"key_id": kid, "unkeyed_events": 0, "unkeyed_head": GENESIS},
                )
                tx.event("session", "1", "create", None, _snap_session(tx))
                conn.execute("COMMIT")
            finally:
                conn.close()
            if target.exists():
                raise StoreError(f"{session_dir}: already holds a review session ({DB_NAME})")
            os.replace(tmp, target)
        except BaseException:
            if key_created and not target.exists():  # ours, and no session uses it
                key_file.unlink(missing_ok=True)
            raise
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)
        return cls(session_dir, **options)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self.busy_timeout,
            )
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            mode = self._with_retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"{self.path}: the database cannot use WAL mode (journal mode {mode}); "
                    "keep session folders on a local disk"
                )
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            conn.close()
            raise _db_error(self.path, exc) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_sound(self) -> None:
        """Refuse a damaged file before using it: ``PRAGMA integrity_check`` (pages, NOT
        NULL and CHECK constraints, and each index against its table —
        https://sqlite.org/pragma.html#pragma_integrity_check; ``quick_check`` skips the
        last, and a damaged index entry then surfaces only in the commands whose queries
        use that index), then every stored value read back (text must be UTF-8, each value
        of the type its column holds), so that no command works on a file another command
        finds damaged.

        Raises
        ------
        DatabaseDamaged
        """

        def check() -> None:
            cur = self._conn.cursor()
            cur.row_factory = None
            found = [str(r[0]) for r in cur.execute("PRAGMA integrity_check").fetchall()]
            if found != ["ok"]:
                lines = [ln.strip() for f in found for ln in f.splitlines() if ln.strip()]
                detail = next((ln for ln in lines if not ln.startswith("***")), "")
                raise _damaged(self.path, f"完整性检查未通过：{detail[:120]}")
            tables = cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            ).fetchall()
            for (table,) in tables:
                quoted = '"' + str(table).replace('"', '""') + '"'
                columns = cur.execute(f"PRAGMA table_info({quoted})").fetchall()
                kinds = [(str(c[1]), _affinity(str(c[2] or ""))) for c in columns]
                try:
                    for row in cur.execute(f"SELECT * FROM {quoted}"):
                        for value, (name, allowed) in zip(row, kinds, strict=True):
                            if not isinstance(value, allowed):
                                raise _damaged(
                                    self.path, f"表 {table} 的字段 {name} 中有类型不对的值"
                                )
                except (sqlite3.OperationalError, UnicodeDecodeError) as exc:
                    if "decode" not in str(exc).lower():
                        raise
                    raise _damaged(self.path, f"表 {table} 中有不是 UTF-8 编码的文字") from None

        self._with_retry(check)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.location)!r})"

    # --- transactions with retry ----------------------------------------------------------

    def _with_retry(self, fn: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_deadline
        delay = 0.002
        while True:
            try:
                return fn()
            except sqlite3.IntegrityError:
                raise
            except (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                if not isinstance(exc, sqlite3.OperationalError) or not _is_busy(exc):
                    raise _db_error(self.path, exc) from None
                if time.monotonic() + delay > deadline:
                    raise StoreBusy(
                        f"{self.path}: the review database stayed busy for more than "
                        f"{self.retry_deadline:g} s; try again"
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)

    def _transact(self, actor: Actor | None, fn: Callable[[_Tx], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction (``BEGIN IMMEDIATE`` when writing), retried whole
        when the database is busy. The actor is re-read from the database first."""

        def attempt() -> T:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                tx = _Tx(conn, self._clock(), actor or Actor(None, "operator", "system"))
                if actor is not None:
                    tx.actor = self._resolve(tx, actor)
                if write:
                    tx.key = self._writing_key(tx)
                result = fn(tx)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        with self._lock:
            try:
                return self._with_retry(attempt)
            except sqlite3.IntegrityError as exc:  # a rule the checks above should have caught
                raise StoreError(f"the change was refused by the database: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise _db_error(self.path, exc) from None

    def _write(self, actor: Actor, fn: Callable[[_Tx], T]) -> T:
        return self._transact(actor, fn, write=True)

    def _read(self, actor: Actor, fn: Callable[[_Tx], T]) -> T:
        return self._transact(actor, fn, write=False)

    # --- the audit key ----------------------------------------------------------------------

    @staticmethod
    def _key_event(tx: _Tx) -> sqlite3.Row | None:
        return tx.one(
            "SELECT seq, at, after FROM events WHERE entity = ? ORDER BY seq LIMIT 1", (KEY_ENTITY,)
        )

    def _writing_key(self, tx: _Tx) -> bytes:
        """The audit key, read once and checked against the key event, for a write.

        Raises
        ------
        StoreError
            No key file, or the key of another session (nothing is written: an event
            hashed with a wrong key would break the trail for good).
        """
        key = self._key or read_key(self.key_path)
        if key is None:
            raise StoreError(
                f"{self.key_path}: 审计密钥文件不存在，本评审会不能记录任何修改；密钥保存在其他介质上时，"
                f"请用环境变量 {KEY_ENV} 指明其位置",
                code="audit_key",
            )
        if not self._key_checked:
            row = self._key_event(tx)
            if row is not None:
                recorded = _json_key_id(row["after"])
                if recorded != key_id(key):
                    raise StoreError(
                        f"{self.key_path}: 不是本评审会的审计密钥（其指纹 {key_id(key)}，本评审会为 "
                        f"{recorded}），为免审计链失效，不记录任何修改",
                        code="audit_key",
                    )
                self._key_checked = True
        self._key = key
        return key

    def _ensure_keyed(self) -> None:
        """Give a session written before audit keys existed its key: create the key file
        (or use the one found) and append the key event, which records how many unkeyed
        events precede it and their head. Concurrent openers append it once."""
        if self._transact(None, self._key_event, write=False) is not None:
            return
        self._key, _ = create_key(self.key_path)

        def anchor(tx: _Tx) -> None:
            if self._key_event(tx) is not None:
                return
            last = tx.one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            count, head = (last["seq"], last["hash"]) if last else (0, GENESIS)
            kid = key_id(tx.key or b"")
            tx.event(
                KEY_ENTITY,
                kid,
                "enable",
                None,
                {"key_id": kid, "unkeyed_events": count, "unkeyed_head": head},
            )

        self._transact(Actor.operator(), anchor, write=True)

    # --- shared facts ---------------------------------------------------------------------

    def _load_session(self, tx: _Tx) -> SessionInfo:
        row = tx.one("SELECT * FROM session WHERE id = 1")
        if row is None:
            raise StoreError(f"{self.path}: the database holds no review session")
        crit = tuple(Criterion(**c) for c in json.loads(row["criteria_json"]))
        return SessionInfo(
            name=row["name"],
            date=row["date"],
            batch=row["batch"],
            criteria=crit,
            rules=json.loads(row["rules_json"]),
            created_at=row["created_at"],
            schema_version=current_version(tx.conn),
        )

    @property
    def _info(self) -> SessionInfo:
        assert self._session is not None
        return self._session

    def _resolve(self, tx: _Tx, actor: Actor) -> Actor:
        """The actor as the database knows them now: a role change or deactivation takes
        effect at once, and an Actor object with a made-up role is corrected."""
        if actor.expert_id is None:
            if actor.role != "operator":
                raise AuthenticationFailed(
                    actor.describe(), "act", "the review session", "unknown actor", "bad_token"
                )
            return actor
        row = tx.one("SELECT name, role, active FROM experts WHERE id = ?", (actor.expert_id,))
        if row is None:
            raise AuthenticationFailed(
                actor.describe(), "act", "the review session", "no such expert", "bad_token"
            )
        if not row["active"]:
            raise AuthenticationFailed(
                actor.describe(),
                "act",
                "the review session",
                "the expert's access was revoked",
                "inactive",
            )
        return Actor(actor.expert_id, row["role"], row["name"])

    def _app(self, tx: _Tx, app_id: str) -> sqlite3.Row:
        row = tx.one("SELECT * FROM applications WHERE id = ?", (app_id,))
        if row is None:
            raise NotFound(f"no application {app_id!r} in this review session")
        return row

    def _expert_row(self, tx: _Tx, expert_id: int) -> sqlite3.Row:
        row = tx.one("SELECT * FROM experts WHERE id = ?", (expert_id,))
        if row is None:
            raise NotFound(f"no expert #{expert_id} in this review session")
        return row

    @staticmethod
    def _conflicted(tx: _Tx, expert_id: int | None, app_id: str) -> bool:
        if expert_id is None:
            return False
        return (
            tx.one(
                "SELECT 1 FROM conflicts WHERE expert_id = ? AND app_id = ?"
                " AND status IN ('declared', 'confirmed') LIMIT 1",
                (expert_id, app_id),
            )
            is not None
        )

    @staticmethod
    def _recused_pairs(tx: _Tx) -> set[tuple[int, str]]:
        return {
            (r[0], r[1])
            for r in tx.all(
                "SELECT expert_id, app_id FROM conflicts WHERE status IN ('declared', 'confirmed')"
            )
        }

    @staticmethod
    def _pending_pairs(tx: _Tx) -> set[tuple[int, str]]:
        return {
            (r[0], r[1])
            for r in tx.all("SELECT expert_id, app_id FROM conflicts WHERE status = 'pending'")
        }

    @property
    def _chair_scores(self) -> bool:
        """The session's rule ``chair_scores`` (:func:`nzc_review.store.base.chair_scores`)."""
        return chair_scores(self._info.rules)

    @property
    def _scorers(self) -> tuple[str, ...]:
        """The roles that score in this session."""
        return ("expert", "chair") if self._chair_scores else ("expert",)

    def _scorer_sql(self) -> str:
        """``role IN (…)`` for the roles that score (constant text, no user input)."""
        return "role IN (" + ", ".join(f"'{r}'" for r in self._scorers) + ")"

    def _codes(self, tx: _Tx) -> dict[int, str]:
        """专家A, 专家B, … for the members who score, in the order they were added; the
        role's name (组长, 秘书, 分析人员) for the others."""
        codes: dict[int, str] = {}
        i = 0
        for row in tx.all("SELECT id, role FROM experts ORDER BY id"):
            if row["role"] in self._scorers:
                codes[row["id"]] = f"专家{_letters(i)}"
                i += 1
            else:
                codes[row["id"]] = ROLE_ZH.get(row["role"], row["role"])
        return codes

    def _labels(self, tx: _Tx) -> dict[int, str]:
        if self._info.rules.get("expert_display") == "names":
            return {r["id"]: r["name"] for r in tx.all("SELECT id, name FROM experts")}
        return self._codes(tx)

    # --- building records -----------------------------------------------------------------

    def _expert(self, row: sqlite3.Row, codes: Mapping[int, str]) -> Expert:
        return Expert(
            id=row["id"],
            code=codes.get(row["id"], ""),
            name=row["name"],
            organisation=row["organisation"],
            title=row["title"],
            field=row["field"],
            county=row["county"],
            role=row["role"],
            active=bool(row["active"]),
            created_at=row["created_at"],
        )

    @staticmethod
    def _application(row: sqlite3.Row) -> ApplicationRecord:
        return ApplicationRecord(
            id=row["id"],
            name=row["name"],
            pilot_type=row["pilot_type"],
            applicant_organization=row["applicant_org"],
            applicant_county=row["applicant_county"],
            version=row["current_version"],
            content_sha256=row["content_sha256"],
            source_name=row["source_name"],
            imported_at=row["imported_at"],
            status=row["status"],
            finalized_at=row["finalized_at"],
            finalized_by=row["finalized_by"],
            finalize_note=row["finalize_note"],
            round=row["round"],
        )

    _APP_SQL = (
        "SELECT a.*, v.name, v.pilot_type, v.applicant_org, v.applicant_county,"
        " v.content_sha256, v.source_name, v.imported_at,"
        " (SELECT count(*) FROM review_rounds rr WHERE rr.app_id = a.id) + 1 AS round"
        " FROM applications a"
        " JOIN application_versions v ON v.app_id = a.id AND v.version = a.current_version"
    )

    def _review(self, row: sqlite3.Row, labels: Mapping[int, str], recused: bool = False) -> Review:
        weights = None if row["weights_json"] is None else json.loads(row["weights_json"])
        scores = json.loads(row["scores_json"])
        return Review(
            expert_id=row["expert_id"],
            expert_label=labels.get(row["expert_id"], f"#{row['expert_id']}"),
            app_id=row["app_id"],
            app_version=row["app_version"],
            status=row["status"],
            weights=weights,
            scores=scores,
            opinion=Opinion(
                row["strengths"], row["problems"], row["revisions"], row["recommendation"]
            ),
            total=validate.weighted_total(self._info.criteria, scores, weights),
            saves=row["saves"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            submitted_at=row["submitted_at"],
            reopened_at=row["reopened_at"],
            reopened_by=row["reopened_by"],
            reopen_reason=row["reopen_reason"],
            recused=recused,
        )

    @staticmethod
    def _conflict(row: sqlite3.Row) -> Conflict:
        return Conflict(**{name: row[name] for name in Conflict.__dataclass_fields__})

    @staticmethod
    def _consensus(row: sqlite3.Row) -> Consensus:
        return Consensus(
            app_id=row["app_id"],
            opinion=row["opinion"],
            majority=row["majority"],
            minority=row["minority"],
            recommendation=row["recommendation"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
            app_version=row["app_version"],
        )

    # --- session and people ---------------------------------------------------------------

    def session(self, actor: Actor) -> SessionInfo:
        """The session: name, date, batch, criteria with default weights, rules."""
        return self._read(actor, lambda tx: self._info)

    def authenticate(self, token: str) -> Actor:
        """The panel member a personal token belongs to.

        Raises
        ------
        AuthenticationFailed
            An unknown or malformed token, or an expert whose access was revoked.
        """
        if not check_token_shape(token):
            raise AuthenticationFailed(
                "someone",
                "sign in",
                "the review session",
                "the access token is malformed",
                "bad_token",
            )
        digest = hash_token(token)

        def find(tx: _Tx) -> Actor:
            row = tx.one(
                "SELECT id, name, role, active FROM experts WHERE token_hash = ?", (digest,)
            )
            if row is None:
                raise AuthenticationFailed(
                    "someone",
                    "sign in",
                    "the review session",
                    "the access token is not valid",
                    "bad_token",
                )
            if not row["active"]:
                raise AuthenticationFailed(
                    row["name"],
                    "sign in",
                    "the review session",
                    "the expert's access was revoked",
                    "inactive",
                )
            return Actor(row["id"], row["role"], row["name"])

        return self._transact(None, find, write=False)

    def add_expert(
        self,
        actor: Actor,
        *,
        name: str,
        organisation: str,
        role: str = "expert",
        title: str | None = None,
        field: str | None = None,
        county: str | None = None,
    ) -> NewExpert:
        """Add a panel member and make their personal token (returned once, never stored).

        Conflicts of interest with the applications already imported are detected (for
        experts and the chair: a conflicted chair does not decide on that application).

        Raises
        ------
        InputError
            Empty name or organisation, unknown role.
        PermissionDenied
            ``actor`` does not manage the session.
        """
        clean = {
            "name": _text(name, "name"),
            "organisation": _text(organisation, "organisation"),
            "title": _text(title, "title", required=False),
            "field": _text(field, "field", required=False),
            "county": _text(county, "county", required=False),
        }
        if role not in ROLES:
            raise InvalidField(
                "role", "bad_choice", f"expected one of {', '.join(ROLES)}, got {role!r}"
            )
        token = new_token()

        def work(tx: _Tx) -> NewExpert:
            access.require_manager(tx.actor, "add an expert", "the review session")
            cur = tx.conn.execute(
                "INSERT INTO experts (name, organisation, title, field, county, role,"
                " token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*clean.values(), role, hash_token(token), tx.now),
            )
            expert_id = int(cur.lastrowid)
            tx.event("expert", str(expert_id), "create", None, _snap_expert(tx, expert_id))
            if role in SCORING_ROLES:
                self._detect(tx, expert_ids=[expert_id])
            row = self._expert_row(tx, expert_id)
            return NewExpert(self._expert(row, self._codes(tx)), token)

        return self._write(actor, work)

    def reset_token(self, actor: Actor, expert_id: int) -> NewExpert:
        """Give an expert a new personal token; the old link stops working at once."""
        token = new_token()

        def work(tx: _Tx) -> NewExpert:
            access.require_manager(tx.actor, "reset a token", f"expert #{expert_id}")
            self._expert_row(tx, expert_id)
            before = _snap_expert(tx, expert_id)
            tx.conn.execute(
                "UPDATE experts SET token_hash = ? WHERE id = ?", (hash_token(token), expert_id)
            )
            tx.event("expert", str(expert_id), "reset_token", before, _snap_expert(tx, expert_id))
            return NewExpert(self._expert(self._expert_row(tx, expert_id), self._codes(tx)), token)

        return self._write(actor, work)

    def set_active(self, actor: Actor, expert_id: int, active: bool) -> Expert:
        """Revoke (``False``) or restore an expert's access; their records stay."""

        def work(tx: _Tx) -> Expert:
            access.require_manager(tx.actor, "revoke or restore access", f"expert #{expert_id}")
            self._expert_row(tx, expert_id)
            before = _snap_expert(tx, expert_id)
            tx.conn.execute("UPDATE experts SET active = ? WHERE id = ?", (int(active), expert_id))
            tx.event(
                "expert",
                str(expert_id),
                "activate" if active else "deactivate",
                before,
                _snap_expert(tx, expert_id),
            )
            return self._expert(self._expert_row(tx, expert_id), self._codes(tx))

        return self._write(actor, work)

    def experts(self, actor: Actor) -> list[Expert]:
        """Panel members: all of them for the chair and secretary, oneself for an expert."""

        def work(tx: _Tx) -> list[Expert]:
            codes = self._codes(tx)
            rows = tx.all("SELECT * FROM experts ORDER BY id")
            if not access.can_read_all(tx.actor):
                rows = [r for r in rows if r["id"] == tx.actor.expert_id]
            return [self._expert(r, codes) for r in rows]

        return self._read(actor, work)

    # --- applications and assignments -------------------------------------------------------

    def import_application(
        self, actor: Actor, application: Any, *, content_sha256: str, source_name: str
    ) -> ImportResult:
        """Import a validated application (a snapshot of it) with its source file's hash.

        The same id with different content becomes the next version; earlier versions are
        kept. The same file (hash) or the same validated content (e.g. the YAML of an Excel
        file already imported) as the current version changes nothing. Conflicts of interest
        with the panel are detected for new and revised applications.

        A finalized application accepts a revised version only when the panel finalized it
        with 修改完善后推荐 (recommend after revision): the revised file opens the next
        review round (修改完善后复审). The closed round — the version it judged, its
        finalization, consensus, kept figures and every review — is kept whole
        (:meth:`rounds`); the application is open again at the new version, with the same
        assignments and conflicts of interest, no consensus and no review yet.

        Parameters
        ----------
        application:
            A :class:`nzc_review.policy.application.Application` (or anything with ``model_dump``).
        content_sha256:
            SHA-256 (hex) of the source file's bytes.
        source_name:
            The source file's name.

        Raises
        ------
        PermissionDenied
            ``actor`` does not manage the session, or the application is finalized with
            another conclusion than 修改完善后推荐 (code ``not_revisable``).
        """
        snapshot = application.model_dump(mode="json")
        snapshot_text = canonical_json(snapshot)
        app_id = snapshot["id"]
        validate.check_app_id(app_id, source_name)  # ids become folder names of reports
        applicant = snapshot.get("applicant") or {}
        if len(content_sha256) != 64:
            raise InputError("content_sha256", "expected 64 hex digits")

        def work(tx: _Tx) -> ImportResult:
            access.require_manager(tx.actor, "import an application", f"application {app_id}")
            row = tx.one("SELECT * FROM applications WHERE id = ?", (app_id,))
            new_round = None
            if row is not None:
                current = tx.one(
                    "SELECT content_sha256, snapshot_json FROM application_versions"
                    " WHERE app_id = ? AND version = ?",
                    (app_id, row["current_version"]),
                )
                if current["content_sha256"] == content_sha256 or _same_data(
                    json.loads(current["snapshot_json"]), snapshot
                ):  # the same file, or the same content in another file (YAML vs Excel)
                    return ImportResult(
                        app_id,
                        row["current_version"],
                        "unchanged",
                        content_sha256,
                        round=self._round_number(tx, app_id),
                    )
                if row["status"] == "finalized":
                    self._require_revisable(tx, app_id)
                    new_round = self._close_round(tx, row)
                version = row["current_version"] + 1
            else:
                version = 1
            before = _snap_application(tx, app_id)
            if row is None:
                tx.conn.execute(
                    "INSERT INTO applications (id, current_version) VALUES (?, 1)", (app_id,)
                )
            tx.conn.execute(
                "INSERT INTO application_versions (app_id, version, content_sha256,"
                " source_name, name, pilot_type, applicant_org, applicant_county,"
                " snapshot_json, imported_at, imported_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    app_id,
                    version,
                    content_sha256,
                    source_name,
                    snapshot["name"],
                    snapshot["pilot_type"],
                    applicant.get("organization"),
                    applicant.get("county"),
                    snapshot_text,
                    tx.now,
                    tx.actor.ident,
                ),
            )
            tx.event(
                "application_version",
                f"{app_id}@v{version}",
                "import",
                None,
                _snap_version(tx, app_id, version),
            )
            if row is not None:
                tx.conn.execute(
                    "UPDATE applications SET current_version = ?, status = 'open',"
                    " finalized_at = NULL, finalized_by = NULL, finalize_note = NULL"
                    " WHERE id = ?",
                    (version, app_id),
                )
            action = "create" if row is None else "new_round" if new_round else "revise"
            tx.event("application", app_id, action, before, _snap_application(tx, app_id))
            found = self._detect(tx, app_ids=[app_id])
            return ImportResult(
                app_id,
                version,
                "new" if row is None else "revised",
                content_sha256,
                tuple(found),
                round=self._round_number(tx, app_id),
                new_round=bool(new_round),
            )

        return self._write(actor, work)

    @staticmethod
    def _round_number(tx: _Tx, app_id: str) -> int:
        """The review round an application is in: closed rounds + 1."""
        return tx.one("SELECT count(*) FROM review_rounds WHERE app_id = ?", (app_id,))[0] + 1

    @staticmethod
    def _require_revisable(tx: _Tx, app_id: str) -> None:
        """A finalized application takes a revised version only after 修改完善后推荐."""
        cons = tx.one("SELECT recommendation FROM consensus WHERE app_id = ?", (app_id,))
        decided = cons["recommendation"] if cons is not None else None
        if decided != "recommend_after_revision":
            said = RECOMMENDATION_ZH.get(decided or "", "没有结论")
            raise PermissionDenied(
                tx.actor.describe(),
                "import a revised version",
                f"application {app_id}",
                f"it was finalized with the conclusion {said}; only an application finalized "
                "with 修改完善后推荐 (recommend after revision) accepts a revised file",
                "not_revisable",
            )

    def _close_round(self, tx: _Tx, app: sqlite3.Row) -> int:
        """Keep the finalized round of ``app`` whole in ``review_rounds`` and clear its live
        records (reviews, consensus, kept figures), each change audited. Returns the number
        of the round that opens."""
        app_id = app["id"]
        number = self._round_number(tx, app_id)
        reviews = [
            _snap_review(tx, r["expert_id"], app_id)
            for r in tx.all(
                "SELECT expert_id FROM reviews WHERE app_id = ? ORDER BY expert_id", (app_id,)
            )
        ]
        consensus, figures = _snap_consensus(tx, app_id), _snap_figures(tx, app_id)
        tx.conn.execute(
            "INSERT INTO review_rounds (app_id, round, app_version, finalized_at, finalized_by,"
            " finalize_note, consensus_json, figures_json, reviews_json, closed_at, closed_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                app_id,
                number,
                app["current_version"],
                app["finalized_at"],
                app["finalized_by"],
                app["finalize_note"],
                None if consensus is None else canonical_json(consensus),
                None if figures is None else canonical_json(figures),
                canonical_json(reviews),
                tx.now,
                tx.actor.ident,
            ),
        )
        tx.event("round", f"{app_id}#{number}", "close", None, _snap_round(tx, app_id, number))
        for review in reviews:
            eid = review["expert_id"]
            tx.conn.execute("DELETE FROM reviews WHERE expert_id = ? AND app_id = ?", (eid, app_id))
            tx.event("review", f"{eid}/{app_id}", "archive", review, None)
        if consensus is not None:
            tx.conn.execute("DELETE FROM consensus WHERE app_id = ?", (app_id,))
            tx.event("consensus", app_id, "archive", consensus, None)
        if figures is not None:
            tx.conn.execute("DELETE FROM finalized_figures WHERE app_id = ?", (app_id,))
            tx.event("figures", app_id, "archive", figures, None)
        return number + 1

    def applications(self, actor: Actor) -> list[ApplicationRecord]:
        """Applications at their current version: all for the chair, the secretary and the
        analyst, the assigned ones for an expert."""

        def work(tx: _Tx) -> list[ApplicationRecord]:
            if access.can_read_applications(tx.actor):
                rows = tx.all(self._APP_SQL + " ORDER BY a.id")
            else:
                rows = tx.all(
                    self._APP_SQL + " JOIN assignments s ON s.app_id = a.id"
                    " WHERE s.expert_id = ? ORDER BY a.id",
                    (tx.actor.expert_id,),
                )
            return [self._application(r) for r in rows]

        return self._read(actor, work)

    def versions(self, actor: Actor, app_id: str | None = None) -> list[ApplicationVersion]:
        """Every imported version (of one application, or of all), oldest first: chair and
        secretary."""

        def work(tx: _Tx) -> list[ApplicationVersion]:
            access.require_reader_of_all(
                tx.actor, "list application versions", "the review session"
            )
            sql, params = "SELECT * FROM application_versions", ()
            if app_id is not None:
                self._app(tx, app_id)
                sql, params = sql + " WHERE app_id = ?", (app_id,)
            return [
                ApplicationVersion(
                    app_id=r["app_id"],
                    version=r["version"],
                    name=r["name"],
                    pilot_type=r["pilot_type"],
                    applicant_organization=r["applicant_org"],
                    applicant_county=r["applicant_county"],
                    content_sha256=r["content_sha256"],
                    source_name=r["source_name"],
                    imported_at=r["imported_at"],
                    imported_by=r["imported_by"],
                )
                for r in tx.all(sql + " ORDER BY app_id, version", params)
            ]

        return self._read(actor, work)

    def application_snapshot(
        self, actor: Actor, app_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """The imported application (validated ``nzc-application/1`` data) at ``version``
        (default: current): for the chair, the secretary, the analyst, and an expert it is
        assigned to."""

        def work(tx: _Tx) -> dict[str, Any]:
            app = self._app(tx, app_id)
            if not access.can_read_applications(tx.actor) and not tx.one(
                "SELECT 1 FROM assignments WHERE expert_id = ? AND app_id = ?",
                (tx.actor.expert_id, app_id),
            ):
                raise PermissionDenied(
                    tx.actor.describe(),
                    "read",
                    f"application {app_id}",
                    "the application is not assigned to them",
                    "not_assigned",
                )
            v = version or app["current_version"]
            row = tx.one(
                "SELECT snapshot_json FROM application_versions WHERE app_id = ? AND version = ?",
                (app_id, v),
            )
            if row is None:
                raise NotFound(f"application {app_id} has no version {v}")
            return json.loads(row["snapshot_json"])

        return self._read(actor, work)

    def assign(
        self,
        actor: Actor,
        expert_ids: Sequence[int] | None = None,
        app_ids: Sequence[str] | None = None,
    ) -> int:
        """Assign applications to experts; ``None`` means all (scoring members, open
        applications). Existing assignments are kept. Returns the number of new ones.

        Raises
        ------
        StoreError
            A member who does not score named explicitly: the secretary, an analyst, or the
            chair when the session's rule ``chair_scores`` is false.
        PermissionDenied
            ``actor`` does not manage the session; an application named explicitly is
            finalized.
        """

        def work(tx: _Tx) -> int:
            access.require_manager(tx.actor, "assign applications", "the review session")
            if expert_ids is None:
                experts = [
                    r["id"]
                    for r in tx.all(
                        f"SELECT id FROM experts WHERE {self._scorer_sql()} AND active = 1"
                        " ORDER BY id"
                    )
                ]
            else:
                experts = []
                for eid in expert_ids:
                    row = self._expert_row(tx, eid)
                    if row["role"] not in self._scorers:
                        rule = (
                            " in this session (rule chair_scores: false)"
                            if row["role"] == "chair"
                            else ""
                        )
                        raise StoreError(
                            f"expert #{eid} ({row['name']}) is the {row['role']}, who does "
                            f"not score{rule}; assign the experts who score",
                            code="not_a_scorer",
                            expert=row["name"],
                            role=row["role"],
                        )
                    experts.append(eid)
            if app_ids is None:
                apps = [
                    r["id"]
                    for r in tx.all("SELECT id FROM applications WHERE status = 'open' ORDER BY id")
                ]
            else:
                apps = []
                for aid in app_ids:
                    app = self._app(tx, aid)
                    access.require_not_finalized(
                        tx.actor, "assign", aid, app["status"] == "finalized"
                    )
                    apps.append(aid)
            added = 0
            for eid in experts:
                for aid in apps:
                    cur = tx.conn.execute(
                        "INSERT OR IGNORE INTO assignments (expert_id, app_id, assigned_at,"
                        " assigned_by) VALUES (?, ?, ?, ?)",
                        (eid, aid, tx.now, tx.actor.ident),
                    )
                    if cur.rowcount:
                        added += 1
                        tx.event(
                            "assignment",
                            f"{eid}/{aid}",
                            "create",
                            None,
                            _snap_assignment(tx, eid, aid),
                        )
            return added

        return self._write(actor, work)

    @staticmethod
    def _cell_status(
        expert_id: int, app_id: str, review_status: str | None, recused: set[tuple[int, str]]
    ) -> str:
        if (expert_id, app_id) in recused:
            return "recused"
        return review_status or "not_started"

    def assignments(self, actor: Actor) -> list[Assignment]:
        """Assignments with the review's state: one's own for an expert, all for the chair
        and secretary."""

        def work(tx: _Tx) -> list[Assignment]:
            sql = (
                "SELECT s.expert_id, s.app_id, v.name, a.status AS app_status,"
                " r.status AS review_status FROM assignments s"
                " JOIN applications a ON a.id = s.app_id"
                " JOIN application_versions v ON v.app_id = a.id AND v.version = a.current_version"
                " LEFT JOIN reviews r ON r.expert_id = s.expert_id AND r.app_id = s.app_id"
            )
            if access.can_read_all(tx.actor) and tx.actor.role != "chair":
                rows = tx.all(sql + " ORDER BY s.expert_id, s.app_id")
            elif tx.actor.role == "chair":
                rows = tx.all(
                    sql + " ORDER BY s.expert_id <> ?, s.expert_id, s.app_id", (tx.actor.expert_id,)
                )
            else:
                rows = tx.all(
                    sql + " WHERE s.expert_id = ? ORDER BY s.app_id", (tx.actor.expert_id,)
                )
            recused, pending = self._recused_pairs(tx), self._pending_pairs(tx)
            return [
                Assignment(
                    expert_id=r["expert_id"],
                    app_id=r["app_id"],
                    app_name=r["name"],
                    status=self._cell_status(
                        r["expert_id"], r["app_id"], r["review_status"], recused
                    ),
                    conflict_pending=(r["expert_id"], r["app_id"]) in pending,
                    finalized=r["app_status"] == "finalized",
                )
                for r in rows
            ]

        return self._read(actor, work)

    # --- conflicts of interest --------------------------------------------------------------

    def _detect(
        self,
        tx: _Tx,
        *,
        expert_ids: Sequence[int] | None = None,
        app_ids: Sequence[str] | None = None,
    ) -> list[Conflict]:
        """Record new detected conflicts (pending) for the given experts × open
        applications; existing ones (whatever their status) are left alone."""
        experts = tx.all(
            "SELECT id, organisation, county FROM experts WHERE role IN ('expert', 'chair')"
            + (f" AND id IN ({','.join('?' * len(expert_ids))})" if expert_ids else ""),
            tuple(expert_ids or ()),
        )
        apps = tx.all(
            self._APP_SQL
            + " WHERE a.status = 'open'"
            + (f" AND a.id IN ({','.join('?' * len(app_ids))})" if app_ids else ""),
            tuple(app_ids or ()),
        )
        found: list[Conflict] = []
        for e in experts:
            for a in apps:
                for ground in coi.detect(
                    e["organisation"], e["county"], a["applicant_org"], a["applicant_county"]
                ):
                    cur = tx.conn.execute(
                        "INSERT OR IGNORE INTO conflicts (expert_id, app_id, kind, basis,"
                        " detail, status, recorded_at, recorded_by)"
                        " VALUES (?, ?, 'detected', ?, ?, 'pending', ?, ?)",
                        (e["id"], a["id"], ground.basis, ground.detail, tx.now, tx.actor.ident),
                    )
                    if cur.rowcount:
                        cid = int(cur.lastrowid)
                        tx.event("conflict", str(cid), "detect", None, _snap_conflict(tx, cid))
                        found.append(
                            self._conflict(tx.one("SELECT * FROM conflicts WHERE id = ?", (cid,)))
                        )
        return found

    def conflicts(self, actor: Actor, *, status: str | None = None) -> list[Conflict]:
        """Conflicts of interest (all for the chair and secretary, one's own for an
        expert), optionally only those with ``status``."""

        def work(tx: _Tx) -> list[Conflict]:
            sql, params = "SELECT * FROM conflicts WHERE 1 = 1", []
            if not access.can_read_all(tx.actor):
                sql += " AND expert_id = ?"
                params.append(tx.actor.expert_id)
            if status is not None:
                sql += " AND status = ?"
                params.append(status)
            return [self._conflict(r) for r in tx.all(sql + " ORDER BY id", params)]

        return self._read(actor, work)

    def declare_conflict(
        self, actor: Actor, app_id: str, reason: str, *, expert_id: int | None = None
    ) -> Conflict:
        """Declare a conflict of interest: an expert for themself, or the secretary on an
        expert's behalf (``expert_id``). A declared conflict recuses at once and cannot be
        waived.

        Raises
        ------
        PermissionDenied
            Declaring for someone else without managing the session; the application is
            finalized.
        """
        reason = _text(reason, "reason", limit=2000)

        def work(tx: _Tx) -> Conflict:
            who = tx.actor
            target = expert_id if expert_id is not None else who.expert_id
            if target is None:
                raise InputError("expert_id", "name the expert who has the conflict")
            if target != who.expert_id:
                access.require_manager(
                    who, "declare a conflict of interest on behalf of", f"expert #{target}"
                )
            self._expert_row(tx, target)
            app = self._app(tx, app_id)
            access.require_not_finalized(
                who, "declare a conflict of interest", app_id, app["status"] == "finalized"
            )
            existing = tx.one(
                "SELECT * FROM conflicts WHERE expert_id = ? AND app_id = ? AND kind = 'declared'",
                (target, app_id),
            )
            if existing is not None:
                return self._conflict(existing)
            cur = tx.conn.execute(
                "INSERT INTO conflicts (expert_id, app_id, kind, basis, detail, status, reason,"
                " recorded_at, recorded_by) VALUES (?, ?, 'declared', 'declared', ?, 'declared',"
                " ?, ?, ?)",
                (target, app_id, reason, reason, tx.now, who.ident),
            )
            cid = int(cur.lastrowid)
            tx.event("conflict", str(cid), "declare", None, _snap_conflict(tx, cid))
            return self._conflict(tx.one("SELECT * FROM conflicts WHERE id = ?", (cid,)))

        return self._write(actor, work)

    def decide_conflict(
        self, actor: Actor, conflict_id: int, decision: str, reason: str
    ) -> Conflict:
        """Confirm (the expert is recused) or waive a detected conflict, with a reason.

        ``decision`` is ``confirm`` or ``waive``; a decision may be revised while the
        application is open.

        Raises
        ------
        PermissionDenied
            ``actor`` does not manage the session; the conflict was declared (declared
            conflicts cannot be waived); the application is finalized.
        """
        if decision not in ("confirm", "waive"):
            raise InputError("decision", f"expected confirm or waive, got {decision!r}")
        reason = _text(reason, "reason", limit=2000)
        status = "confirmed" if decision == "confirm" else "waived"

        def work(tx: _Tx) -> Conflict:
            access.require_manager(
                tx.actor, f"{decision} a conflict of interest", f"conflict #{conflict_id}"
            )
            row = tx.one("SELECT * FROM conflicts WHERE id = ?", (conflict_id,))
            if row is None:
                raise NotFound(f"no conflict of interest #{conflict_id}")
            if row["kind"] == "declared":
                raise PermissionDenied(
                    tx.actor.describe(),
                    f"{decision} a conflict of interest",
                    f"conflict #{conflict_id}",
                    "the expert declared it; a declared conflict always recuses",
                    "declared_conflict",
                )
            app = self._app(tx, row["app_id"])
            access.require_not_finalized(
                tx.actor,
                f"{decision} a conflict of interest",
                row["app_id"],
                app["status"] == "finalized",
            )
            before = _snap_conflict(tx, conflict_id)
            tx.conn.execute(
                "UPDATE conflicts SET status = ?, reason = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ?",
                (status, reason, tx.now, tx.actor.ident, conflict_id),
            )
            tx.event(
                "conflict", str(conflict_id), decision, before, _snap_conflict(tx, conflict_id)
            )
            return self._conflict(tx.one("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)))

        return self._write(actor, work)

    # --- reviews ------------------------------------------------------------------------------

    def _score_facts(self, tx: _Tx, action: str, expert_id: int, app_id: str) -> sqlite3.Row | None:
        app = self._app(tx, app_id)
        review = tx.one(
            "SELECT status FROM reviews WHERE expert_id = ? AND app_id = ?", (expert_id, app_id)
        )
        assigned = (
            tx.one(
                "SELECT 1 FROM assignments WHERE expert_id = ? AND app_id = ?", (expert_id, app_id)
            )
            is not None
        )
        access.require_can_score(
            tx.actor,
            action,
            expert_id=expert_id,
            app_id=app_id,
            finalized=app["status"] == "finalized",
            assigned=assigned,
            conflicted=self._conflicted(tx, expert_id, app_id),
            submitted=review is not None and review["status"] == "submitted",
            chair_scores=self._chair_scores,
        )
        return app

    def _review_out(self, tx: _Tx, expert_id: int, app_id: str) -> Review:
        row = tx.one(
            "SELECT * FROM reviews WHERE expert_id = ? AND app_id = ?", (expert_id, app_id)
        )
        return self._review(row, self._labels(tx), self._conflicted(tx, expert_id, app_id))

    def save_draft(
        self,
        actor: Actor,
        app_id: str,
        *,
        weights: Mapping[str, Any] | None = None,
        scores: Mapping[str, Any] | None = None,
        opinion: Opinion | Mapping[str, Any] | None = None,
    ) -> Review:
        """Save the actor's own draft review of an application.

        Each part given replaces the stored one; ``None`` leaves it as it is. ``weights={}``
        clears the weights (the session's defaults apply). Drafts may be incomplete.

        Parameters
        ----------
        weights:
            ``{"method": "direct", "points": {criterion: points}}``, a plain ``{criterion:
            points}`` mapping, or ``{"method": "pairwise", "matrix": [[...]]}``; criteria by
            id or Chinese name (see :func:`nzc_review.store.validate.normalise_weights`).
        scores:
            ``{criterion: score}`` with scores in the session's range (0–100).
        opinion:
            An :class:`Opinion` or a mapping with ``strengths`` (主要优点), ``problems``
            (存在问题), ``revisions`` (修改意见) and ``recommendation``.

        Raises
        ------
        InputError
            A score, weight or opinion field that does not fit the session's criteria.
        PermissionDenied
            Not their own record, not assigned, recused, submitted (locked), finalized, or
            a role that does not score.
        """
        info = self._info
        w = None
        if weights is not None:
            w = validate.normalise_weights(info.criteria, weights) if weights else {}
        s = None
        if scores is not None:
            s = validate.normalise_scores(
                info.criteria,
                scores,
                float(info.rules["score_min"]),
                float(info.rules["score_max"]),
            )
        o = None if opinion is None else validate.normalise_opinion(opinion)

        def work(tx: _Tx) -> Review:
            me = tx.actor.expert_id
            app = self._score_facts(tx, "save scores", me if me is not None else -1, app_id)
            before = _snap_review(tx, me, app_id)
            if before is None:
                tx.conn.execute(
                    "INSERT INTO reviews (expert_id, app_id, app_version, status, created_at,"
                    " updated_at) VALUES (?, ?, ?, 'draft', ?, ?)",
                    (me, app_id, app["current_version"], tx.now, tx.now),
                )
            sets = ["app_version = ?", "updated_at = ?", "saves = saves + 1"]
            params: list[Any] = [app["current_version"], tx.now]
            if w is not None:
                sets.append("weights_json = ?")
                params.append(canonical_json(w) if w else None)
            if s is not None:
                sets.append("scores_json = ?")
                params.append(canonical_json(s))
            if o is not None:
                sets.append("strengths = ?, problems = ?, revisions = ?, recommendation = ?")
                params += [o.strengths, o.problems, o.revisions, o.recommendation]
            tx.conn.execute(
                f"UPDATE reviews SET {', '.join(sets)} WHERE expert_id = ? AND app_id = ?",
                (*params, me, app_id),
            )
            tx.event("review", f"{me}/{app_id}", "save_draft", before, _snap_review(tx, me, app_id))
            return self._review_out(tx, me, app_id)

        return self._write(actor, work)

    def submit(self, actor: Actor, app_id: str) -> Review:
        """Submit (and lock) the actor's own review of an application.

        Raises
        ------
        InputError
            The review is incomplete (criteria not scored, weights incomplete, no
            recommendation, no 修改意见 when recommending after revision).
        StoreError
            Nothing saved yet.
        PermissionDenied
            As for :meth:`save_draft`.
        """

        def work(tx: _Tx) -> Review:
            me = tx.actor.expert_id
            app = self._score_facts(tx, "submit a review", me if me is not None else -1, app_id)
            before = _snap_review(tx, me, app_id)
            if before is None:
                raise StoreError(
                    f"nothing to submit for application {app_id}: save a draft first",
                    code="nothing_saved",
                )
            op = Opinion(
                before["strengths"],
                before["problems"],
                before["revisions"],
                before["recommendation"],
            )
            missing = validate.check_complete(
                self._info.criteria, before["scores"], before["weights"], op
            )
            if missing:
                raise InputError(f"review of application {app_id}", missing)
            tx.conn.execute(
                "UPDATE reviews SET status = 'submitted', submitted_at = ?, updated_at = ?,"
                " app_version = ? WHERE expert_id = ? AND app_id = ?",
                (tx.now, tx.now, app["current_version"], me, app_id),
            )
            tx.event("review", f"{me}/{app_id}", "submit", before, _snap_review(tx, me, app_id))
            return self._review_out(tx, me, app_id)

        return self._write(actor, work)

    def my_review(self, actor: Actor, app_id: str) -> Review | None:
        """The actor's own review of an application (``None`` before the first save)."""

        def work(tx: _Tx) -> Review | None:
            self._app(tx, app_id)
            me = tx.actor.expert_id
            if me is None:
                return None
            row = tx.one("SELECT * FROM reviews WHERE expert_id = ? AND app_id = ?", (me, app_id))
            if row is None:
                return None
            return self._review(row, self._labels(tx), self._conflicted(tx, me, app_id))

        return self._read(actor, work)

    def scores_for(self, actor: Actor, app_id: str) -> list[Review]:
        """The reviews of an application that count (recused experts left out).

        The chair and the secretary see every review, drafts included (check ``status``).
        An expert sees their own and, once they have submitted theirs, the other experts'
        submitted reviews (blind review).

        Raises
        ------
        PermissionDenied
            An expert who has not submitted their own review of it (blind review).
        """

        def work(tx: _Tx) -> list[Review]:
            app = self._app(tx, app_id)
            access.require_can_see_scores(tx.actor, app_id, finalized=app["status"] == "finalized")
            me = tx.actor.expert_id
            if not access.can_read_all(tx.actor):
                own = tx.one(
                    "SELECT status FROM reviews WHERE expert_id = ? AND app_id = ?", (me, app_id)
                )
                access.require_can_read_reviews(
                    tx.actor,
                    app_id,
                    own_submitted=own is not None
                    and own["status"] == "submitted"
                    and not self._conflicted(tx, me, app_id),
                )
            recused = self._recused_pairs(tx)
            labels = self._labels(tx)
            out = []
            for row in tx.all(
                "SELECT * FROM reviews WHERE app_id = ? ORDER BY expert_id", (app_id,)
            ):
                if (row["expert_id"], app_id) in recused:
                    continue
                if (
                    not access.can_read_all(tx.actor)
                    and row["expert_id"] != me
                    and row["status"] != "submitted"
                ):
                    continue
                out.append(self._review(row, labels))
            return out

        return self._read(actor, work)

    def reviews(self, actor: Actor, app_id: str | None = None) -> list[Review]:
        """Every review (drafts and recused included, flagged), for reports: the chair, the
        operator and the secretary — the secretary only those of finalized applications
        (access rule 7: asked for an open one, refused; asked for all, those are left out).
        """

        def work(tx: _Tx) -> list[Review]:
            access.require_reader_of_all(tx.actor, "read every review", "the review session")
            recused, labels = self._recused_pairs(tx), self._labels(tx)
            sql, params = "SELECT * FROM reviews", ()
            if app_id is not None:
                app = self._app(tx, app_id)
                access.require_can_see_scores(
                    tx.actor, app_id, finalized=app["status"] == "finalized"
                )
                sql, params = sql + " WHERE app_id = ?", (app_id,)
            elif tx.actor.role == "secretary":
                sql += " WHERE app_id IN (SELECT id FROM applications WHERE status = 'finalized')"
            rows = tx.all(sql + " ORDER BY app_id, expert_id", params)
            return [self._review(r, labels, (r["expert_id"], r["app_id"]) in recused) for r in rows]

        return self._read(actor, work)

    def reopen(self, actor: Actor, expert_id: int, app_id: str, reason: str) -> Review:
        """Reopen a submitted review (back to draft): the chair only, with a reason.

        Raises
        ------
        PermissionDenied
            Not the chair, a conflicted chair, or a finalized application.
        StoreError
            The review is not submitted.
        """
        reason = _text(reason, "reason", limit=2000)

        def work(tx: _Tx) -> Review:
            target = f"the review of expert #{expert_id} for application {app_id}"
            access.require_chair(tx.actor, "reopen", target)
            app = self._app(tx, app_id)
            access.require_not_finalized(
                tx.actor, "reopen a review", app_id, app["status"] == "finalized"
            )
            access.require_not_conflicted(
                tx.actor,
                "reopen a review",
                app_id,
                self._conflicted(tx, tx.actor.expert_id, app_id),
            )
            before = _snap_review(tx, expert_id, app_id)
            if before is None or before["status"] != "submitted":
                raise StoreError(
                    f"{target} is not submitted; there is nothing to reopen",
                    code="not_submitted",
                )
            tx.conn.execute(
                "UPDATE reviews SET status = 'draft', reopened_at = ?, reopened_by = ?,"
                " reopen_reason = ?, updated_at = ? WHERE expert_id = ? AND app_id = ?",
                (tx.now, tx.actor.ident, reason, tx.now, expert_id, app_id),
            )
            tx.event(
                "review",
                f"{expert_id}/{app_id}",
                "reopen",
                before,
                _snap_review(tx, expert_id, app_id),
            )
            return self._review_out(tx, expert_id, app_id)

        return self._write(actor, work)

    def progress(self, actor: Actor) -> Progress:
        """The progress grid experts × applications (an expert sees their own row): the
        members who score (the chair only under the rule ``chair_scores``). The secretary
        sees it too — who has submitted, not what (access rule 7)."""

        def work(tx: _Tx) -> Progress:
            codes = self._codes(tx)
            experts = [
                self._expert(r, codes)
                for r in tx.all(f"SELECT * FROM experts WHERE {self._scorer_sql()} ORDER BY id")
            ]
            if not access.can_read_all(tx.actor):
                experts = [e for e in experts if e.id == tx.actor.expert_id]
            apps = [self._application(r) for r in tx.all(self._APP_SQL + " ORDER BY a.id")]
            ids = {e.id for e in experts}
            recused, pending = self._recused_pairs(tx), self._pending_pairs(tx)
            rows = tx.all(
                "SELECT s.expert_id, s.app_id, r.status FROM assignments s LEFT JOIN reviews r"
                " ON r.expert_id = s.expert_id AND r.app_id = s.app_id"
            )
            cells = {}
            for r in rows:
                if r["expert_id"] not in ids:
                    continue
                key = (r["expert_id"], r["app_id"])
                cells[key] = ProgressCell(
                    r["expert_id"],
                    r["app_id"],
                    self._cell_status(r["expert_id"], r["app_id"], r["status"], recused),
                    key in pending,
                )
            if not access.can_read_all(tx.actor):
                apps = [a for a in apps if any((e, a.id) in cells for e in ids)]
            return Progress(tuple(experts), tuple(apps), cells)

        return self._read(actor, work)

    # --- consensus and finalization ---------------------------------------------------------

    def set_consensus(
        self,
        actor: Actor,
        app_id: str,
        *,
        opinion: str,
        recommendation: str | None,
        majority: str = "",
        minority: str = "",
    ) -> Consensus:
        """Write the panel's consensus (专家组评审意见): the chair only, while the
        application is open.

        Parameters
        ----------
        opinion:
            The consensus opinion text.
        recommendation:
            ``recommend`` / ``recommend_after_revision`` / ``do_not_recommend`` (or
            ``None`` while undecided).
        majority, minority:
            The majority view and any minority (dissenting) view.

        The consensus holds no score: the panel's figures are computed from the reviews
        (:func:`nzc_review.meeting.figures.panel_figures`) and kept at finalization. It records the
        version of the application it judges (the current one).

        Raises
        ------
        PermissionDenied
            Not the chair, a conflicted chair, or a finalized application.
        """
        texts = {}
        for key, value in (("opinion", opinion), ("majority", majority), ("minority", minority)):
            if not isinstance(value, str):
                raise InvalidField(key, "not_text", f"expected text, got {type(value).__name__}")
            if len(value) > validate.MAX_TEXT:
                raise InvalidField(
                    key,
                    "too_long",
                    f"longer than {validate.MAX_TEXT} characters",
                    limit=validate.MAX_TEXT,
                )
            texts[key] = value
        if recommendation is not None and recommendation not in RECOMMENDATIONS:
            raise InvalidField(
                "recommendation",
                "bad_choice",
                f"expected one of {', '.join(RECOMMENDATIONS)}, got {recommendation!r}",
            )

        def work(tx: _Tx) -> Consensus:
            access.require_chair(tx.actor, "write the consensus", f"application {app_id}")
            app = self._app(tx, app_id)
            access.require_not_finalized(
                tx.actor, "write the consensus", app_id, app["status"] == "finalized"
            )
            access.require_not_conflicted(
                tx.actor,
                "write the consensus",
                app_id,
                self._conflicted(tx, tx.actor.expert_id, app_id),
            )
            before = _snap_consensus(tx, app_id)
            tx.conn.execute(
                "INSERT INTO consensus (app_id, opinion, majority, minority, recommendation,"
                " total, updated_at, updated_by, app_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (app_id) DO UPDATE SET opinion = excluded.opinion,"
                " majority = excluded.majority, minority = excluded.minority,"
                " recommendation = excluded.recommendation, total = excluded.total,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by,"
                " app_version = excluded.app_version",
                (
                    app_id,
                    texts["opinion"],
                    texts["majority"],
                    texts["minority"],
                    recommendation,
                    None,  # no stored total: the figures are computed from the reviews
                    tx.now,
                    tx.actor.ident,
                    app["current_version"],  # the version it judges
                ),
            )
            tx.event("consensus", app_id, "set", before, _snap_consensus(tx, app_id))
            return self._consensus(tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,)))

        return self._write(actor, work)

    def consensus(self, actor: Actor, app_id: str) -> Consensus | None:
        """The consensus of an application (``None`` until the chair writes one). Experts
        read it once they have submitted their own review (blind review)."""

        def work(tx: _Tx) -> Consensus | None:
            self._app(tx, app_id)
            if not access.can_read_all(tx.actor):
                own = tx.one(
                    "SELECT status FROM reviews WHERE expert_id = ? AND app_id = ?",
                    (tx.actor.expert_id, app_id),
                )
                access.require_can_read_reviews(
                    tx.actor, app_id, own_submitted=own is not None and own["status"] == "submitted"
                )
            row = tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,))
            return None if row is None else self._consensus(row)

        return self._read(actor, work)

    def finalize(self, actor: Actor, app_id: str, *, note: str | None = None) -> ApplicationRecord:
        """Finalize an application: from now on it is read-only. The chair only.

        Needs the consensus — an opinion that is not empty, a recommendation, written on
        the current version — no pending conflict of interest, and a submitted review from
        every assigned expert who is not recused, or a ``note`` saying why the panel
        finalizes without the missing ones. The chair, unless the session's rule
        ``chair_scores`` says the chair scores, is not assigned and never missing.

        Raises
        ------
        PermissionDenied
            Not the chair, a conflicted chair, or already finalized.
        StoreError
            With ``code``: ``no_consensus`` (none, or no recommendation),
            ``empty_consensus``, ``consensus_version`` (written on an earlier version),
            ``pending_conflicts``, ``missing_reviews`` (without a note).
        """
        note = _text(note, "note", required=False, limit=2000)

        def work(tx: _Tx) -> ApplicationRecord:
            access.require_chair(tx.actor, "finalize", f"application {app_id}")
            app = self._app(tx, app_id)
            access.require_not_finalized(tx.actor, "finalize", app_id, app["status"] == "finalized")
            access.require_not_conflicted(
                tx.actor, "finalize", app_id, self._conflicted(tx, tx.actor.expert_id, app_id)
            )
            cons = tx.one(
                "SELECT opinion, recommendation, app_version FROM consensus WHERE app_id = ?",
                (app_id,),
            )
            if cons is not None and not cons["opinion"].strip():
                raise StoreError(
                    f"application {app_id}: the consensus opinion (专家组意见) is empty; "
                    "write it before finalizing",
                    code="empty_consensus",
                )
            if cons is None or cons["recommendation"] is None:
                raise StoreError(
                    f"application {app_id}: write the consensus with a "
                    "recommendation before finalizing",
                    code="no_consensus",
                )
            if cons["app_version"] is not None and cons["app_version"] != app["current_version"]:
                raise StoreError(
                    f"application {app_id}: the consensus was written on version "
                    f"{cons['app_version']}, the application is now at version "
                    f"{app['current_version']}; read it again and save it before finalizing",
                    code="consensus_version",
                    consensus_version=cons["app_version"],
                    version=app["current_version"],
                )
            pending = tx.all(
                "SELECT id FROM conflicts WHERE app_id = ? AND status = 'pending'", (app_id,)
            )
            if pending:
                ids = ", ".join(f"#{r['id']}" for r in pending)
                raise StoreError(
                    f"application {app_id}: the secretary must confirm or waive "
                    f"the detected conflicts of interest {ids} first",
                    code="pending_conflicts",
                    conflicts=tuple(r["id"] for r in pending),
                )
            recused = self._recused_pairs(tx)
            labels = self._labels(tx)
            missing = [
                labels.get(r["expert_id"], f"#{r['expert_id']}")
                for r in tx.all(
                    "SELECT s.expert_id, r.status FROM assignments s LEFT JOIN reviews r"
                    " ON r.expert_id = s.expert_id AND r.app_id = s.app_id WHERE s.app_id = ?"
                    " ORDER BY s.expert_id",
                    (app_id,),
                )
                if (r["expert_id"], app_id) not in recused and r["status"] != "submitted"
            ]
            if missing and not note:
                raise StoreError(
                    f"application {app_id}: not yet submitted by {', '.join(missing)}; wait "
                    "for them, or finalize with a note saying why the panel proceeds",
                    code="missing_reviews",
                    missing=tuple(missing),
                )
            before = _snap_application(tx, app_id)
            tx.conn.execute(
                "UPDATE applications SET status = 'finalized', finalized_at = ?,"
                " finalized_by = ?, finalize_note = ? WHERE id = ?",
                (tx.now, tx.actor.ident, note, app_id),
            )
            tx.event("application", app_id, "finalize", before, _snap_application(tx, app_id))
            self._keep_figures(tx, app_id, app["current_version"])
            return self._application(tx.one(self._APP_SQL + " WHERE a.id = ?", (app_id,)))

        return self._write(actor, work)

    def _keep_figures(self, tx: _Tx, app_id: str, version: int) -> None:
        """Compute the panel's figures from the final reviews and keep them, with the rule
        that produced them, next to the finalized record (one audit event)."""
        from nzc_review.meeting.figures import FigureRules, panel_figures

        recused, labels = self._recused_pairs(tx), self._labels(tx)
        reviews = [
            self._review(r, labels, (r["expert_id"], app_id) in recused)
            for r in tx.all("SELECT * FROM reviews WHERE app_id = ? ORDER BY expert_id", (app_id,))
        ]
        rules = FigureRules.from_session(self._info)
        figures = panel_figures(self._info.criteria, reviews, rules)
        rule = rules.to_dict()
        rule["criteria"] = [c.to_dict() for c in self._info.criteria]
        tx.conn.execute(
            "INSERT INTO finalized_figures (app_id, app_version, figures_json, rule_json,"
            " computed_at) VALUES (?, ?, ?, ?, ?)",
            (
                app_id,
                version,
                canonical_json(None if figures is None else figures.to_dict()),
                canonical_json(rule),
                tx.now,
            ),
        )
        tx.event("figures", app_id, "finalize", None, _snap_figures(tx, app_id))

    def finalized_figures(self, actor: Actor, app_id: str) -> FinalizedFigures | None:
        """The panel's figures kept when the application was finalized (``None`` while open,
        or for an application finalized before figures were kept): chair, secretary and
        the operator."""

        def work(tx: _Tx) -> FinalizedFigures | None:
            access.require_reader_of_all(tx.actor, "read the finalized figures", app_id)
            self._app(tx, app_id)
            d = _snap_figures(tx, app_id)
            if d is None:
                return None
            return FinalizedFigures(
                app_id=d["app_id"],
                app_version=d["app_version"],
                figures=d["figures"],
                rule=d["rule"],
                computed_at=d["computed_at"],
            )

        return self._read(actor, work)

    def rounds(self, actor: Actor, app_id: str) -> list[ReviewRound]:
        """The closed review rounds of an application, oldest first (none until a revised
        version was accepted after 修改完善后推荐): chair, secretary and the operator."""

        def work(tx: _Tx) -> list[ReviewRound]:
            access.require_reader_of_all(tx.actor, "read the review rounds", app_id)
            self._app(tx, app_id)
            out = []
            for r in tx.all(
                "SELECT round FROM review_rounds WHERE app_id = ? ORDER BY round", (app_id,)
            ):
                d = _snap_round(tx, app_id, r["round"])
                cons = d["consensus"]
                out.append(
                    ReviewRound(
                        app_id=app_id,
                        round=d["round"],
                        app_version=d["app_version"],
                        finalized_at=d["finalized_at"],
                        finalized_by=d["finalized_by"],
                        finalize_note=d["finalize_note"],
                        consensus=None
                        if cons is None
                        else Consensus(
                            app_id=cons["app_id"],
                            opinion=cons["opinion"],
                            majority=cons["majority"],
                            minority=cons["minority"],
                            recommendation=cons["recommendation"],
                            updated_at=cons["updated_at"],
                            updated_by=cons["updated_by"],
                            app_version=cons.get("app_version", d["app_version"]),
                        ),
                        figures=d["figures"],
                        reviews=tuple(d["reviews"]),
                        closed_at=d["closed_at"],
                        closed_by=d["closed_by"],
                    )
                )
            return out

        return self._read(actor, work)

    # --- audit ----------------------------------------------------------------------------------

    def events(self, actor: Actor, *, limit: int | None = None) -> list[AuditEvent]:
        """Audit events, oldest first (the last ``limit`` when given): chair, secretary and
        the operator; for the secretary, what the events of reviews of open applications
        recorded is left out (access rule 7)."""

        def work(tx: _Tx) -> list[AuditEvent]:
            access.require_reader_of_all(tx.actor, "read the audit trail", "the review session")
            if limit is None:
                rows = tx.all(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")
            else:
                rows = tx.all(
                    f"SELECT * FROM (SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY"
                    " seq DESC LIMIT ?) ORDER BY seq",
                    (limit,),
                )
            hidden: set[str] = set()
            if tx.actor.role == "secretary":  # access rule 7: no scores before finalizing
                hidden = {r[0] for r in tx.all("SELECT id FROM applications WHERE status = 'open'")}
            out = []
            for r in rows:
                d = dict(zip(EVENT_FIELDS, tuple(r), strict=True))
                secret = d["entity"] == "review" and str(d["entity_id"]).split("/", 1)[-1] in hidden
                for k in ("before", "after"):
                    d[k] = None if d[k] is None or secret else json.loads(d[k])
                out.append(AuditEvent(**d))
            return out

        return self._read(actor, work)

    def verify(self, actor: Actor, *, head: str | None = None) -> VerifyResult:
        """Check the audit trail: the keyed hash chain, the head written down earlier (when
        given), and that every record equals the state its last event recorded (a record
        changed behind the store's back is found too).

        Parameters
        ----------
        head:
            A head written down earlier (``87:3fa9…``, :meth:`audit_head`): proves that no
            event up to it was removed or rewritten since.

        Returns
        -------
        VerifyResult
            ``first_broken`` names the first event that fails; each finding is one Chinese
            sentence.

        Raises
        ------
        InputError
            ``head`` is not ``COUNT:HASH``.
        """
        anchored = None
        if head is not None:
            try:
                anchored = parse_head(head)
            except ValueError as exc:
                raise InputError("--head", str(exc)) from None

        def work(tx: _Tx) -> VerifyResult:
            access.require_reader_of_all(tx.actor, "verify the audit trail", "the review session")
            rows = [
                tuple(r) for r in tx.all(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")
            ]
            problems, warnings, key, keyed_from = self._key_findings(rows)
            count, last_hash, chain = verify_chain(rows, key=key, keyed_from=keyed_from)
            problems.extend(chain)
            if anchored is not None:
                given = format_head(*anchored)
                problems.extend(check_head([(r[0], r[11]) for r in rows], *anchored, given))
            problems.extend((None, msg) for msg in self._record_findings(tx, rows))
            seqs = [seq for seq, _ in problems if isinstance(seq, int)]
            first = min(seqs) if seqs else None
            return VerifyResult(
                not problems, count, last_hash, first, tuple(problems), tuple(warnings)
            )

        return self._read(actor, work)

    def _key_findings(
        self, rows: Sequence[tuple]
    ) -> tuple[list[tuple[int | None, str]], list[str], bytes | None, int | None]:
        """What the key allows to check: ``(problems, warnings, key, keyed_from)``."""
        problems: list[tuple[int | None, str]] = []
        warnings: list[str] = []
        key_row = next((r for r in rows if r[5] == KEY_ENTITY), None)
        if key_row is None:
            warnings.append(
                "本评审会的审计链没有密钥：各事件只以 SHA-256 链接，能被重算，请以记录下的链头核对"
            )
            return problems, warnings, None, None
        keyed_from = key_row[0]
        if keyed_from > 1:
            warnings.append(
                f"第 1–{keyed_from - 1} 条审计事件记录于启用审计密钥（第 {keyed_from} 条事件，"
                f"{key_row[1]}）之前，只以 SHA-256 链接，能被重算，请以当时记录的链头核对"
            )
        try:
            key = read_key(self.key_path)
        except StoreError as exc:
            return [(None, str(exc))], warnings, None, keyed_from
        if key is None:
            problems.append(
                (
                    None,
                    f"{self.key_path}: 审计密钥文件不存在，无法校验第 {keyed_from} 条起各事件的"
                    f"密钥哈希（密钥在其他介质上时，用 --audit-key 或环境变量 {KEY_ENV} 指明）",
                )
            )
            return problems, warnings, None, keyed_from
        recorded = _json_key_id(key_row[9])
        if recorded != key_id(key):
            problems.append(
                (
                    keyed_from,
                    f"{self.key_path}: 审计密钥与本评审会不符（其指纹 {key_id(key)}，第 {keyed_from} "
                    f"条事件记录为 {recorded}），或该事件被改写",
                )
            )
            return problems, warnings, None, keyed_from
        if too_open(self.key_path):
            warnings.append(
                f"{self.key_path}: 审计密钥文件其他用户也能读取，应只允许所有者读写（chmod 600）"
            )
        return problems, warnings, key, keyed_from

    @staticmethod
    def _record_findings(tx: _Tx, rows: Sequence[tuple]) -> list[str]:
        """Every record that differs from the state its last audit event recorded."""
        found: list[str] = []
        last: dict[tuple[str, str], tuple[int, str | None]] = {}
        for r in rows:
            ev = dict(zip(EVENT_FIELDS, r, strict=True))
            last[(ev["entity"], ev["entity_id"])] = (ev["seq"], ev["after"])
        for entity, (list_sql, snap) in _ENTITIES.items():
            current = {row[0] for row in tx.all(list_sql)}
            audited = {
                i for (e, i), (_, after) in last.items() if e == entity and after is not None
            }
            name = ENTITY_ZH.get(entity, entity)
            for ident in sorted(current | audited, key=str):
                seq, after = last.get((entity, ident), (None, None))
                try:
                    state = snap(tx, ident) if ident in current else None
                except ValueError:  # its JSON no longer parses
                    found.append(
                        f"{name} {ident} 中保存的 JSON 数据无法解析：被绕过审计改动或已损坏"
                    )
                    continue
                now = None if state is None else canonical_json(state)
                if now == after:
                    continue
                if after is None:
                    found.append(f"{name} {ident} 存在，但没有创建它的审计事件：被绕过审计写入")
                elif now is None:
                    found.append(
                        f"{name} {ident} 已被删除，但没有对应的审计事件（最后一条为第 {seq} 条）"
                    )
                else:
                    found.append(
                        f"{name} {ident} 与其最后审计状态（第 {seq} 条事件）不符："
                        "被绕过审计修改，或其后的审计事件被删除"
                    )
        return found

    def audit_head(self, actor: Actor) -> str:
        """The head of the audit trail, ``<events>:<hash of the last>`` (``87:3fa9…``): print
        it on what people sign; ``nzc-review audit verify --head`` proves against it that
        nothing was removed or rewritten since. Any member of the session may read it."""

        def work(tx: _Tx) -> str:
            last = tx.one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            return format_head(last["seq"], last["hash"]) if last else format_head(0, GENESIS)

        return self._read(actor, work)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``"ok"`` when the file is sound)."""
        with self._lock:
            return "\n".join(r[0] for r in self._conn.execute("PRAGMA integrity_check"))
