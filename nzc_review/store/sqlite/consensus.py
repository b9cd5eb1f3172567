"""The chair's consensus and finalization, with the panel's figures kept at finalization."""

from __future__ import annotations

from nzc_review.store import access, validate
from nzc_review.store.audit import canonical_json
from nzc_review.store.errors import StoreError
from nzc_review.store.records import Actor, ApplicationRecord, Consensus, FinalizedFigures
from nzc_review.store.sqlite.database import Tx
from nzc_review.store.sqlite.shared import SharedFacts, record
from nzc_review.store.sqlite.snapshots import snap_application, snap_consensus, snap_figures

__all__ = ["ConsensusMixin"]


class ConsensusMixin(SharedFacts):
    """The chair's consensus (专家组评审意见) and finalization: what finalizing requires, and
    the panel's figures kept with the finalized record, with the rule that produced them."""

    # --- consensus ---------------------------------------------------------------------------

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
            ``recommend`` / ``recommend_after_revision`` / ``do_not_recommend``, in an
            acceptance meeting ``accepted`` / ``not_accepted`` (or ``None`` while undecided).
        majority, minority:
            The majority view and any minority (dissenting) view.

        The consensus holds no score: the panel's figures are computed from the reviews
        (:func:`nzc_review.store.figures.panel_figures`) and kept at finalization. It records the
        version of the application it judges (the current one).

        Raises
        ------
        PermissionDenied
            Not the chair, a conflicted chair, or a finalized application.
        """
        texts = validate.check_consensus(
            opinion=opinion, majority=majority, minority=minority, recommendation=recommendation,
            kind=self._info.kind,
        )

        def work(tx: Tx) -> Consensus:
            doing = "write the consensus"
            app = self._chair_acts(tx, app_id, doing, f"application {app_id}", doing)
            before = snap_consensus(tx, app_id)
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
            tx.event("consensus", app_id, "set", before, snap_consensus(tx, app_id))
            return self._consensus(tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,)))

        return self._write(actor, work)

    def consensus(self, actor: Actor, app_id: str) -> Consensus | None:
        """The consensus of an application (``None`` until the chair writes one). Experts
        read it once they have submitted their own review (blind review)."""

        def work(tx: Tx) -> Consensus | None:
            self._app(tx, app_id)
            if not access.can_read_all(tx.actor):
                own = self._review_status(tx, tx.actor.expert_id, app_id)
                access.require_can_read_reviews(tx.actor, app_id, own_submitted=own == "submitted")
            row = tx.one("SELECT * FROM consensus WHERE app_id = ?", (app_id,))
            return None if row is None else self._consensus(row)

        return self._read(actor, work)

    # --- finalization ------------------------------------------------------------------------

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
        note = validate.check_text(note, "note", required=False, limit=validate.MAX_REASON)

        def work(tx: Tx) -> ApplicationRecord:
            app = self._chair_acts(tx, app_id, "finalize", f"application {app_id}", "finalize")
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
            before = snap_application(tx, app_id)
            tx.conn.execute(
                "UPDATE applications SET status = 'finalized', finalized_at = ?,"
                " finalized_by = ?, finalize_note = ? WHERE id = ?",
                (tx.now, tx.actor.ident, note, app_id),
            )
            tx.event("application", app_id, "finalize", before, snap_application(tx, app_id))
            self._keep_figures(tx, app_id, app["current_version"])
            return self._application(tx.one(self._APP_SQL + " WHERE a.id = ?", (app_id,)))

        return self._write(actor, work)

    def _keep_figures(self, tx: Tx, app_id: str, version: int) -> None:
        """Compute the panel's figures from the final reviews and keep them, with the rule
        that produced them, next to the finalized record (one audit event)."""
        from nzc_review.store.figures import FigureRules, panel_figures

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
        tx.event("figures", app_id, "finalize", None, snap_figures(tx, app_id))

    def finalized_figures(self, actor: Actor, app_id: str) -> FinalizedFigures | None:
        """The panel's figures kept when the application was finalized (``None`` while open,
        or for an application finalized before figures were kept): chair, secretary and
        the operator."""

        def work(tx: Tx) -> FinalizedFigures | None:
            access.require_reader_of_all(tx.actor, "read the finalized figures", app_id)
            self._app(tx, app_id)
            d = snap_figures(tx, app_id)
            if d is None:
                return None
            return record(FinalizedFigures, d)

        return self._read(actor, work)
