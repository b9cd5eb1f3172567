"""Reviews: assignments, each expert's draft and submission, reading reviews, reopening,
progress."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from nzc_review.store import access, validate
from nzc_review.store.audit import canonical_json
from nzc_review.store.errors import StoreError
from nzc_review.store.records import (
    Actor,
    Assignment,
    Opinion,
    Progress,
    ProgressCell,
    Review,
)
from nzc_review.store.sqlite.database import Tx
from nzc_review.store.sqlite.shared import SharedFacts
from nzc_review.store.sqlite.snapshots import snap_assignment, snap_review

__all__ = ["ReviewsMixin"]


class ReviewsMixin(SharedFacts):
    """Who reviews what (assignments), each member's own draft and submission (blind review:
    others' scores only after one's own submit), reading reviews, the chair reopening a
    submitted one, and the progress grid."""

    # --- assignments -------------------------------------------------------------------------

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

        def work(tx: Tx) -> int:
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
                    self._open_app(tx, aid, "assign")
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
                            snap_assignment(tx, eid, aid),
                        )
            return added

        return self._write(actor, work)

    def assignments(self, actor: Actor) -> list[Assignment]:
        """Assignments with the review's state: one's own for an expert, all for the chair
        and secretary."""

        def work(tx: Tx) -> list[Assignment]:
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

    # --- an expert's own review --------------------------------------------------------------

    def _score_facts(self, tx: Tx, action: str, expert_id: int, app_id: str) -> sqlite3.Row | None:
        app = self._app(tx, app_id)
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
            submitted=self._review_status(tx, expert_id, app_id) == "submitted",
            chair_scores=self._chair_scores,
        )
        return app

    def _review_out(self, tx: Tx, expert_id: int, app_id: str) -> Review:
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
        info, rules = self._info, self._info.session_rules
        w = None
        if weights is not None:
            w = validate.normalise_weights(info.criteria, weights) if weights else {}
        s = None
        if scores is not None:
            s = validate.normalise_scores(info.criteria, scores, rules.score_min, rules.score_max)
        o = None if opinion is None else validate.normalise_opinion(opinion, info.kind)

        def work(tx: Tx) -> Review:
            me = tx.actor.expert_id
            app = self._score_facts(tx, "save scores", me if me is not None else -1, app_id)
            before = snap_review(tx, me, app_id)
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
            tx.event("review", f"{me}/{app_id}", "save_draft", before, snap_review(tx, me, app_id))
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

        def work(tx: Tx) -> Review:
            me = tx.actor.expert_id
            app = self._score_facts(tx, "submit a review", me if me is not None else -1, app_id)
            before = snap_review(tx, me, app_id)
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
            validate.require_complete(
                app_id, self._info.criteria, before["scores"], before["weights"], op,
                self._info.kind,
            )
            tx.conn.execute(
                "UPDATE reviews SET status = 'submitted', submitted_at = ?, updated_at = ?,"
                " app_version = ? WHERE expert_id = ? AND app_id = ?",
                (tx.now, tx.now, app["current_version"], me, app_id),
            )
            tx.event("review", f"{me}/{app_id}", "submit", before, snap_review(tx, me, app_id))
            return self._review_out(tx, me, app_id)

        return self._write(actor, work)

    def my_review(self, actor: Actor, app_id: str) -> Review | None:
        """The actor's own review of an application (``None`` before the first save)."""

        def work(tx: Tx) -> Review | None:
            self._app(tx, app_id)
            me = tx.actor.expert_id
            if me is None:
                return None
            row = tx.one("SELECT * FROM reviews WHERE expert_id = ? AND app_id = ?", (me, app_id))
            if row is None:
                return None
            return self._review(row, self._labels(tx), self._conflicted(tx, me, app_id))

        return self._read(actor, work)

    # --- reading reviews ---------------------------------------------------------------------

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

        def work(tx: Tx) -> list[Review]:
            app = self._app(tx, app_id)
            access.require_can_see_scores(tx.actor, app_id, finalized=app["status"] == "finalized")
            me = tx.actor.expert_id
            if not access.can_read_all(tx.actor):
                access.require_can_read_reviews(
                    tx.actor,
                    app_id,
                    own_submitted=self._review_status(tx, me, app_id) == "submitted"
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

        def work(tx: Tx) -> list[Review]:
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
        reason = validate.check_text(reason, "reason", limit=validate.MAX_REASON)

        def work(tx: Tx) -> Review:
            target = f"the review of expert #{expert_id} for application {app_id}"
            self._chair_acts(tx, app_id, "reopen", target, "reopen a review")
            before = snap_review(tx, expert_id, app_id)
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
                snap_review(tx, expert_id, app_id),
            )
            return self._review_out(tx, expert_id, app_id)

        return self._write(actor, work)

    def progress(self, actor: Actor) -> Progress:
        """The progress grid experts × applications (an expert sees their own row): the
        members who score (the chair only under the rule ``chair_scores``). The secretary
        sees it too — who has submitted, not what (access rule 7)."""

        def work(tx: Tx) -> Progress:
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
