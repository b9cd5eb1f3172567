"""The audit trail: append-only events chained by SHA-256.

Every change to the review store appends one event in the same transaction as the change:
who (actor id, role, name), when (UTC, ISO 8601), what (entity, id, action) and the record
before and after, as canonical JSON. Each event carries the hash of the previous one::

    hash_n = SHA-256( canonical_json({seq, at, actor, actor_role, actor_name, entity,
                                      entity_id, action, before, after, prev_hash}) )
    prev_hash_n = hash_(n-1),  prev_hash_1 = "0" * 64

where ``before``/``after`` enter as the exact JSON text stored, and canonical JSON is
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` in UTF-8.
Editing, inserting, deleting or reordering any event breaks the chain from that event on;
:func:`verify_chain` names the first broken one. Dropping events from the *end* leaves a
valid shorter chain: write the head hash (``nzc-review audit verify`` prints it) in the
meeting minutes to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["GENESIS", "canonical_json", "event_hash", "utc_now", "verify_chain"]

#: ``prev_hash`` of the first event.
GENESIS = "0" * 64

#: Column order of an event row, as selected by :data:`EVENT_COLUMNS_SQL`.
EVENT_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_role",
    "actor_name",
    "entity",
    "entity_id",
    "action",
    "before",
    "after",
    "prev_hash",
    "hash",
)
EVENT_COLUMNS_SQL = ", ".join(EVENT_FIELDS)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no whitespace and non-ASCII kept: one text per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def utc_now() -> str:
    """The current time in UTC, ISO 8601 with microseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    actor_role: str,
    actor_name: str,
    entity: str,
    entity_id: str,
    action: str,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of an event's fields and the previous event's hash."""
    payload = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "actor_role": actor_role,
            "actor_name": actor_name,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def verify_chain(rows: Iterable[tuple]) -> tuple[int, str, list[tuple[int, str]]]:
    """Check a sequence of event rows (columns :data:`EVENT_FIELDS`, ordered by ``seq``).

    Returns
    -------
    (count, head, problems)
        The number of events, the hash of the last one (:data:`GENESIS` when there are
        none) and ``(seq, message)`` for each broken event, first broken first. After the
        first break, later events are checked against their *stored* predecessor so that
        one edit is reported once.
    """
    problems: list[tuple[int, str]] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        count += 1
        ev = dict(zip(EVENT_FIELDS, row, strict=True))
        seq = ev["seq"]
        where = f"{ev['entity']} {ev['entity_id']} {ev['action']} at {ev['at']} by {ev['actor']}"
        if seq != expected_seq:
            problems.append(
                (
                    seq,
                    f"event #{seq} ({where}): expected event #{expected_seq} here; "
                    "events were deleted or inserted",
                )
            )
        if ev["prev_hash"] != expected_prev:
            problems.append(
                (
                    seq,
                    f"event #{seq} ({where}): its link to the previous event is broken "
                    "(an event before it was changed, deleted or inserted)",
                )
            )
        try:
            recomputed = event_hash(**{k: ev[k] for k in EVENT_FIELDS if k != "hash"})
        except (TypeError, ValueError) as exc:  # a field of the wrong type written by hand
            recomputed = f"<unhashable: {exc}>"
        if recomputed != ev["hash"]:
            problems.append(
                (
                    seq,
                    f"event #{seq} ({where}): its content does not match its hash "
                    "(the event was edited)",
                )
            )
        expected_prev = ev["hash"]
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    return count, expected_prev, problems
