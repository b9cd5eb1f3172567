"""The database schema as numbered migrations, applied in order inside one transaction.

A migration is a number and SQL text (several statements). :func:`migrate` brings a
database from the version recorded in ``schema_version`` up to the last migration, all
pending steps in one ``BEGIN IMMEDIATE`` transaction: either every step is applied or none.
To change the schema, append a step; never edit a released one.

A step that rebuilds a table (SQLite cannot change a CHECK constraint in place) is marked
``rebuilds``: foreign keys are switched off around the transaction and checked with
``PRAGMA foreign_key_check`` before it commits, the procedure of
https://www.sqlite.org/lang_altertable.html#otheralter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from nzc_review.store.audit import utc_now
from nzc_review.store.errors import StoreError

__all__ = ["MIGRATIONS", "Migration", "current_version", "migrate", "split_sql"]


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    description: str
    sql: str
    rebuilds: bool = False


_V1 = """
CREATE TABLE session (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    date          TEXT,
    batch         TEXT,
    criteria_json TEXT NOT NULL,
    rules_json    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE experts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    organisation TEXT NOT NULL,
    title        TEXT,
    field        TEXT,
    county       TEXT,
    role         TEXT NOT NULL CHECK (role IN ('expert', 'chair', 'secretary')),
    token_hash   TEXT NOT NULL UNIQUE,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL
);

CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finalized')),
    finalized_at    TEXT,
    finalized_by    TEXT,
    finalize_note   TEXT
);

CREATE TABLE application_versions (
    app_id           TEXT NOT NULL REFERENCES applications (id),
    version          INTEGER NOT NULL CHECK (version >= 1),
    content_sha256   TEXT NOT NULL CHECK (length(content_sha256) = 64),
    source_name      TEXT NOT NULL,
    name             TEXT NOT NULL,
    pilot_type       TEXT NOT NULL,
    applicant_org    TEXT,
    applicant_county TEXT,
    snapshot_json    TEXT NOT NULL,
    imported_at      TEXT NOT NULL,
    imported_by      TEXT NOT NULL,
    PRIMARY KEY (app_id, version)
);

CREATE TABLE assignments (
    expert_id   INTEGER NOT NULL REFERENCES experts (id),
    app_id      TEXT NOT NULL REFERENCES applications (id),
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (expert_id, app_id)
);

CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    expert_id   INTEGER NOT NULL REFERENCES experts (id),
    app_id      TEXT NOT NULL REFERENCES applications (id),
    kind        TEXT NOT NULL CHECK (kind IN ('declared', 'detected')),
    basis       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('declared', 'pending', 'confirmed', 'waived')),
    reason      TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT,
    CHECK ((kind = 'declared') = (status = 'declared')),
    UNIQUE (expert_id, app_id, kind, basis)
);
CREATE INDEX conflicts_by_app ON conflicts (app_id, expert_id);

CREATE TABLE reviews (
    expert_id      INTEGER NOT NULL,
    app_id         TEXT NOT NULL,
    app_version    INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    weights_json   TEXT,
    scores_json    TEXT NOT NULL DEFAULT '{}',
    strengths      TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    revisions      TEXT NOT NULL DEFAULT '',
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN
                               ('recommend', 'recommend_after_revision', 'do_not_recommend')),
    saves          INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    submitted_at   TEXT,
    reopened_at    TEXT,
    reopened_by    TEXT,
    reopen_reason  TEXT,
    PRIMARY KEY (expert_id, app_id),
    FOREIGN KEY (expert_id, app_id) REFERENCES assignments (expert_id, app_id)
);
CREATE INDEX reviews_by_app ON reviews (app_id);

CREATE TABLE consensus (
    app_id         TEXT PRIMARY KEY REFERENCES applications (id),
    opinion        TEXT NOT NULL DEFAULT '',
    majority       TEXT NOT NULL DEFAULT '',
    minority       TEXT NOT NULL DEFAULT '',
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN
                               ('recommend', 'recommend_after_revision', 'do_not_recommend')),
    total          REAL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL
);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX events_by_entity ON events (entity, entity_id, seq);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
"""

# The panel's figures as computed at finalization from the final reviews, with the rule that
# produced them (nzc_review.store.figures); written once, when the chair finalizes.
_V2 = """
CREATE TABLE finalized_figures (
    app_id       TEXT PRIMARY KEY REFERENCES applications (id),
    app_version  INTEGER NOT NULL,
    figures_json TEXT NOT NULL,
    rule_json    TEXT NOT NULL,
    computed_at  TEXT NOT NULL
);
"""

# The analyst role (the experts table rebuilt for its wider CHECK, same columns and rows);
# the version a consensus judged; closed review rounds (a revised version accepted after
# 修改完善后推荐 opens the next round, and the closed one is kept whole).
_V3 = """
CREATE TABLE experts_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    organisation TEXT NOT NULL,
    title        TEXT,
    field        TEXT,
    county       TEXT,
    role         TEXT NOT NULL CHECK (role IN ('expert', 'chair', 'secretary', 'analyst')),
    token_hash   TEXT NOT NULL UNIQUE,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL
);
INSERT INTO experts_v3 (id, name, organisation, title, field, county, role, token_hash, active,
                        created_at)
    SELECT id, name, organisation, title, field, county, role, token_hash, active, created_at
    FROM experts;
DROP TABLE experts;
ALTER TABLE experts_v3 RENAME TO experts;

ALTER TABLE consensus ADD COLUMN app_version INTEGER;

CREATE TABLE review_rounds (
    app_id         TEXT NOT NULL REFERENCES applications (id),
    round          INTEGER NOT NULL CHECK (round >= 1),
    app_version    INTEGER NOT NULL CHECK (app_version >= 1),
    finalized_at   TEXT,
    finalized_by   TEXT,
    finalize_note  TEXT,
    consensus_json TEXT,
    figures_json   TEXT,
    reviews_json   TEXT NOT NULL,
    closed_at      TEXT NOT NULL,
    closed_by      TEXT NOT NULL,
    PRIMARY KEY (app_id, round)
);
"""

# An expert acceptance meeting (SessionRules.kind "acceptance", 河环发〔2023〕23号 三、(二)2): its
# experts and its consensus conclude 通过验收 / 不通过验收 (accepted / not_accepted). The reviews
# and consensus tables are rebuilt for the wider CHECK (same columns, rows and index).
_V4 = """
CREATE TABLE reviews_v4 (
    expert_id      INTEGER NOT NULL,
    app_id         TEXT NOT NULL,
    app_version    INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    weights_json   TEXT,
    scores_json    TEXT NOT NULL DEFAULT '{}',
    strengths      TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    revisions      TEXT NOT NULL DEFAULT '',
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN
                               ('recommend', 'recommend_after_revision', 'do_not_recommend',
                                'accepted', 'not_accepted')),
    saves          INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    submitted_at   TEXT,
    reopened_at    TEXT,
    reopened_by    TEXT,
    reopen_reason  TEXT,
    PRIMARY KEY (expert_id, app_id),
    FOREIGN KEY (expert_id, app_id) REFERENCES assignments (expert_id, app_id)
);
INSERT INTO reviews_v4 SELECT expert_id, app_id, app_version, status, weights_json, scores_json,
    strengths, problems, revisions, recommendation, saves, created_at, updated_at, submitted_at,
    reopened_at, reopened_by, reopen_reason FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_v4 RENAME TO reviews;
CREATE INDEX reviews_by_app ON reviews (app_id);

CREATE TABLE consensus_v4 (
    app_id         TEXT PRIMARY KEY REFERENCES applications (id),
    opinion        TEXT NOT NULL DEFAULT '',
    majority       TEXT NOT NULL DEFAULT '',
    minority       TEXT NOT NULL DEFAULT '',
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN
                               ('recommend', 'recommend_after_revision', 'do_not_recommend',
                                'accepted', 'not_accepted')),
    total          REAL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    app_version    INTEGER
);
INSERT INTO consensus_v4 SELECT app_id, opinion, majority, minority, recommendation, total,
    updated_at, updated_by, app_version FROM consensus;
DROP TABLE consensus;
ALTER TABLE consensus_v4 RENAME TO consensus;
"""

#: Every schema step, in order. Append new steps; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "review sessions, experts, applications, conflicts, reviews, audit", _V1),
    Migration(2, "panel figures kept with each finalized application", _V2),
    Migration(3, "analyst role, the version a consensus judged, closed review rounds", _V3, True),
    Migration(4, "acceptance meetings: the conclusions accepted and not_accepted", _V4, True),
)


def split_sql(script: str) -> list[str]:
    """Split SQL text into complete statements (triggers with ``;`` inside stay whole).

    ``sqlite3.Connection.executescript`` would commit the open transaction first, so
    migrations run statement by statement instead.
    """
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \n\t;"):
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]}")
    return statements


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database (0 for an empty database)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every pending migration inside one transaction; return the schema version.

    ``conn`` must be in autocommit mode (``isolation_level=None``) with no open
    transaction.

    Raises
    ------
    StoreError
        The database was written by a newer nzc-review (its version is beyond the last
        known migration), or the migrations are not numbered 1, 2, 3, ….
    """
    numbers = [m.version for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StoreError(f"migrations must be numbered 1, 2, 3, … in order; got {numbers}")
    latest = numbers[-1] if numbers else 0
    have = current_version(conn)
    if have == latest:
        return have
    rebuilds = any(m.rebuilds for m in migrations if m.version > have)
    keys_on = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    if rebuilds and keys_on:
        conn.execute("PRAGMA foreign_keys = OFF")  # before the transaction: a no-op inside
    try:
        _apply(conn, migrations, latest, check_keys=rebuilds)
    finally:
        if rebuilds and keys_on:
            conn.execute("PRAGMA foreign_keys = ON")
    return latest


def _apply(
    conn: sqlite3.Connection, migrations: Sequence[Migration], latest: int, *, check_keys: bool
) -> None:
    """The pending steps in one transaction (see :func:`migrate`)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        have = current_version(conn)  # another process may have migrated meanwhile
        if have > latest:
            raise StoreError(
                f"the review database has schema version {have}, newer than this "
                f"nzc-review knows ({latest}); upgrade nzc-review"
            )
        for step in migrations:
            if step.version <= have:
                continue
            for statement in split_sql(step.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                (step.version, step.description, utc_now()),
            )
        if check_keys and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise StoreError("the schema upgrade would break references between records")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
