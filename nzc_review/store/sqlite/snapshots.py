"""Record snapshots: what each audit event records of a record, and what
:meth:`~nzc_review.store.sqlite.SQLiteStore.verify` compares every record against."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from nzc_review.store.sqlite.database import Tx
from nzc_review.store.tokens import hash_token

__all__ = [
    "ENTITIES",
    "row_dict",
    "round_id",
    "snap_application",
    "snap_assignment",
    "snap_conflict",
    "snap_consensus",
    "snap_expert",
    "snap_figures",
    "snap_review",
    "snap_round",
    "snap_session",
    "snap_version",
]

def row_dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return None if row is None else {k: row[k] for k in row.keys()}


def snap_session(tx: Tx) -> dict[str, Any] | None:
    d = row_dict(tx.one("SELECT * FROM session WHERE id = 1"))
    if d is not None:
        d["criteria"] = json.loads(d.pop("criteria_json"))
        d["rules"] = json.loads(d.pop("rules_json"))
    return d


def snap_expert(tx: Tx, expert_id: int) -> dict[str, Any] | None:
    d = row_dict(tx.one("SELECT * FROM experts WHERE id = ?", (expert_id,)))
    if d is not None:
        # a fingerprint, not the hash itself, so that a swapped token hash is detected
        d["token_fingerprint"] = hash_token(d.pop("token_hash"))[:16]
    return d


def snap_application(tx: Tx, app_id: str) -> dict[str, Any] | None:
    return row_dict(tx.one("SELECT * FROM applications WHERE id = ?", (app_id,)))


def snap_version(tx: Tx, app_id: str, version: int) -> dict[str, Any] | None:
    d = row_dict(
        tx.one(
            "SELECT * FROM application_versions WHERE app_id = ? AND version = ?", (app_id, version)
        )
    )
    if d is not None:
        d["snapshot"] = json.loads(d.pop("snapshot_json"))
    return d


def snap_assignment(tx: Tx, expert_id: int, app_id: str) -> dict[str, Any] | None:
    return row_dict(
        tx.one("SELECT * FROM assignments WHERE expert_id = ? AND app_id = ?", (expert_id, app_id))
    )


def snap_conflict(tx: Tx, conflict_id: int) -> dict[str, Any] | None:
    return row_dict(tx.one("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)))


def snap_review(tx: Tx, expert_id: int, app_id: str) -> dict[str, Any] | None:
    d = row_dict(
        tx.one("SELECT * FROM reviews WHERE expert_id = ? AND app_id = ?", (expert_id, app_id))
    )
    if d is not None:
        wj = d.pop("weights_json")
        d["weights"] = None if wj is None else json.loads(wj)
        d["scores"] = json.loads(d.pop("scores_json"))
    return d


def snap_consensus(tx: Tx, app_id: str) -> dict[str, Any] | None:
    d = row_dict(tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,)))
    if d is not None and d.get("app_version") is None:
        # saved before consensus versions were recorded: as its audit event recorded it
        d.pop("app_version", None)
    return d


def snap_figures(tx: Tx, app_id: str) -> dict[str, Any] | None:
    d = row_dict(tx.one("SELECT * FROM finalized_figures WHERE app_id = ?", (app_id,)))
    if d is not None:
        d["figures"] = json.loads(d.pop("figures_json"))
        d["rule"] = json.loads(d.pop("rule_json"))
    return d


def snap_round(tx: Tx, app_id: str, number: int) -> dict[str, Any] | None:
    d = row_dict(
        tx.one("SELECT * FROM review_rounds WHERE app_id = ? AND round = ?", (app_id, number))
    )
    if d is not None:
        for key in ("consensus", "figures", "reviews"):
            text = d.pop(f"{key}_json")
            d[key] = None if text is None else json.loads(text)
    return d


def round_id(ident: str) -> tuple[str, int]:
    """``HC-1#2`` → ``("HC-1", 2)`` (application ids hold no ``#``)."""
    app_id, number = ident.rsplit("#", 1)
    return app_id, int(number)


#: entity → (SQL listing the ids of current rows, snapshot of one id)
ENTITIES: dict[str, tuple[str, Callable[[Tx, str], dict[str, Any] | None]]] = {
    "session": ("SELECT '1' FROM session", lambda tx, i: snap_session(tx)),
    "expert": ("SELECT CAST(id AS TEXT) FROM experts", lambda tx, i: snap_expert(tx, int(i))),
    "application": ("SELECT id FROM applications", snap_application),
    "application_version": (
        "SELECT app_id || '@v' || version FROM application_versions",
        lambda tx, i: snap_version(tx, i.rsplit("@v", 1)[0], int(i.rsplit("@v", 1)[1])),
    ),
    "assignment": (
        "SELECT expert_id || '/' || app_id FROM assignments",
        lambda tx, i: snap_assignment(tx, int(i.split("/", 1)[0]), i.split("/", 1)[1]),
    ),
    "conflict": (
        "SELECT CAST(id AS TEXT) FROM conflicts",
        lambda tx, i: snap_conflict(tx, int(i)),
    ),
    "review": (
        "SELECT expert_id || '/' || app_id FROM reviews",
        lambda tx, i: snap_review(tx, int(i.split("/", 1)[0]), i.split("/", 1)[1]),
    ),
    "consensus": ("SELECT app_id FROM consensus", snap_consensus),
    "figures": ("SELECT app_id FROM finalized_figures", snap_figures),
    "round": (
        "SELECT app_id || '#' || round FROM review_rounds",
        lambda tx, i: snap_round(tx, *round_id(i)),
    ),
}
