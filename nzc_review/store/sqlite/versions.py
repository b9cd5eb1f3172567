"""Applications: importing versions, the review rounds a revised version opens, and reading them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from nzc_review.store import access, validate
from nzc_review.store.audit import canonical_json
from nzc_review.store.errors import NotFound, PermissionDenied
from nzc_review.store.records import (
    RECOMMENDATION_ZH,
    Actor,
    ApplicationRecord,
    ApplicationVersion,
    ImportResult,
    ReviewRound,
)
from nzc_review.store.sqlite.database import Tx
from nzc_review.store.sqlite.shared import SharedFacts
from nzc_review.store.sqlite.snapshots import (
    snap_application,
    snap_consensus,
    snap_figures,
    snap_review,
    snap_round,
    snap_version,
)

__all__ = ["VersionsMixin", "same_data"]


def same_data(a: Any, b: Any) -> bool:
    """Equal plain data, where ``6 == 6.0`` (Excel gives integers, YAML may give floats) but
    ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _snapshot(document: Any) -> dict[str, Any]:
    """What the session keeps of an imported document, as plain JSON data: the data given (a
    mapping: a self-evaluation report with its application embedded,
    :func:`nzc_review.lifecycle.session.acceptance_snapshot`), or an application model's
    ``model_dump``."""
    if isinstance(document, Mapping):
        return dict(document)
    return document.model_dump(mode="json")


class VersionsMixin(SharedFacts):
    """Importing applications (every version kept), the review round a revised version opens
    after 修改完善后推荐, and reading applications, versions, snapshots and closed rounds."""

    # --- importing ---------------------------------------------------------------------------

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

        A review imports applications; an acceptance meeting (rule ``kind``) imports
        self-evaluation reports, each given as the plain data the session keeps, with the
        application it refers to embedded
        (:func:`nzc_review.lifecycle.session.acceptance_snapshot`; reading either file is
        :func:`nzc_review.meeting.documents.import_file`); the record's name, pilot type and
        applicant are the application's.

        Parameters
        ----------
        application:
            A :class:`nzc_review.policy.application.Application` (or anything with
            ``model_dump``, or its plain data), or for an acceptance meeting a
            self-evaluation report's plain data (``nzc-acceptance/1`` with its application
            embedded).
        content_sha256:
            SHA-256 (hex) of the source file's bytes.
        source_name:
            The source file's name.

        Raises
        ------
        InputError
            A document of the other kind (an application for an acceptance meeting, a
            self-evaluation report for a review), naming the file.
        PermissionDenied
            ``actor`` does not manage the session, or the application is finalized with
            another conclusion than 修改完善后推荐 (code ``not_revisable``).
        """
        snapshot = _snapshot(application)
        validate.check_document_kind(snapshot, self._info.kind, source_name)
        snapshot_text = canonical_json(snapshot)
        facts = validate.document_application(snapshot)
        app_id = facts["id"]
        validate.check_app_id(app_id, source_name)  # ids become folder names of reports
        validate.check_sha256(content_sha256)
        applicant = facts.get("applicant") or {}

        def work(tx: Tx) -> ImportResult:
            access.require_manager(tx.actor, "import an application", f"application {app_id}")
            row = tx.one("SELECT * FROM applications WHERE id = ?", (app_id,))
            new_round = None
            if row is not None:
                current = tx.one(
                    "SELECT content_sha256, snapshot_json FROM application_versions"
                    " WHERE app_id = ? AND version = ?",
                    (app_id, row["current_version"]),
                )
                if current["content_sha256"] == content_sha256 or same_data(
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
            before = snap_application(tx, app_id)
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
                    facts["name"],
                    facts["pilot_type"],
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
                snap_version(tx, app_id, version),
            )
            if row is not None:
                tx.conn.execute(
                    "UPDATE applications SET current_version = ?, status = 'open',"
                    " finalized_at = NULL, finalized_by = NULL, finalize_note = NULL"
                    " WHERE id = ?",
                    (version, app_id),
                )
            action = "create" if row is None else "new_round" if new_round else "revise"
            tx.event("application", app_id, action, before, snap_application(tx, app_id))
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
    def _require_revisable(tx: Tx, app_id: str) -> None:
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

    def _close_round(self, tx: Tx, app: sqlite3.Row) -> int:
        """Keep the finalized round of ``app`` whole in ``review_rounds`` and clear its live
        records (reviews, consensus, kept figures), each change audited. Returns the number
        of the round that opens."""
        app_id = app["id"]
        number = self._round_number(tx, app_id)
        reviews = [
            snap_review(tx, r["expert_id"], app_id)
            for r in tx.all(
                "SELECT expert_id FROM reviews WHERE app_id = ? ORDER BY expert_id", (app_id,)
            )
        ]
        consensus, figures = snap_consensus(tx, app_id), snap_figures(tx, app_id)
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
        tx.event("round", f"{app_id}#{number}", "close", None, snap_round(tx, app_id, number))
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

    # --- reading -----------------------------------------------------------------------------

    def applications(self, actor: Actor) -> list[ApplicationRecord]:
        """Applications at their current version: all for the chair, the secretary and the
        analyst, the assigned ones for an expert."""

        def work(tx: Tx) -> list[ApplicationRecord]:
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

        def work(tx: Tx) -> list[ApplicationVersion]:
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

        def work(tx: Tx) -> dict[str, Any]:
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

    def rounds(self, actor: Actor, app_id: str) -> list[ReviewRound]:
        """The closed review rounds of an application, oldest first (none until a revised
        version was accepted after 修改完善后推荐): chair, secretary and the operator."""

        def work(tx: Tx) -> list[ReviewRound]:
            access.require_reader_of_all(tx.actor, "read the review rounds", app_id)
            self._app(tx, app_id)
            out = []
            for r in tx.all(
                "SELECT round FROM review_rounds WHERE app_id = ? ORDER BY round", (app_id,)
            ):
                d = snap_round(tx, app_id, r["round"])
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
                        else self._consensus(cons, d["app_version"]),
                        figures=d["figures"],
                        reviews=tuple(d["reviews"]),
                        closed_at=d["closed_at"],
                        closed_by=d["closed_by"],
                    )
                )
            return out

        return self._read(actor, work)
