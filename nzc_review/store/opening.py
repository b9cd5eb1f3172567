"""Opening a review session's store (any backend), creating a session, the hash of a file
to import and the head of its audit trail. Reading the files a session imports (applications,
self-evaluation reports) is :func:`nzc_review.meeting.documents.import_file`: the store knows no
file format."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nzc_review.store.errors import StoreError
from nzc_review.store.interface import ReviewStore
from nzc_review.store.records import Actor, Criterion
from nzc_review.store.sqlite import SQLiteStore

__all__ = [
    "audit_head",
    "create_session",
    "file_sha256",
    "open_store",
    "register_backend",
]

Opener = Callable[..., ReviewStore]
_BACKENDS: dict[str, Opener] = {}


def register_backend(scheme: str, opener: Opener) -> None:
    """Make ``open_store("<scheme>://…")`` use ``opener(location, **options)``.

    A server database (e.g. ``postgresql://``) would register here; the panels keep
    calling :func:`open_store`.
    """
    _BACKENDS[scheme.lower()] = opener


def open_store(location: str | os.PathLike[str], **options: Any) -> ReviewStore:
    """Open the review store of a session.

    Parameters
    ----------
    location:
        A review session folder (SQLite, ``SESSION_DIR/review.sqlite``), or a URL whose
        scheme was registered with :func:`register_backend`.
    options:
        Passed to the backend (SQLite: ``busy_timeout``, ``retry_deadline``,
        ``synchronous``, ``audit_key``, ``check_on_open``).

    Raises
    ------
    DatabaseDamaged
        The database file is damaged (one sentence naming it).
    StoreError
        Not a review session folder, or an unknown URL scheme.
    """
    text = os.fspath(location)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in _BACKENDS:
            known = ", ".join(sorted(_BACKENDS)) or "none registered"
            raise StoreError(f"no review-store backend for {scheme}:// ({known})")
        return _BACKENDS[scheme](text, **options)
    return SQLiteStore(Path(text), **options)


def create_session(
    session_dir: str | os.PathLike[str],
    *,
    name: str,
    date: str | None = None,
    batch: str | None = None,
    criteria: Sequence[Criterion] | Sequence[Any] | None = None,
    rules: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
    **options: Any,
) -> SQLiteStore:
    """Create a review session (评审会) in a folder and return its store.

    Parameters
    ----------
    name, date, batch:
        The session's name, date (free text, e.g. ``2024-05-20``) and pilot batch.
    criteria:
        The review criteria (default :data:`~nzc_review.store.records.DEFAULT_CRITERIA`,
        equal weights): a list of :class:`Criterion`, of names, or of ``{id, name, name_en,
        weight}``.
    rules:
        Overrides of the default rules, any of :class:`~nzc_review.store.rules.SessionRules`
        (``expert_display``, ``bands``, ``trim``, ``score_min``, ``score_max``, ``outlier_*``,
        ``chair_scores``).
    actor:
        Who creates it (default: the operator at the command line).
    options:
        Passed to the store; ``audit_key`` names the audit key file to create (default
        ``$NZC_REVIEW_AUDIT_KEY``, else ``SESSION_DIR/audit.key``, mode 0600).
    """
    return SQLiteStore.create(
        session_dir,
        actor or Actor.operator(),
        name=name,
        date=date,
        batch=batch,
        criteria=criteria,
        rules=rules,
        **options,
    )


def audit_head(store: ReviewStore, actor: Actor | None = None) -> str:
    """The head of the session's audit trail, ``<events>:<hash>`` (``87:3fa9…``), to print on
    signed opinions and summaries; ``""`` for a backend without one.

    ``nzc-review audit verify SESSION_DIR --head <head>`` later proves that no event up to
    it was removed or rewritten (:mod:`nzc_review.store.audit`).
    """
    head = getattr(store, "audit_head", None)
    return head(actor or Actor.operator()) if callable(head) else ""


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
