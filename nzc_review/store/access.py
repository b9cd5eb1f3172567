"""The access rules of the review store, in one place and independent of the database.

The store gathers the facts (inside the transaction that does the work) and calls these
checks; each raises :class:`~nzc_review.store.errors.PermissionDenied` naming who, what and
why. The rules:

1. **Own records.** An expert (or the chair) writes only their own weights, scores and
   opinion, and only for applications assigned to them.
2. **Blind review** (背靠背). Before submitting their own review of an application, an expert
   cannot read other experts' reviews of it; afterwards they read the others' *submitted*
   reviews. The chair, the secretary and the operator read everything.
3. **Recusal** (回避). An expert with an effective conflict of interest (declared, or
   detected and confirmed; not waived, not pending) cannot score the application. A
   conflicted chair cannot write the consensus, reopen or finalize that application.
4. **Lock.** A submitted review is locked; only the chair can reopen it, with a reason.
5. **Roles.** The secretary (and the operator at the command line) manage the session,
   experts, applications, assignments and conflicts of interest, but do not score. The
   chair alone writes the consensus, reopens and finalizes, and scores only when the
   session's rule ``chair_scores`` says so (本工具默认规则: not). The analyst reads the
   applications (for the explorer), nothing of the reviews.
6. **Finalized is read-only.** Nobody writes anything about a finalized application — until
   a revised version, accepted only after 修改完善后推荐, opens the next review round.
7. **The secretary sees progress, not scores.** Before an application is finalized the
   secretary sees who has submitted (the progress grid), never a score, an opinion or a
   figure (本工具默认规则: the secretary organises the meeting but does not take part in
   the judgement, so nothing they see can sway it).
"""

from __future__ import annotations

from nzc_review.store.errors import PermissionDenied
from nzc_review.store.records import (
    APPLICATION_READER_ROLES,
    MANAGING_ROLES,
    READ_ALL_ROLES,
    SCORING_ROLES,
    Actor,
)

__all__ = [
    "can_read_all",
    "can_read_applications",
    "require_can_see_scores",
    "require_can_read_reviews",
    "require_can_score",
    "require_chair",
    "require_manager",
    "require_not_finalized",
    "require_reader_of_all",
]


def _app(app_id: str) -> str:
    return f"application {app_id}"


def can_read_all(actor: Actor) -> bool:
    """The chair, the secretary and the operator read every record."""
    return actor.role in READ_ALL_ROLES


def can_read_applications(actor: Actor) -> bool:
    """Every application (not the reviews): the chair, the secretary, the operator and the
    analyst."""
    return actor.role in APPLICATION_READER_ROLES


def require_can_see_scores(actor: Actor, app_id: str, *, finalized: bool) -> None:
    """Rule 7: the secretary reads scores, opinions and figures of finalized applications
    only."""
    if actor.role == "secretary" and not finalized:
        raise PermissionDenied(
            actor.describe(),
            "read the scores",
            _app(app_id),
            "the secretary sees the scores and opinions once the application is finalized",
            "scores_hidden",
        )


def require_manager(actor: Actor, action: str, target: str) -> None:
    """Session, experts, applications, assignments, conflicts: secretary or operator."""
    if actor.role not in MANAGING_ROLES:
        raise PermissionDenied(
            actor.describe(),
            action,
            target,
            f"only the secretary manages the session (role is {actor.role})",
            "role",
        )


def require_chair(actor: Actor, action: str, target: str) -> None:
    """Consensus, reopening and finalization: the chair only."""
    if actor.role != "chair":
        raise PermissionDenied(
            actor.describe(),
            action,
            target,
            f"only the chair may (role is {actor.role})",
            "role",
        )


def require_reader_of_all(actor: Actor, action: str, target: str) -> None:
    """Exports and the full audit log: chair, secretary or operator."""
    if not can_read_all(actor):
        raise PermissionDenied(
            actor.describe(),
            action,
            target,
            "only the chair and the secretary read every record",
            "role",
        )


def require_not_finalized(actor: Actor, action: str, app_id: str, finalized: bool) -> None:
    """Nobody writes to a finalized application."""
    if finalized:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            "the application is finalized and read-only",
            "finalized",
        )


def require_not_conflicted(actor: Actor, action: str, app_id: str, conflicted: bool) -> None:
    """A recused panel member takes no part in that application."""
    if conflicted:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            "they have a conflict of interest with it (declared, or detected and confirmed) "
            "and are recused",
            "conflict_of_interest",
        )


def require_can_score(
    actor: Actor,
    action: str,
    *,
    expert_id: int,
    app_id: str,
    finalized: bool,
    assigned: bool,
    conflicted: bool,
    submitted: bool,
    chair_scores: bool = True,
) -> None:
    """May ``actor`` write the review of ``expert_id`` for ``app_id`` (save or submit)?

    Checks, in order: role (secretary/operator/analyst do not score; the chair only under
    the session's rule ``chair_scores``), own record, finalized, assignment, conflict of
    interest, lock.
    """
    if actor.role not in SCORING_ROLES:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            f"the {actor.role} does not score",
            "role",
        )
    if actor.role == "chair" and not chair_scores:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            "the session's rules say the chair does not score (chair_scores: false)",
            "chair_not_scoring",
        )
    if actor.expert_id != expert_id:
        raise PermissionDenied(
            actor.describe(),
            action,
            f"the review of expert #{expert_id} for {_app(app_id)}",
            "an expert writes only their own records",
            "not_own_record",
        )
    require_not_finalized(actor, action, app_id, finalized)
    if not assigned:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            "the application is not assigned to them",
            "not_assigned",
        )
    require_not_conflicted(actor, action, app_id, conflicted)
    if submitted:
        raise PermissionDenied(
            actor.describe(),
            action,
            _app(app_id),
            "their review is submitted and locked; only the chair can reopen it",
            "locked",
        )


def require_can_read_reviews(actor: Actor, app_id: str, *, own_submitted: bool) -> None:
    """May ``actor`` read other experts' reviews of ``app_id`` (blind review)?"""
    if can_read_all(actor):
        return
    if not own_submitted:
        raise PermissionDenied(
            actor.describe(),
            "read other experts' scores",
            _app(app_id),
            "blind review: they must submit their own review of it first",
            "blind_review",
        )
