"""Opening and creating a session's database, transactions with retry, and the audit key."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from nzc_review.errors import InputError
from nzc_review.store import access, validate
from nzc_review.store.audit import GENESIS, KEY_ENTITY, canonical_json, key_id, utc_now
from nzc_review.store.errors import AuthenticationFailed, StoreBusy, StoreError
from nzc_review.store.keyfile import KEY_ENV, create_key, key_path, read_key
from nzc_review.store.records import Actor, Criterion, SessionInfo, default_criteria
from nzc_review.store.schema import current_version, migrate
from nzc_review.store.sqlite.database import (
    DB_NAME,
    T,
    Tx,
    affinity,
    damaged,
    db_error,
    is_busy,
    json_key_id,
)
from nzc_review.store.sqlite.snapshots import snap_session

__all__ = ["SessionBase"]


class SessionBase:
    """The database of one session folder: opening, creating, checking it, transactions with
    retry, the audit key, and the session's record. The parameters are those of
    :class:`~nzc_review.store.sqlite.SQLiteStore`."""

    # --- opening -----------------------------------------------------------------------------

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
        self._synchronous = validate.check_synchronous(synchronous)
        self.busy_timeout = busy_timeout
        self.retry_deadline = retry_deadline
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

    # --- creation and connection -------------------------------------------------------------

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
    ) -> Self:
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
        name = validate.check_text(name, "name")
        date = validate.check_text(date, "date", required=False, limit=40)
        batch = validate.check_text(batch, "batch", required=False)
        merged = validate.check_new_rules(rules)
        crit = (default_criteria(merged.get("kind", "review")) if criteria is None
                else validate.parse_criteria(list(criteria)))
        session_dir = Path(session_dir)
        target = session_dir / DB_NAME
        if target.exists():
            raise StoreError(f"{session_dir}: already holds a review session ({DB_NAME})")
        session_dir.mkdir(parents=True, exist_ok=True)
        key_file = key_path(session_dir, options.get("audit_key"))
        key, key_created = create_key(key_file)
        tmp = session_dir / f".{DB_NAME}.creating-{os.getpid()}"
        _remove_with_journal(tmp)
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
                tx = Tx(conn, now, actor, key)
                tx.key_event(0, GENESIS)
                tx.event("session", "1", "create", None, snap_session(tx))
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
            _remove_with_journal(tmp)
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
            raise db_error(self.path, exc) from None
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
            raise db_error(self.path, exc) from None
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
                raise damaged(self.path, f"完整性检查未通过：{detail[:120]}")
            tables = cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            ).fetchall()
            for (table,) in tables:
                quoted = '"' + str(table).replace('"', '""') + '"'
                columns = cur.execute(f"PRAGMA table_info({quoted})").fetchall()
                kinds = [(str(c[1]), affinity(str(c[2] or ""))) for c in columns]
                try:
                    for row in cur.execute(f"SELECT * FROM {quoted}"):
                        for value, (name, allowed) in zip(row, kinds, strict=True):
                            if not isinstance(value, allowed):
                                raise damaged(
                                    self.path, f"表 {table} 的字段 {name} 中有类型不对的值"
                                )
                except (sqlite3.OperationalError, UnicodeDecodeError) as exc:
                    if "decode" not in str(exc).lower():
                        raise
                    raise damaged(self.path, f"表 {table} 中有不是 UTF-8 编码的文字") from None

        self._with_retry(check)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.location)!r})"

    # --- transactions with retry -------------------------------------------------------------

    def _with_retry(self, fn: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_deadline
        delay = 0.002
        while True:
            try:
                return fn()
            except sqlite3.IntegrityError:
                raise
            except (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                if not isinstance(exc, sqlite3.OperationalError) or not is_busy(exc):
                    raise db_error(self.path, exc) from None
                if time.monotonic() + delay > deadline:
                    raise StoreBusy(
                        f"{self.path}: the review database stayed busy for more than "
                        f"{self.retry_deadline:g} s; try again"
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)

    def _transact(self, actor: Actor | None, fn: Callable[[Tx], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction (``BEGIN IMMEDIATE`` when writing), retried whole
        when the database is busy. The actor is re-read from the database first."""

        def attempt() -> T:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                tx = Tx(conn, self._clock(), actor or Actor(None, "operator", "system"))
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
                raise db_error(self.path, exc) from None

    def _write(self, actor: Actor, fn: Callable[[Tx], T]) -> T:
        return self._transact(actor, fn, write=True)

    def _read(self, actor: Actor, fn: Callable[[Tx], T]) -> T:
        return self._transact(actor, fn, write=False)

    # --- the audit key -----------------------------------------------------------------------

    @staticmethod
    def _key_event(tx: Tx) -> sqlite3.Row | None:
        return tx.one(
            "SELECT seq, at, after FROM events WHERE entity = ? ORDER BY seq LIMIT 1", (KEY_ENTITY,)
        )

    def _writing_key(self, tx: Tx) -> bytes:
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
                recorded = json_key_id(row["after"])
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

        def anchor(tx: Tx) -> None:
            if self._key_event(tx) is not None:
                return
            tx.key_event(*tx.last_event())

        self._transact(Actor.operator(), anchor, write=True)

    # --- the session -------------------------------------------------------------------------

    def _load_session(self, tx: Tx) -> SessionInfo:
        """The session's record, its rules checked (:attr:`SessionInfo.session_rules`).

        Raises
        ------
        DatabaseDamaged
            A stored rule the checks refuse: the database was changed behind the store's
            back (its rules were checked when the session was created).
        """
        row = tx.one("SELECT * FROM session WHERE id = 1")
        if row is None:
            raise StoreError(f"{self.path}: the database holds no review session")
        crit = tuple(Criterion(**c) for c in json.loads(row["criteria_json"]))
        info = SessionInfo(
            name=row["name"],
            date=row["date"],
            batch=row["batch"],
            criteria=crit,
            rules=json.loads(row["rules_json"]),
            created_at=row["created_at"],
            schema_version=current_version(tx.conn),
        )
        try:
            info.session_rules  # noqa: B018 - read (checked) once here, kept with the record
        except InputError as exc:
            refused = "; ".join(f"{rule}: {why}" for rule, why in exc.problems)
            raise damaged(self.path, f"其中保存的评审规则无效：{refused}") from None
        return info

    @property
    def _info(self) -> SessionInfo:
        assert self._session is not None
        return self._session

    def _resolve(self, tx: Tx, actor: Actor) -> Actor:
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

    def session(self, actor: Actor) -> SessionInfo:
        """The session: name, date, batch, criteria with default weights, rules."""
        return self._read(actor, lambda tx: self._info)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``"ok"`` when the file is sound)."""
        with self._lock:
            return "\n".join(r[0] for r in self._conn.execute("PRAGMA integrity_check"))


def _remove_with_journal(db: Path) -> None:
    """Remove a database file with its WAL and shared-memory files (a half-made one)."""
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
