"""What every part of the store reads: records by id, conflicts of interest, who scores,
how experts are labelled, and records built from rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from nzc_review.store import access, validate
from nzc_review.store import conflicts as coi
from nzc_review.store.errors import NotFound
from nzc_review.store.records import (
    ROLE_ZH,
    ApplicationRecord,
    Conflict,
    Consensus,
    Expert,
    Opinion,
    Review,
)
from nzc_review.store.sqlite.database import Tx
from nzc_review.store.sqlite.session import SessionBase
from nzc_review.store.sqlite.snapshots import snap_conflict

__all__ = ["SharedFacts", "letters", "record"]

R = TypeVar("R")


def letters(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column style)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def record(cls: type[R], data: sqlite3.Row | Mapping[str, Any], **given: Any) -> R:
    """A record (dataclass) from a row or a snapshot holding its fields by name; ``given``
    fields are taken as given."""
    names = [f.name for f in fields(cls) if f.name not in given]
    return cls(**{k: data[k] for k in names}, **given)


class SharedFacts(SessionBase):
    """What the parts of the store share: records looked up by id (refused when missing),
    the guards every change of an application goes through, conflicts of interest, who
    scores and how members are labelled, and records built from rows."""

    # --- shared facts ------------------------------------------------------------------------

    def _app(self, tx: Tx, app_id: str) -> sqlite3.Row:
        row = tx.one("SELECT * FROM applications WHERE id = ?", (app_id,))
        if row is None:
            raise NotFound(f"no application {app_id!r} in this review session")
        return row

    def _expert_row(self, tx: Tx, expert_id: int) -> sqlite3.Row:
        row = tx.one("SELECT * FROM experts WHERE id = ?", (expert_id,))
        if row is None:
            raise NotFound(f"no expert #{expert_id} in this review session")
        return row

    def _open_app(self, tx: Tx, app_id: str, doing: str) -> sqlite3.Row:
        """The application, refused when finalized (``doing`` says what was attempted)."""
        app = self._app(tx, app_id)
        access.require_not_finalized(tx.actor, doing, app_id, app["status"] == "finalized")
        return app

    def _chair_acts(
        self, tx: Tx, app_id: str, action: str, target: str, doing: str
    ) -> sqlite3.Row:
        """The application the chair acts on (``action`` on ``target``): refused unless the
        actor is the chair, the application is open and the chair has no effective conflict
        of interest with it (``doing`` says what was attempted)."""
        access.require_chair(tx.actor, action, target)
        app = self._open_app(tx, app_id, doing)
        conflicted = self._conflicted(tx, tx.actor.expert_id, app_id)
        access.require_not_conflicted(tx.actor, doing, app_id, conflicted)
        return app

    @staticmethod
    def _review_status(tx: Tx, expert_id: int | None, app_id: str) -> str | None:
        """``draft`` or ``submitted``: the state of a member's review; ``None`` before any."""
        row = tx.one(
            "SELECT status FROM reviews WHERE expert_id = ? AND app_id = ?", (expert_id, app_id)
        )
        return None if row is None else row["status"]

    @staticmethod
    def _conflicted(tx: Tx, expert_id: int | None, app_id: str) -> bool:
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
    def _recused_pairs(tx: Tx) -> set[tuple[int, str]]:
        return {
            (r[0], r[1])
            for r in tx.all(
                "SELECT expert_id, app_id FROM conflicts WHERE status IN ('declared', 'confirmed')"
            )
        }

    @staticmethod
    def _pending_pairs(tx: Tx) -> set[tuple[int, str]]:
        return {
            (r[0], r[1])
            for r in tx.all("SELECT expert_id, app_id FROM conflicts WHERE status = 'pending'")
        }

    @property
    def _chair_scores(self) -> bool:
        """The session's rule ``chair_scores`` (:class:`~nzc_review.store.rules.SessionRules`)."""
        return self._info.session_rules.chair_scores

    @property
    def _scorers(self) -> tuple[str, ...]:
        """The roles that score in this session."""
        return ("expert", "chair") if self._chair_scores else ("expert",)

    def _scorer_sql(self) -> str:
        """``role IN (…)`` for the roles that score (constant text, no user input)."""
        return "role IN (" + ", ".join(f"'{r}'" for r in self._scorers) + ")"

    def _codes(self, tx: Tx) -> dict[int, str]:
        """专家A, 专家B, … for the members who score, in the order they were added; the
        role's name (组长, 秘书, 分析人员) for the others."""
        codes: dict[int, str] = {}
        i = 0
        for row in tx.all("SELECT id, role FROM experts ORDER BY id"):
            if row["role"] in self._scorers:
                codes[row["id"]] = f"专家{letters(i)}"
                i += 1
            else:
                codes[row["id"]] = ROLE_ZH.get(row["role"], row["role"])
        return codes

    def _labels(self, tx: Tx) -> dict[int, str]:
        """How members appear to each other: names or codes (rule ``expert_display``)."""
        if self._info.session_rules.shows_names:
            return {r["id"]: r["name"] for r in tx.all("SELECT id, name FROM experts")}
        return self._codes(tx)

    @staticmethod
    def _cell_status(
        expert_id: int, app_id: str, review_status: str | None, recused: set[tuple[int, str]]
    ) -> str:
        if (expert_id, app_id) in recused:
            return "recused"
        return review_status or "not_started"

    @staticmethod
    def _round_number(tx: Tx, app_id: str) -> int:
        """The review round an application is in: closed rounds + 1."""
        return tx.one("SELECT count(*) FROM review_rounds WHERE app_id = ?", (app_id,))[0] + 1

    # --- building records --------------------------------------------------------------------

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
        return record(Conflict, row)

    def _conflict_by_id(self, tx: Tx, conflict_id: int) -> Conflict:
        return self._conflict(tx.one("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)))

    @staticmethod
    def _consensus(
        data: sqlite3.Row | Mapping[str, Any], app_version: int | None = None
    ) -> Consensus:
        """A consensus from its row or its snapshot; ``app_version`` stands in for the version
        of one saved before versions were recorded."""
        recorded = data["app_version"] if "app_version" in data.keys() else None
        return record(Consensus, data, app_version=app_version if recorded is None else recorded)

    # --- detecting conflicts of interest -----------------------------------------------------

    def _detect(
        self,
        tx: Tx,
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
                        tx.event("conflict", str(cid), "detect", None, snap_conflict(tx, cid))
                        found.append(self._conflict_by_id(tx, cid))
        return found
