"""The audit trail: append-only events chained by a keyed hash (HMAC-SHA-256).

Every change to the review store appends one event in the same transaction as the change:
who (actor id, role, name), when (UTC, ISO 8601), what (entity, id, action) and the record
before and after, as canonical JSON. Each event carries the hash of the previous one::

    hash_n = HMAC-SHA-256( key, canonical_json({seq, at, actor, actor_role, actor_name,
                                                entity, entity_id, action, before, after,
                                                prev_hash}) )
    prev_hash_n = hash_(n-1),  prev_hash_1 = "0" * 64

(RFC 2104 HMAC with SHA-256, FIPS 180-4), where ``before``/``after`` enter as the exact JSON
text stored, and canonical JSON is ``json.dumps(..., sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` in UTF-8. The key is 32 random bytes kept in a file *outside* the
database (:mod:`nzc_review.store.keyfile`), so whoever edits ``review.sqlite`` alone cannot
recompute the hashes of an edited, inserted or forged event: :func:`verify_chain` names the
first event that fails.

The first keyed event is the key event (entity ``audit_key``, action ``enable``): event 1 of
a session made with a key; in a session written before keys existed, the event appended when
the key was created, whose ``after`` records how many unkeyed events precede it and their
head. Events before it are checked as plain SHA-256 (anyone can recompute them; only an
anchored head proves them).

Removing events from the *end* leaves a valid shorter chain whatever the hash: the head
(:func:`format_head`, ``87:3fa9…``) printed on every signed opinion and session summary and
given back to ``nzc-review audit verify --head`` (:func:`check_head`) proves that nothing
was removed or rewritten since.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ENTITY_ZH",
    "GENESIS",
    "KEY_ENTITY",
    "canonical_json",
    "check_head",
    "event_hash",
    "format_head",
    "key_id",
    "parse_head",
    "utc_now",
    "verify_chain",
]

#: ``prev_hash`` of the first event.
GENESIS = "0" * 64

#: The entity of the event that starts the keyed part of the chain.
KEY_ENTITY = "audit_key"

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

#: Chinese names of the audited entities, for findings.
ENTITY_ZH = {
    "session": "评审会",
    "expert": "专家",
    "application": "申报",
    "application_version": "申报版本",
    "assignment": "评审分配",
    "conflict": "利益冲突",
    "review": "评审记录",
    "consensus": "专家组意见",
    "figures": "定稿评分",
    "round": "评审轮次",
    KEY_ENTITY: "审计密钥",
}

_HEAD = re.compile(r"^\s*(\d{1,12})\s*:\s*([0-9a-fA-F]{64})\s*$")


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
    key: bytes | None = None,
) -> str:
    """The hash (hex) of an event's fields and the previous event's hash: HMAC-SHA-256 with
    ``key``, or plain SHA-256 for the events written before the session had a key."""
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
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A public fingerprint of a key (16 hex digits), recorded in the key event so that a
    wrong key file is recognised before anything is written with it."""
    return hmac.new(key, b"nzc-review audit key id", hashlib.sha256).hexdigest()[:16]


def format_head(count: int, head: str) -> str:
    """The head as written in minutes and reports: ``<number of events>:<hash of the last>``."""
    return f"{count}:{head}"


def parse_head(text: str) -> tuple[int, str]:
    """``"87:3fa9…(64 hex)"`` → ``(87, "3fa9…")``.

    Raises
    ------
    ValueError
        Not ``COUNT:HASH`` with a 64-digit hexadecimal hash (message in Chinese).
    """
    match = _HEAD.match(text or "")
    if not match:
        raise ValueError(
            f"链头 {text!r} 格式不对，应写作“事件条数:64 位十六进制哈希”（nzc-review audit head 的输出）"
        )
    return int(match.group(1)), match.group(2).lower()


def _where(ev: dict[str, Any]) -> str:
    entity = ENTITY_ZH.get(str(ev["entity"]), str(ev["entity"]))
    return f"{entity} {ev['entity_id']} {ev['action']}，{ev['at']}，{ev['actor']}"


def verify_chain(
    rows: Iterable[Sequence[Any]],
    *,
    key: bytes | None = None,
    keyed_from: int | None = None,
) -> tuple[int, str, list[tuple[int, str]]]:
    """Check a sequence of event rows (columns :data:`EVENT_FIELDS`, ordered by ``seq``).

    Parameters
    ----------
    key:
        The session's key; ``None`` when it is not available (the keyed events' hashes are
        then not checked, only their links).
    keyed_from:
        Sequence number of the key event: events from it on are HMACs, those before plain
        SHA-256. ``None``: no event is keyed (a session written before keys existed).

    Returns
    -------
    (count, head, problems)
        The number of events, the hash of the last one (:data:`GENESIS` when there are
        none) and ``(seq, finding in Chinese)`` for each broken event, first broken first.
        After the first break, later events are checked against their *stored* predecessor
        so that one edit is reported once.
    """
    problems: list[tuple[int, str]] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        count += 1
        ev = dict(zip(EVENT_FIELDS, row, strict=True))
        seq = ev["seq"]
        where = _where(ev)
        if seq != expected_seq:
            problems.append(
                (
                    seq,
                    f"第 {seq} 条审计事件（{where}）之前应为第 {expected_seq} 条：有事件被删除或插入",
                )
            )
        if ev["prev_hash"] != expected_prev:
            problems.append(
                (
                    seq,
                    f"第 {seq} 条审计事件（{where}）与前一条的链接断开：之前的事件被改写、删除或插入",
                )
            )
        keyed = keyed_from is not None and isinstance(seq, int) and seq >= keyed_from
        if not keyed or key is not None:
            fields = {k: ev[k] for k in EVENT_FIELDS if k != "hash"}
            try:
                recomputed = event_hash(**fields, key=key if keyed else None)
            except (TypeError, ValueError) as exc:  # a field of the wrong type written by hand
                recomputed = f"<unhashable: {exc}>"
            if not hmac.compare_digest(str(recomputed), str(ev["hash"])):
                problems.append(
                    (
                        seq,
                        f"第 {seq} 条审计事件（{where}）的内容与其"
                        f"{'密钥哈希' if keyed else '哈希'}不符：该事件被改写或伪造",
                    )
                )
        expected_prev = ev["hash"]
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    return count, expected_prev, problems


def check_head(
    hashes: Sequence[tuple[int, str]], anchored_count: int, anchored_hash: str, anchored: str
) -> list[tuple[int, str]]:
    """Compare the chain with a head written down earlier (:func:`format_head`).

    Parameters
    ----------
    hashes:
        ``(seq, hash)`` of the events now in the database, ordered by ``seq``.
    anchored_count, anchored_hash:
        The head as written down (:func:`parse_head`).
    anchored:
        The head as the user gave it, quoted in the findings.

    Returns
    -------
    list of (seq, finding in Chinese)
        Empty when event ``anchored_count`` is there with that hash: with an intact chain
        this proves that events 1…``anchored_count`` are unchanged (each hash covers its
        predecessor's). Missing events are named (one finding for a run of them).
    """
    if anchored_count == 0:
        return []
    present = dict(hashes)
    have = max(present, default=0)
    if anchored_count > have:
        first = have + 1
        span = (
            f"第 {anchored_count} 条审计事件缺失"
            if first == anchored_count
            else f"第 {first}–{anchored_count} 条审计事件缺失"
        )
        return [
            (
                first,
                f"{span}（链头记录为 {anchored}，数据库中只有 {len(present)} 条事件）："
                "记录链头之后有事件被删除",
            )
        ]
    if anchored_count not in present:
        return [
            (
                anchored_count,
                f"第 {anchored_count} 条审计事件缺失（链头记录为 {anchored}）：有事件被删除",
            )
        ]
    found = present[anchored_count]
    if not hmac.compare_digest(str(found), anchored_hash):
        return [
            (
                anchored_count,
                f"第 {anchored_count} 条审计事件与记录的链头 {anchored} 不符（数据库中哈希为 "
                f"{str(found)[:16]}…）：该事件或之前的事件被改写",
            )
        ]
    return []
