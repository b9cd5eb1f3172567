"""The audit trail: reading events, verifying the chain and every record, the head."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nzc_review.store import access, validate
from nzc_review.store.audit import (
    ENTITY_ZH,
    EVENT_COLUMNS_SQL,
    EVENT_FIELDS,
    KEY_ENTITY,
    canonical_json,
    check_head,
    format_head,
    key_id,
    verify_chain,
)
from nzc_review.store.errors import StoreError
from nzc_review.store.keyfile import KEY_ENV, read_key, too_open
from nzc_review.store.records import Actor, AuditEvent, VerifyResult
from nzc_review.store.sqlite.database import Tx, json_key_id
from nzc_review.store.sqlite.shared import SharedFacts
from nzc_review.store.sqlite.snapshots import ENTITIES

__all__ = ["AuditTrailMixin"]


class AuditTrailMixin(SharedFacts):
    """The audit trail (审计记录): its events as each reader may see them, the check of the
    keyed hash chain and of every record against its last event, and the head to write
    down (:mod:`nzc_review.store.audit`)."""

    # --- audit -------------------------------------------------------------------------------

    def events(self, actor: Actor, *, limit: int | None = None) -> list[AuditEvent]:
        """Audit events, oldest first (the last ``limit`` when given): chair, secretary and
        the operator; for the secretary, what the events of reviews of open applications
        recorded is left out (access rule 7)."""

        def work(tx: Tx) -> list[AuditEvent]:
            access.require_reader_of_all(tx.actor, "read the audit trail", "the review session")
            if limit is None:
                rows = tx.all(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")
            else:
                rows = tx.all(
                    f"SELECT * FROM (SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY"
                    " seq DESC LIMIT ?) ORDER BY seq",
                    (limit,),
                )
            hidden: set[str] = set()
            if tx.actor.role == "secretary":  # access rule 7: no scores before finalizing
                hidden = {r[0] for r in tx.all("SELECT id FROM applications WHERE status = 'open'")}
            out = []
            for r in rows:
                d = dict(zip(EVENT_FIELDS, tuple(r), strict=True))
                secret = d["entity"] == "review" and str(d["entity_id"]).split("/", 1)[-1] in hidden
                for k in ("before", "after"):
                    d[k] = None if d[k] is None or secret else json.loads(d[k])
                out.append(AuditEvent(**d))
            return out

        return self._read(actor, work)

    def verify(self, actor: Actor, *, head: str | None = None) -> VerifyResult:
        """Check the audit trail: the keyed hash chain, the head written down earlier (when
        given), and that every record equals the state its last event recorded (a record
        changed behind the store's back is found too).

        Parameters
        ----------
        head:
            A head written down earlier (``87:3fa9…``, :meth:`audit_head`): proves that no
            event up to it was removed or rewritten since.

        Returns
        -------
        VerifyResult
            ``first_broken`` names the first event that fails; each finding is one Chinese
            sentence.

        Raises
        ------
        InputError
            ``head`` is not ``COUNT:HASH``.
        """
        anchored = None if head is None else validate.check_audit_head(head)

        def work(tx: Tx) -> VerifyResult:
            access.require_reader_of_all(tx.actor, "verify the audit trail", "the review session")
            rows = [
                tuple(r) for r in tx.all(f"SELECT {EVENT_COLUMNS_SQL} FROM events ORDER BY seq")
            ]
            problems, warnings, key, keyed_from = self._key_findings(rows)
            count, last_hash, chain = verify_chain(rows, key=key, keyed_from=keyed_from)
            problems.extend(chain)
            if anchored is not None:
                given = format_head(*anchored)
                problems.extend(check_head([(r[0], r[11]) for r in rows], *anchored, given))
            problems.extend((None, msg) for msg in self._record_findings(tx, rows))
            seqs = [seq for seq, _ in problems if isinstance(seq, int)]
            first = min(seqs) if seqs else None
            return VerifyResult(
                not problems, count, last_hash, first, tuple(problems), tuple(warnings)
            )

        return self._read(actor, work)

    def _key_findings(
        self, rows: Sequence[tuple]
    ) -> tuple[list[tuple[int | None, str]], list[str], bytes | None, int | None]:
        """What the key allows to check: ``(problems, warnings, key, keyed_from)``."""
        problems: list[tuple[int | None, str]] = []
        warnings: list[str] = []
        key_row = next((r for r in rows if r[5] == KEY_ENTITY), None)
        if key_row is None:
            warnings.append(
                "本评审会的审计链没有密钥：各事件只以 SHA-256 链接，能被重算，请以记录下的链头核对"
            )
            return problems, warnings, None, None
        keyed_from = key_row[0]
        if keyed_from > 1:
            warnings.append(
                f"第 1–{keyed_from - 1} 条审计事件记录于启用审计密钥（第 {keyed_from} 条事件，"
                f"{key_row[1]}）之前，只以 SHA-256 链接，能被重算，请以当时记录的链头核对"
            )
        try:
            key = read_key(self.key_path)
        except StoreError as exc:
            return [(None, str(exc))], warnings, None, keyed_from
        if key is None:
            problems.append(
                (
                    None,
                    f"{self.key_path}: 审计密钥文件不存在，无法校验第 {keyed_from} 条起各事件的"
                    f"密钥哈希（密钥在其他介质上时，用 --audit-key 或环境变量 {KEY_ENV} 指明）",
                )
            )
            return problems, warnings, None, keyed_from
        recorded = json_key_id(key_row[9])
        if recorded != key_id(key):
            problems.append(
                (
                    keyed_from,
                    f"{self.key_path}: 审计密钥与本评审会不符（其指纹 {key_id(key)}，第 {keyed_from} "
                    f"条事件记录为 {recorded}），或该事件被改写",
                )
            )
            return problems, warnings, None, keyed_from
        if too_open(self.key_path):
            warnings.append(
                f"{self.key_path}: 审计密钥文件其他用户也能读取，应只允许所有者读写（chmod 600）"
            )
        return problems, warnings, key, keyed_from

    @staticmethod
    def _record_findings(tx: Tx, rows: Sequence[tuple]) -> list[str]:
        """Every record that differs from the state its last audit event recorded."""
        found: list[str] = []
        last: dict[tuple[str, str], tuple[int, str | None]] = {}
        for r in rows:
            ev = dict(zip(EVENT_FIELDS, r, strict=True))
            last[(ev["entity"], ev["entity_id"])] = (ev["seq"], ev["after"])
        for entity, (list_sql, snap) in ENTITIES.items():
            current = {row[0] for row in tx.all(list_sql)}
            audited = {
                i for (e, i), (_, after) in last.items() if e == entity and after is not None
            }
            name = ENTITY_ZH.get(entity, entity)
            for ident in sorted(current | audited, key=str):
                seq, after = last.get((entity, ident), (None, None))
                try:
                    state = snap(tx, ident) if ident in current else None
                except ValueError:  # its JSON no longer parses
                    found.append(
                        f"{name} {ident} 中保存的 JSON 数据无法解析：被绕过审计改动或已损坏"
                    )
                    continue
                now = None if state is None else canonical_json(state)
                if now == after:
                    continue
                if after is None:
                    found.append(f"{name} {ident} 存在，但没有创建它的审计事件：被绕过审计写入")
                elif now is None:
                    found.append(
                        f"{name} {ident} 已被删除，但没有对应的审计事件（最后一条为第 {seq} 条）"
                    )
                else:
                    found.append(
                        f"{name} {ident} 与其最后审计状态（第 {seq} 条事件）不符："
                        "被绕过审计修改，或其后的审计事件被删除"
                    )
        return found

    def audit_head(self, actor: Actor) -> str:
        """The head of the audit trail, ``<events>:<hash of the last>`` (``87:3fa9…``): print
        it on what people sign; ``nzc-review audit verify --head`` proves against it that
        nothing was removed or rewritten since. Any member of the session may read it."""

        def work(tx: Tx) -> str:
            return format_head(*tx.last_event())

        return self._read(actor, work)
