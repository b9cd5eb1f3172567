"""The review store: everything a review meeting produces, kept safe.

Each expert's weights, scores and written opinion, conflicts of interest, the chair's
consensus and the recommendation, with access rules enforced here (not in the UI) and an
append-only, hash-chained audit trail.

Typical use (a Voila panel)::

    from nzc_review.store import open_store

    store = open_store(session_dir)
    me = store.authenticate(token)                  # -> Actor(expert_id, role, name)
    for a in store.assignments(me): ...
    store.save_draft(me, app_id, scores={"建设基础": 80}, opinion={...})
    store.submit(me, app_id)
    store.scores_for(me, app_id)                    # blind review: after one's own submit

Embedded by default: SQLite in ``SESSION_DIR/review.sqlite``
(:class:`~nzc_review.store.sqlite.SQLiteStore`). The panels depend only on the
:class:`~nzc_review.store.interface.ReviewStore` interface and :func:`open_store`; a server
database is one :func:`register_backend` call away.

Where things are: :mod:`~nzc_review.store.records` (roles, vocabulary, the records every
query returns), :mod:`~nzc_review.store.errors`, :mod:`~nzc_review.store.rules` (a session's
rules, typed, with their defaults), :mod:`~nzc_review.store.interface` (:class:`ReviewStore`),
:mod:`~nzc_review.store.opening` (:func:`open_store`, :func:`create_session`, …),
:mod:`~nzc_review.store.validate` (every input check), :mod:`~nzc_review.store.access` (who may
do what), :mod:`~nzc_review.store.audit` (the hash-chained trail) and the SQLite backend
:mod:`~nzc_review.store.sqlite`. This package exports the public names of each (their
``__all__``), so each name is listed once, where it is defined.
"""

from __future__ import annotations

from nzc_review.store import errors, interface, opening, records, rules, sqlite
from nzc_review.store.errors import *  # noqa: F403
from nzc_review.store.interface import *  # noqa: F403
from nzc_review.store.opening import *  # noqa: F403
from nzc_review.store.records import *  # noqa: F403
from nzc_review.store.rules import *  # noqa: F403
from nzc_review.store.sqlite import *  # noqa: F403

__all__ = [
    *records.__all__,
    *errors.__all__,
    *rules.__all__,
    *interface.__all__,
    *opening.__all__,
    *sqlite.__all__,
]
