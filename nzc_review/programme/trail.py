"""Checking the register's audit trail: the keyed hash chain (:func:`nzc_review.store.audit.verify_chain`)
and every record against the state its last event recorded, so that an edit made to
``programme.sqlite`` behind the register's back — an event rewritten, inserted or removed, a
row changed — is named, with the first event that fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nzc_review.programme.database import ENTITIES, Database, Tx
from nzc_review.store.audit import (
    EVENT_COLUMNS_SQL,
    EVENT_FIELDS,
    KEY_ENTITY,
    canonical_json,
    format_head,
    key_id,
    verify_chain,
)
from nzc_review.store.errors import StoreError
from nzc_review.store.keyfile import read_key

__all__ = ["TrailCheck", "verify_register"]


@dataclass(frozen=True)
class TrailCheck:
    """The result of a check: ``ok``, the number of events, the head (``count:hash``), the
    findings ``(seq or None, Chinese sentence)`` first broken first, and ``first_broken``."""

    ok: bool
    events: int
    head: str
    problems: tuple[tuple[int | None, str], ...]
    first_broken: int | None


def _recorded_key_id(after: object) -> str | None:
    try:
        value = json.loads(str(after))
    except ValueError:
        return None
    return value.get("key_id") if isinstance(value, dict) else None


def _record_findings(tx: Tx, rows: list[tuple]) -> list[str]:
    last: dict[tuple[str, str], tuple[int, str | None]] = {}
    for r in rows:
        ev = dict(zip(EVENT_FIELDS, r, strict=True))
        last[(ev["entity"], ev["entity_id"])] = (ev["seq"], ev["after"])
    found = []
    for entity, (table, key) in ENTITIES.items():
        current = {str(r[0]): {k: r[k] for k in r.keys()[1:]}
                   for r in tx.all(f"SELECT {key} AS _key, * FROM {table}")}
        audited = {i for (e, i), (_, after) in last.items() if e == entity and after is not None}
        for ident in sorted(set(current) | audited):
            seq, after = last.get((entity, ident), (None, None))
            now = canonical_json(current[ident]) if ident in current else None
            if now == after:
                continue
            if after is None:
                found.append(f"{entity} {ident} 存在，但没有记录它的审计事件：被绕过审计写入")
            elif now is None:
                found.append(f"{entity} {ident} 已被删除，但没有对应的审计事件（最后一条为第 {seq} 条）")
            else:
                found.append(f"{entity} {ident} 与其最后审计状态（第 {seq} 条事件）不符：被绕过审计"
                             "修改，或其后的审计事件被删除")
    return found


def verify_register(db: Database) -> TrailCheck:
    """Check the register's audit trail (needs the key file to check the keyed hashes)."""

    def work(tx: Tx) -> TrailCheck:
        rows = [tuple(r) for r in tx.all(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")]
        problems: list[tuple[int | None, str]] = []
        key_row = next((r for r in rows if r[5] == KEY_ENTITY), None)
        key = None
        if key_row is None:
            problems.append((1, "试点名录的审计链缺少启用审计密钥的事件：数据库被改写"))
        else:
            try:
                key = read_key(db.key_path)
            except StoreError as exc:
                problems.append((None, str(exc)))
            if key is None and not problems:
                problems.append((None, f"{db.key_path}: 审计密钥文件不存在，无法校验各事件的密钥哈希"))
            elif key is not None and _recorded_key_id(key_row[9]) != key_id(key):
                problems.append((key_row[0], f"{db.key_path}: 审计密钥与本名录不符，或第 "
                                             f"{key_row[0]} 条事件被改写"))
                key = None
        count, head, chain = verify_chain(rows, key=key,
                                          keyed_from=key_row[0] if key_row else None)
        problems += chain
        problems += [(None, m) for m in _record_findings(tx, rows)]
        seqs = [s for s, _ in problems if isinstance(s, int)]
        return TrailCheck(not problems, count, format_head(count, head), tuple(problems),
                          min(seqs) if seqs else None)

    return db.read(work)
