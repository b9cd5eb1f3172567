"""The review store's interface: what panels, reports and the command line call.

:class:`ReviewStore` is independent of the database behind it; :mod:`nzc_review.store.sqlite`
is the embedded implementation. A server database can be added later as another class
satisfying it (:func:`nzc_review.store.register_backend`), without touching the panels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from nzc_review.store.records import (
    Actor,
    ApplicationRecord,
    ApplicationVersion,
    Assignment,
    AuditEvent,
    Conflict,
    Consensus,
    Expert,
    FinalizedFigures,
    ImportResult,
    NewExpert,
    Opinion,
    Progress,
    Review,
    ReviewRound,
    SessionInfo,
    VerifyResult,
)

__all__ = ["ReviewStore"]


@runtime_checkable
class ReviewStore(Protocol):
    """What panels, reports and the command line use. Every method takes the acting
    :class:`Actor` and enforces the access rules (:mod:`nzc_review.store.access`);
    a violation raises :class:`PermissionDenied`. Every change writes an audit event in
    the same transaction."""

    location: Path

    # session & people
    def session(self, actor: Actor) -> SessionInfo: ...
    def authenticate(self, token: str) -> Actor: ...
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
    ) -> NewExpert: ...
    def reset_token(self, actor: Actor, expert_id: int) -> NewExpert: ...
    def set_active(self, actor: Actor, expert_id: int, active: bool) -> Expert: ...
    def experts(self, actor: Actor) -> list[Expert]: ...

    # applications & assignments
    def import_application(
        self, actor: Actor, application: Any, *, content_sha256: str, source_name: str
    ) -> ImportResult: ...
    def applications(self, actor: Actor) -> list[ApplicationRecord]: ...
    def versions(self, actor: Actor, app_id: str | None = None) -> list[ApplicationVersion]: ...
    def application_snapshot(
        self, actor: Actor, app_id: str, version: int | None = None
    ) -> dict[str, Any]: ...
    def assign(
        self,
        actor: Actor,
        expert_ids: Sequence[int] | None = None,
        app_ids: Sequence[str] | None = None,
    ) -> int: ...
    def assignments(self, actor: Actor) -> list[Assignment]: ...

    # conflicts of interest
    def conflicts(self, actor: Actor, *, status: str | None = None) -> list[Conflict]: ...
    def declare_conflict(
        self, actor: Actor, app_id: str, reason: str, *, expert_id: int | None = None
    ) -> Conflict: ...
    def decide_conflict(
        self, actor: Actor, conflict_id: int, decision: str, reason: str
    ) -> Conflict: ...

    # reviews
    def save_draft(
        self,
        actor: Actor,
        app_id: str,
        *,
        weights: Mapping[str, Any] | None = None,
        scores: Mapping[str, Any] | None = None,
        opinion: Opinion | Mapping[str, Any] | None = None,
    ) -> Review: ...
    def submit(self, actor: Actor, app_id: str) -> Review: ...
    def my_review(self, actor: Actor, app_id: str) -> Review | None: ...
    def scores_for(self, actor: Actor, app_id: str) -> list[Review]: ...
    def reviews(self, actor: Actor, app_id: str | None = None) -> list[Review]: ...
    def reopen(self, actor: Actor, expert_id: int, app_id: str, reason: str) -> Review: ...
    def progress(self, actor: Actor) -> Progress: ...

    # consensus & finalization
    def set_consensus(
        self,
        actor: Actor,
        app_id: str,
        *,
        opinion: str,
        recommendation: str | None,
        majority: str = "",
        minority: str = "",
    ) -> Consensus: ...
    def consensus(self, actor: Actor, app_id: str) -> Consensus | None: ...
    def finalize(
        self, actor: Actor, app_id: str, *, note: str | None = None
    ) -> ApplicationRecord: ...
    def finalized_figures(self, actor: Actor, app_id: str) -> FinalizedFigures | None: ...
    def rounds(self, actor: Actor, app_id: str) -> list[ReviewRound]: ...

    # audit
    def events(self, actor: Actor, *, limit: int | None = None) -> list[AuditEvent]: ...
    def verify(self, actor: Actor, *, head: str | None = None) -> VerifyResult: ...
    def audit_head(self, actor: Actor) -> str: ...
    def close(self) -> None: ...

