"""People: signing in, the panel members and their conflicts of interest."""

from __future__ import annotations

from nzc_review.store import access, validate
from nzc_review.store.errors import AuthenticationFailed, NotFound, PermissionDenied
from nzc_review.store.records import SCORING_ROLES, Actor, Conflict, Expert, NewExpert
from nzc_review.store.sqlite.database import Tx
from nzc_review.store.sqlite.shared import SharedFacts
from nzc_review.store.sqlite.snapshots import snap_conflict, snap_expert
from nzc_review.store.tokens import check_token_shape, hash_token, new_token

__all__ = ["ExpertsMixin"]


class ExpertsMixin(SharedFacts):
    """Signing in with a personal token, managing the panel's members, and their conflicts of
    interest (利益冲突): detected, declared, confirmed or waived."""

    # --- people ------------------------------------------------------------------------------

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

        def find(tx: Tx) -> Actor:
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
        clean = validate.check_expert(
            name=name, organisation=organisation, role=role, title=title, field=field, county=county
        )
        token = new_token()

        def work(tx: Tx) -> NewExpert:
            access.require_manager(tx.actor, "add an expert", "the review session")
            cur = tx.conn.execute(
                "INSERT INTO experts (name, organisation, title, field, county, role,"
                " token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*clean.values(), hash_token(token), tx.now),
            )
            expert_id = int(cur.lastrowid)
            tx.event("expert", str(expert_id), "create", None, snap_expert(tx, expert_id))
            if role in SCORING_ROLES:
                self._detect(tx, expert_ids=[expert_id])
            row = self._expert_row(tx, expert_id)
            return NewExpert(self._expert(row, self._codes(tx)), token)

        return self._write(actor, work)

    def reset_token(self, actor: Actor, expert_id: int) -> NewExpert:
        """Give an expert a new personal token; the old link stops working at once."""
        token = new_token()

        def work(tx: Tx) -> NewExpert:
            access.require_manager(tx.actor, "reset a token", f"expert #{expert_id}")
            self._expert_row(tx, expert_id)
            before = snap_expert(tx, expert_id)
            tx.conn.execute(
                "UPDATE experts SET token_hash = ? WHERE id = ?", (hash_token(token), expert_id)
            )
            tx.event("expert", str(expert_id), "reset_token", before, snap_expert(tx, expert_id))
            return NewExpert(self._expert(self._expert_row(tx, expert_id), self._codes(tx)), token)

        return self._write(actor, work)

    def set_active(self, actor: Actor, expert_id: int, active: bool) -> Expert:
        """Revoke (``False``) or restore an expert's access; their records stay."""

        def work(tx: Tx) -> Expert:
            access.require_manager(tx.actor, "revoke or restore access", f"expert #{expert_id}")
            self._expert_row(tx, expert_id)
            before = snap_expert(tx, expert_id)
            tx.conn.execute("UPDATE experts SET active = ? WHERE id = ?", (int(active), expert_id))
            tx.event(
                "expert",
                str(expert_id),
                "activate" if active else "deactivate",
                before,
                snap_expert(tx, expert_id),
            )
            return self._expert(self._expert_row(tx, expert_id), self._codes(tx))

        return self._write(actor, work)

    def experts(self, actor: Actor) -> list[Expert]:
        """Panel members: all of them for the chair and secretary, oneself for an expert."""

        def work(tx: Tx) -> list[Expert]:
            codes = self._codes(tx)
            rows = tx.all("SELECT * FROM experts ORDER BY id")
            if not access.can_read_all(tx.actor):
                rows = [r for r in rows if r["id"] == tx.actor.expert_id]
            return [self._expert(r, codes) for r in rows]

        return self._read(actor, work)

    # --- conflicts of interest ---------------------------------------------------------------

    def conflicts(self, actor: Actor, *, status: str | None = None) -> list[Conflict]:
        """Conflicts of interest (all for the chair and secretary, one's own for an
        expert), optionally only those with ``status``."""

        def work(tx: Tx) -> list[Conflict]:
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
        reason = validate.check_text(reason, "reason", limit=validate.MAX_REASON)

        def work(tx: Tx) -> Conflict:
            who = tx.actor
            target = validate.conflict_expert(expert_id, who.expert_id)
            if target != who.expert_id:
                access.require_manager(
                    who, "declare a conflict of interest on behalf of", f"expert #{target}"
                )
            self._expert_row(tx, target)
            self._open_app(tx, app_id, "declare a conflict of interest")
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
            tx.event("conflict", str(cid), "declare", None, snap_conflict(tx, cid))
            return self._conflict_by_id(tx, cid)

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
        decision = validate.check_decision(decision)
        reason = validate.check_text(reason, "reason", limit=validate.MAX_REASON)
        status = "confirmed" if decision == "confirm" else "waived"

        def work(tx: Tx) -> Conflict:
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
            self._open_app(tx, row["app_id"], f"{decision} a conflict of interest")
            before = snap_conflict(tx, conflict_id)
            tx.conn.execute(
                "UPDATE conflicts SET status = ?, reason = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ?",
                (status, reason, tx.now, tx.actor.ident, conflict_id),
            )
            tx.event(
                "conflict", str(conflict_id), decision, before, snap_conflict(tx, conflict_id)
            )
            return self._conflict_by_id(tx, conflict_id)

        return self._write(actor, work)
