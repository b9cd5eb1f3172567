"""The embedded review store: one SQLite database per review session folder.

``SESSION_DIR/review.sqlite`` in WAL mode (readers never wait for the writer), with a busy
timeout, foreign keys, ``synchronous=FULL`` (a committed save survives a power cut, not only
a crash) and the schema of :mod:`nzc_review.store.schema`.

Concurrency: every write runs in ``BEGIN IMMEDIATE`` (the write lock is taken at the start,
so two writers never deadlock upgrading a read lock), together with its audit event. When
the database is busy, SQLite itself waits up to ``busy_timeout``; beyond that the store
rolls back and retries the whole operation with jittered exponential backoff until
``retry_deadline``, and only then raises :class:`~nzc_review.store.errors.StoreBusy` —
``database is locked`` never reaches a user. One store object may be shared by threads
(calls are serialised by a lock); processes each open their own.

:class:`SQLiteStore` is composed of one part per area, each a module of this package:
:mod:`~nzc_review.store.sqlite.session` (opening, creating, transactions, the audit key),
:mod:`~nzc_review.store.sqlite.shared` (what the parts share),
:mod:`~nzc_review.store.sqlite.experts` (people and conflicts of interest),
:mod:`~nzc_review.store.sqlite.versions` (applications, versions, review rounds),
:mod:`~nzc_review.store.sqlite.reviews` (assignments and reviews),
:mod:`~nzc_review.store.sqlite.consensus` (consensus and finalization) and
:mod:`~nzc_review.store.sqlite.trail` (the audit trail); :mod:`~nzc_review.store.sqlite.database`
and :mod:`~nzc_review.store.sqlite.snapshots` hold the transaction and the record snapshots.
"""

from __future__ import annotations

from nzc_review.store.sqlite.consensus import ConsensusMixin
from nzc_review.store.sqlite.database import DB_NAME
from nzc_review.store.sqlite.experts import ExpertsMixin
from nzc_review.store.sqlite.reviews import ReviewsMixin
from nzc_review.store.sqlite.trail import AuditTrailMixin
from nzc_review.store.sqlite.versions import VersionsMixin

__all__ = ["DB_NAME", "SQLiteStore"]


class SQLiteStore(ExpertsMixin, VersionsMixin, ReviewsMixin, ConsensusMixin, AuditTrailMixin):
    """The review store in ``SESSION_DIR/review.sqlite`` (see the module docstring).

    Parameters
    ----------
    session_dir:
        The review session folder; it must hold a database made by :meth:`create`.
    busy_timeout:
        Seconds SQLite waits for a lock before reporting busy.
    retry_deadline:
        Seconds the store keeps retrying a busy operation before :class:`StoreBusy`.
    synchronous:
        ``FULL`` (default: durable on power loss) or ``NORMAL`` (durable on a crash only).
    clock:
        Source of UTC timestamps (tests may pin it).
    audit_key:
        The audit key file (default ``$NZC_REVIEW_AUDIT_KEY``, else
        ``SESSION_DIR/audit.key``; see :mod:`nzc_review.store.keyfile`). Writing needs it;
        reading does not. A session written before keys existed gets one on first open
        (created here, and recorded by a key event that anchors the earlier events).
    check_on_open:
        Check the file before use (``PRAGMA integrity_check``, and every stored value read
        back as the type its column holds, text as UTF-8; :meth:`_check_sound`). A damaged
        file raises :class:`DatabaseDamaged` here rather than half-way through a command.
        The cost grows with the file: measured 0.7 s for a 62 MB store of 10,000 events
        with long opinions (about 12 ms per MB), against 2 ms without the check.

    Raises
    ------
    DatabaseDamaged
        The database file is damaged.
    StoreError
        Not a review session folder, or a database this version cannot read.
    """
