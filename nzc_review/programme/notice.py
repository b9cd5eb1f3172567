"""The public notice, objections and the confirmation (三、(一)3 项目确定).

河环发〔2023〕23号 三、(一)3: “对通过专家评审的试点项目进行公示，公示期满无异议或异议不成立的正式确定为
试点项目”. Here:

* :func:`plan_notice` — the applications the expert review passed (statuses ``notice.statuses``
  of ``programme.yaml``: 评审推荐 and 修改完善后推荐), of one batch or all, with the period
  (start and end are given, never invented: the plan sets no length; the end must be after the
  start) and the contact for objections; :func:`record_notice` moves them to 公示中;
* :func:`add_objection` / :func:`decide_objection` — an objection received during the period
  (本工具默认规则: the period includes both its days, and an objection received outside it is
  refused) and its decision, once, with a reason;
* :func:`plan_confirm` — refused before the period is over (本工具默认规则: from the day after
  the end date) or while an objection is undecided, naming them; then :func:`record_confirm`
  moves each application: no objection upheld → 正式确定为试点, an objection upheld → 异议成立
  （不予确定）.

Planning is separate from recording so that the command line writes the notice or the list
first (atomically) and moves the applications only once they are written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nzc_review.present.dates import date_zh
from nzc_review.programme.checks import check_date, check_text
from nzc_review.programme.database import Tx
from nzc_review.programme.errors import ProgrammeError

if TYPE_CHECKING:
    from nzc_review.programme.register import Register

__all__ = [
    "ConfirmPlan",
    "NoticePlan",
    "add_objection",
    "confirm_problems",
    "decide_objection",
    "notices",
    "objections",
    "plan_confirm",
    "plan_notice",
    "record_confirm",
    "record_notice",
]


@dataclass(frozen=True)
class NoticePlan:
    """A public notice ready to be written and recorded."""

    start: str
    end: str
    contact: str
    batch: str | None
    doc: str | None
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ConfirmPlan:
    """A confirmation ready to be written and recorded: ``confirmed`` rows, and ``upheld``
    rows each with the objections upheld against it."""

    on: str
    batch: str | None
    doc: str | None
    confirmed: tuple[dict[str, Any], ...]
    upheld: tuple[tuple[dict[str, Any], tuple[dict[str, Any], ...]], ...]
    notices: tuple[dict[str, Any], ...]


def _batch_rows(reg: Register, statuses: tuple[str, ...], batch: str | None
                ) -> list[dict[str, Any]]:
    return [r for r in reg.status_rows()
            if r["status"] in statuses and (batch is None or r["batch"] == batch)]


def _batch_text(batch: str | None) -> str:
    return f"批次 {batch} 中" if batch else ""


def plan_notice(reg: Register, *, start: object, end: object, contact: object,
                batch: object = None, doc: object = None) -> NoticePlan:
    """The notice of the applications the expert review passed.

    Raises
    ------
    ProgrammeError
        A missing or bad date, the end not after the start, no contact, or no application
        to publish.
    """
    start_d = check_date(start, "公示开始日期（--start）")
    end_d = check_date(end, "公示截止日期（--end）")
    if end_d <= start_d:
        raise ProgrammeError(f"公示截止日期（--end）{end_d} 须晚于开始日期（--start）{start_d}")
    contact_t = check_text(contact, "异议联系方式（--contact）")
    batch_t = check_text(batch, "批次（--batch）", required=False)
    doc_t = check_text(doc, "文号（--doc）", required=False)
    statuses = reg.rules.notice.statuses
    rows = _batch_rows(reg, statuses, batch_t)
    if not rows:
        wanted = "、".join(reg.rules.named(s) for s in statuses)
        raise ProgrammeError(f"试点名录{_batch_text(batch_t)}没有可公示的申报（须为{wanted}）")
    return NoticePlan(start_d, end_d, contact_t, batch_t, doc_t, tuple(rows))


def record_notice(reg: Register, plan: NoticePlan, *, by: str) -> int:
    """Record the notice and move its applications to 公示中 (all or none); its id."""
    by_t = check_text(by, "经办（--by）")

    def work(tx: Tx) -> int:
        notice_id = int(tx.insert("notices", {
            "batch": plan.batch, "start_date": plan.start, "end_date": plan.end,
            "contact": plan.contact, "doc": plan.doc,
            "apps": json.dumps([r["id"] for r in plan.rows]), "created_at": tx.now,
            "created_by": by_t}, "发布"))
        for r in plan.rows:
            reg.transition(tx, r["id"], "in_notice", by=by_t, via="notice", doc=plan.doc,
                           date=plan.start,
                           reason=f"公示期 {date_zh(plan.start)}至{date_zh(plan.end)}")
        return notice_id

    return reg.db.write(work, by=by_t)


def notices(reg: Register) -> list[dict[str, Any]]:
    """Every notice, oldest first, its ``apps`` as a list."""
    rows = reg.db.read(lambda tx: [dict(r) for r in tx.all("SELECT * FROM notices ORDER BY id")])
    for r in rows:
        r["apps"] = json.loads(r["apps"])
    return rows


def _notice_of(tx: Tx, app_id: str) -> dict[str, Any] | None:
    """The last notice that published ``app_id``."""
    for r in tx.all("SELECT * FROM notices ORDER BY id DESC"):
        if app_id in json.loads(r["apps"]):
            return dict(r)
    return None


def objections(reg: Register, app_id: str | None = None) -> list[dict[str, Any]]:
    """The objections, oldest first (of one application when given)."""
    sql, args = "SELECT * FROM objections", ()
    if app_id is not None:
        sql, args = sql + " WHERE app_id = ?", (app_id,)
    return reg.db.read(lambda tx: [dict(r) for r in tx.all(sql + " ORDER BY id", args)])


def add_objection(reg: Register, app_id: str, *, received: object, content: object,
                  sender: object = None, by: str) -> dict[str, Any]:
    """Record an objection to an application in notice.

    Raises
    ------
    ProgrammeError
        The application is not in notice, or the objection was received outside the notice
        period (本工具默认规则), or a missing content or date.
    """
    received_d = check_date(received, "收到日期（--received）")
    content_t = check_text(content, "异议内容（--content）", long=True)
    sender_t = check_text(sender, "异议人（--from）", required=False)
    by_t = check_text(by, "经办（--by）")

    def work(tx: Tx) -> dict[str, Any]:
        status = reg.current_status(tx, app_id)
        if status != "in_notice":
            raise ProgrammeError(f"申报 {app_id} 当前状态为{reg.rules.named(status)}，"
                                 "不在公示中，不能登记异议")
        notice = _notice_of(tx, app_id)
        assert notice is not None  # in notice only through a notice
        if not notice["start_date"] <= received_d <= notice["end_date"]:
            raise ProgrammeError(
                f"申报 {app_id} 的公示期为 {date_zh(notice['start_date'])}至"
                f"{date_zh(notice['end_date'])}，{date_zh(received_d)}收到的异议不在公示期内，"
                f"不予登记（{reg.rules.notice.rules}）")
        key = tx.insert("objections", {
            "app_id": app_id, "notice_id": notice["id"], "received": received_d,
            "content": content_t, "sender": sender_t, "recorded_at": tx.now,
            "recorded_by": by_t}, "登记")
        return tx.snapshot("objections", key)

    return reg.db.write(work, by=by_t)


def decide_objection(reg: Register, objection_id: int, *, upheld: bool, reason: object,
                     by: str) -> dict[str, Any]:
    """Decide an objection once: upheld (异议成立) or rejected (异议不成立), with a reason.

    Raises
    ------
    ProgrammeError
        No such objection, already decided, or no reason.
    """
    reason_t = check_text(reason, "理由（--reason）", long=True)
    by_t = check_text(by, "经办（--by）")

    def work(tx: Tx) -> dict[str, Any]:
        row = tx.snapshot("objections", str(objection_id))
        if row is None:
            raise ProgrammeError(f"试点名录中没有编号为 {objection_id} 的异议")
        if row["decision"] is not None:
            raise ProgrammeError(f"异议 {objection_id}（申报 {row['app_id']}）已于 "
                                 f"{date_zh(row['decided_at'])}认定为"
                                 f"{'成立' if row['decision'] == 'upheld' else '不成立'}，不能再改")
        tx.update("objections", str(objection_id), {
            "decision": "upheld" if upheld else "rejected", "reason": reason_t,
            "decided_at": tx.now, "decided_by": by_t}, "认定成立" if upheld else "认定不成立")
        return tx.snapshot("objections", str(objection_id))

    return reg.db.write(work, by=by_t)


def confirm_problems(on: str, periods: dict[str, tuple[str, str]],
                     undecided: list[dict[str, Any]]) -> list[str]:
    """Why the applications cannot be confirmed on ``on`` (pure): a notice period not over
    (本工具默认规则: confirmed from the day after the end date), an objection undecided.

    Parameters
    ----------
    periods:
        Application id → (start, end) of its notice.
    undecided:
        The undecided objections (``id``, ``app_id``).
    """
    problems = []
    open_ = sorted(a for a, (_, end) in periods.items() if end >= on)
    if open_:
        by_end: dict[str, list[str]] = {}
        for a in open_:
            by_end.setdefault(periods[a][1], []).append(a)
        for end, apps in sorted(by_end.items()):
            first = dt.date.fromisoformat(end) + dt.timedelta(days=1)
            problems.append(f"公示期尚未届满：申报 {'、'.join(apps)} 的公示期至 {date_zh(end)}，"
                            f"{date_zh(first.isoformat())}起方可正式确定")
    for o in undecided:
        problems.append(f"异议 {o['id']}（申报 {o['app_id']}）尚未认定是否成立，请先用 "
                        "nzc-review programme objection decide 认定")
    return problems


def plan_confirm(reg: Register, *, on: object, batch: object = None, doc: object = None
                 ) -> ConfirmPlan:
    """The confirmation of the applications in notice (of one batch, or all).

    Raises
    ------
    ProgrammeError
        No application in notice, a period not over or an objection undecided (naming each).
    """
    on_d = check_date(on, "确定日期（--on）")
    batch_t = check_text(batch, "批次（--batch）", required=False)
    doc_t = check_text(doc, "文号（--doc）", required=False)
    rows = _batch_rows(reg, ("in_notice",), batch_t)
    if not rows:
        raise ProgrammeError(f"试点名录{_batch_text(batch_t)}没有公示中的申报")
    ids = {r["id"] for r in rows}

    def read(tx: Tx) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        return ({a: _notice_of(tx, a) for a in ids},
                [dict(o) for o in tx.all("SELECT * FROM objections ORDER BY id")])

    of, objs = reg.db.read(read)
    current = [o for o in objs if o["app_id"] in ids and o["notice_id"] == of[o["app_id"]]["id"]]
    periods = {a: (n["start_date"], n["end_date"]) for a, n in of.items()}
    problems = confirm_problems(on_d, periods, [o for o in current if o["decision"] is None])
    if problems:
        raise ProgrammeError("不能正式确定：" + "；".join(problems))
    upheld = {a: tuple(o for o in current if o["app_id"] == a and o["decision"] == "upheld")
              for a in ids}
    used = {n["id"]: n for n in of.values()}
    return ConfirmPlan(
        on_d, batch_t, doc_t,
        tuple(r for r in rows if not upheld[r["id"]]),
        tuple((r, upheld[r["id"]]) for r in rows if upheld[r["id"]]),
        tuple(used[k] for k in sorted(used)),
    )


def record_confirm(reg: Register, plan: ConfirmPlan, *, by: str) -> None:
    """Move the applications of the plan (all or none): 正式确定为试点, or 异议成立（不予确定）
    with the objections' reasons."""
    by_t = check_text(by, "经办（--by）")

    def work(tx: Tx) -> None:
        rejected = {r[0] for r in tx.all("SELECT app_id FROM objections WHERE decision = "
                                         "'rejected'")}
        for r in plan.confirmed:
            why = "公示期满，异议不成立" if r["id"] in rejected else "公示期满无异议"
            reg.transition(tx, r["id"], "confirmed", by=by_t, via="confirm", doc=plan.doc,
                           date=plan.on, reason=why)
        for r, objs in plan.upheld:
            why = "；".join(f"异议 {o['id']} 成立：{o['reason']}" for o in objs)
            reg.transition(tx, r["id"], "objection_upheld", by=by_t, via="confirm",
                           doc=plan.doc, date=plan.on, reason=why)

    reg.db.write(work, by=by_t)
