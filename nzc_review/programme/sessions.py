"""Review and acceptance sessions linked to the register: what their finalized applications
move to.

A session (a review-store folder, :mod:`nzc_review.store`) is linked once
(:func:`link_session`): the register records it, and the session folder gets a small file,
:data:`LINK_FILE`, naming the register, so that the chair's finalize knows where to push
(:func:`push_finalized`). From then on the register follows the session:

* an application of the session not finalized yet moves from the statuses of
  ``session_start`` (``programme.yaml``) to the session's working status — 专家评审中
  (``under_review``, 三、(一)2) for a review session, 已申请验收 (``acceptance_applied``,
  三、(二)2) for an acceptance session;
* a finalized application moves by the panel's consensus (``session_outcomes``): 推荐 →
  评审推荐, 修改完善后推荐 → 修改完善后推荐, 不推荐 → 评审不推荐; 通过验收 → 通过验收,
  不通过验收 → 未通过验收 — through the working status first when it is not there yet. The
  consensus is recorded as the document, its date as the document's date.

Each finalized result (session, application, review round) is recorded once: a pull on every
opening of the register (:func:`pull`) and the push at finalize are idempotent, and a result
that cannot be applied (the application is elsewhere in its life) is recorded with the reason,
never retried. The session kind is ``SessionRules.kind`` (``review`` when the session has none).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nzc_review.errors import NzcError
from nzc_review.files.atomic import write_atomic
from nzc_review.programme.catalog import SESSION_KINDS, ProgrammeRules
from nzc_review.programme.checks import LONG_CHARS
from nzc_review.programme.database import Tx
from nzc_review.programme.errors import ProgrammeError
from nzc_review.programme.transitions import allowed_next

if TYPE_CHECKING:
    from nzc_review.programme.register import Register

__all__ = ["LINK_FILE", "SessionApp", "Synced", "sync_store", "link_session", "linked_register", "plan_result",
           "pull", "push_finalized", "session_kind"]

#: The file in a session folder naming the register it is linked to.
LINK_FILE = "programme-link.json"
LINK_FORMAT = "nzc-programme-link/1"
_KIND_ZH = {"review": "评审会", "acceptance": "验收会"}


@dataclass(frozen=True)
class Synced:
    """What one sync recorded: application id → the status it moved to (the last, when it
    moved twice), and the notes (Chinese) of results that could not be applied."""

    moved: dict[str, str]
    notes: list[str]


@dataclass(frozen=True)
class SessionApp:
    """What the register needs of one application of a session (read from its store)."""

    app_id: str
    finalized: bool
    round: int
    outcome: str | None = None       # the consensus's recommendation code
    opinion: str = ""
    finalized_at: str | None = None


def session_kind(info: Any) -> str:
    """The kind of a session (its :class:`~nzc_review.store.records.SessionInfo`):
    ``SessionRules.kind``, ``review`` when the rules have none."""
    return str(getattr(info.session_rules, "kind", "review") or "review")


def plan_result(rules: ProgrammeRules, kind: str, status: str, outcome: str | None
                ) -> tuple[tuple[str, ...], str | None]:
    """The statuses a finalized result moves an application through (pure).

    Returns
    -------
    (steps, why_not)
        ``steps`` empty when nothing moves; ``why_not`` then says why in Chinese (``None``
        when the application is there already).
    """
    target = rules.session_outcomes.get(kind, {}).get(outcome or "")
    if target is None:
        return (), f"专家组结论 {outcome!r} 不对应名录中的任何状态"
    if status == target:
        return (), None
    if target in allowed_next(rules, status):
        return (target,), None
    start = rules.session_start.get(kind)
    if start is not None and status in start.source and start.to in allowed_next(rules, status) \
            and target in allowed_next(rules, start.to):
        return (start.to, target), None
    return (), (f"申报当前状态为{rules.named(status)}，不能按{_KIND_ZH.get(kind, kind)}结论变更为"
                f"{rules.named(target)}，未记入")


def _read_session(store: Any) -> tuple[Any, list[SessionApp]]:
    """The session's record and its applications, as the operator reads them."""
    from nzc_review.store import Actor

    op = Actor.operator()
    info = store.session(op)
    apps = []
    for a in store.applications(op):
        consensus = store.consensus(op, a.id) if a.finalized else None
        apps.append(SessionApp(
            app_id=a.id, finalized=a.finalized, round=a.round,
            outcome=getattr(consensus, "recommendation", None),
            opinion=getattr(consensus, "opinion", "") or "", finalized_at=a.finalized_at))
    return info, apps


def _link_row(tx: Tx, folder: str) -> Any:
    return tx.one("SELECT * FROM sessions WHERE folder = ?", (folder,))


def _apply(reg: Register, tx: Tx, link: Any, apps: Sequence[SessionApp]) -> Synced:
    """Record what the session's applications say, inside one write transaction."""
    from nzc_review.present.dates import CHINA_TZ, date_zh

    rules, kind, notes = reg.rules, link["kind"], []
    moved: dict[str, str] = {}
    start = rules.session_start.get(kind)
    known = {r[0] for r in tx.all("SELECT id FROM applications")}
    who = f"{_KIND_ZH.get(kind, kind)}“{link['name']}”"
    for app in apps:
        if app.app_id not in known:
            continue
        if tx.one("SELECT 1 FROM session_apps WHERE session_id = ? AND app_id = ?",
                  (link["id"], app.app_id)) is None:
            tx.insert("session_apps", {"session_id": link["id"], "app_id": app.app_id,
                                       "linked_at": tx.now}, "关联")
        status = reg.current_status(tx, app.app_id)
        if not app.finalized:
            if start is not None and status in start.source and start.to in allowed_next(
                    rules, status):
                reg.transition(tx, app.app_id, start.to, by=who,
                               reason=f"列入{who}（{link['folder']}）")
                moved[app.app_id] = start.to
            continue
        if tx.one("SELECT 1 FROM session_results WHERE session_id = ? AND app_id = ? AND "
                  "round = ?", (link["id"], app.app_id, app.round)) is not None:
            continue
        steps, why_not = plan_result(rules, kind, status, app.outcome)
        day = _china_day(app.finalized_at, CHINA_TZ)
        doc = f"{who}专家组意见（{date_zh(day)}定稿）" if day else f"{who}专家组意见"
        reason = (app.opinion or "").strip()[:LONG_CHARS] or None
        for n, step in enumerate(steps):
            final = n == len(steps) - 1
            reg.transition(tx, app.app_id, step, by=who, doc=doc,
                           reason=reason if final else None, date=day if final else None,
                           source=f"{link['id']}/{app.app_id}/{app.round}" if final else None)
            moved[app.app_id] = step
        if why_not:
            notes.append(f"{who}中申报 {app.app_id} 的结论（{app.outcome}）：{why_not}")
        tx.insert("session_results", {
            "session_id": link["id"], "app_id": app.app_id, "round": app.round,
            "outcome": app.outcome or "", "status": steps[-1] if steps else None,
            "applied": 1 if steps else 0, "note": why_not, "finalized_at": app.finalized_at,
            "recorded_at": tx.now}, "记入" if steps else "未记入")
    return Synced(moved, notes)


def _china_day(instant: str | None, tz: Any) -> str | None:
    import datetime as dt

    if not instant:
        return None
    try:
        when = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).date().isoformat()


def sync_store(reg: Register, store: Any) -> Synced:
    """Record what one linked session (its open store) says.

    Raises
    ------
    ProgrammeError
        The session is not linked to this register.
    """
    folder = str(Path(store.location).resolve())
    link = reg.db.read(lambda tx: _link_row(tx, folder))
    if link is None:
        raise ProgrammeError(f"评审会 {folder} 未关联试点名录 {reg.folder}")
    _, apps = _read_session(store)
    return reg.db.write(lambda tx: _apply(reg, tx, link, apps), by="评审会同步", role="session")


def pull(reg: Register) -> list[str]:
    """Read every linked session and record what it finalized (idempotent); a session that
    cannot be read is named in the notes and tried again next time."""
    from nzc_review.store import open_store

    notes: list[str] = []
    for link in reg.linked_sessions():
        try:
            store = open_store(link["folder"])
        except (NzcError, OSError) as exc:
            notes.append(f"评审会 {link['folder']} 无法读取（{exc}），其结论暂未记入试点名录")
            continue
        try:
            notes += sync_store(reg, store).notes
        except NzcError as exc:
            notes.append(f"评审会 {link['folder']} 的结论暂未记入试点名录（{exc}）")
        finally:
            store.close()
    return notes


def linked_register(session_dir: str | os.PathLike[str]) -> Path | None:
    """The register folder a session folder is linked to (its :data:`LINK_FILE`), or
    ``None`` when it is not linked.

    Raises
    ------
    ProgrammeError
        The link file cannot be read.
    """
    path = Path(session_dir) / LINK_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Path(data["programme"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProgrammeError(f"{path}: 试点名录关联文件无法读取（{exc}）") from None


def link_session(reg: Register, session_dir: str | os.PathLike[str], *, by: str
                 ) -> dict[str, Any]:
    """Link a review or acceptance session to the register and record what it says now.

    Returns
    -------
    dict
        ``session`` (its row), ``moved`` (application id → status now, for those whose status
        changed), ``outside`` (the session's applications not in the register) and ``notes``.

    Raises
    ------
    ProgrammeError
        Not a session folder, a kind the register cannot follow, or a session linked to
        another register.
    """
    from nzc_review.programme.checks import check_text
    from nzc_review.store import open_store

    by_text = check_text(by, "经办（--by）")
    folder = Path(session_dir).resolve()
    try:
        store = open_store(folder)
    except NzcError as exc:
        raise ProgrammeError(f"{session_dir}: 不能关联（{exc}）") from None
    try:
        info, apps = _read_session(store)
        kind = session_kind(info)
        if kind not in SESSION_KINDS:
            raise ProgrammeError(f"{session_dir}: 评审会类型 {kind!r} 不能关联试点名录"
                                 f"（可关联：{'、'.join(SESSION_KINDS)}）")
        other = linked_register(folder)
        if other is not None and other.resolve() != reg.folder.resolve():
            raise ProgrammeError(f"{session_dir}: 已关联另一个试点名录 {other}，不能再关联 "
                                 f"{reg.folder}")
        def work(tx: Tx) -> Synced:
            if _link_row(tx, str(folder)) is None:
                tx.insert("sessions", {"folder": str(folder), "kind": kind, "name": info.name,
                                       "linked_at": tx.now, "linked_by": by_text}, "关联")
            return _apply(reg, tx, _link_row(tx, str(folder)), apps)

        synced = reg.db.write(work, by=by_text)
        write_atomic(folder / LINK_FILE, json.dumps(
            {"format": LINK_FORMAT, "programme": str(reg.folder.resolve())},
            ensure_ascii=False, indent=2) + "\n")
    finally:
        store.close()
    after = {r["id"]: r["status"] for r in reg.status_rows()}
    link = reg.db.read(lambda tx: dict(_link_row(tx, str(folder))))
    return {
        "session": link,
        "moved": synced.moved,
        "outside": sorted(a.app_id for a in apps if a.app_id not in after),
        "notes": synced.notes,
    }


def push_finalized(store: Any) -> str | None:
    """After the chair finalizes: record the session's results in its register at once.

    Never raises: the finalize stands whatever happens here. Returns ``None`` when there is
    nothing to say (the session is linked to no register, or nothing new was recorded), else
    Chinese sentences for the chair: what was recorded, or why not (a failure is retried by
    the next opening of the register).
    """
    try:
        folder = linked_register(store.location)
        if folder is None:
            return None
        from nzc_review.programme.register import open_register

        with open_register(folder, sync=False) as reg:
            synced = sync_store(reg, store)
            moved = "；".join(f"申报 {a} → {reg.rules.label(s)}" for a, s in synced.moved.items())
        said = [f"已记入试点名录：{moved}"] if moved else []
        return "。".join(said + [f"试点名录：{n}" for n in synced.notes]) or None
    except Exception as exc:  # the finalize must stand: say it, the pull retries
        return f"试点名录未能更新（{exc}），下次读取名录时将自动补记"
