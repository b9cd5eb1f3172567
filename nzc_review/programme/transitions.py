"""The transition rules, as pure functions over :class:`~nzc_review.programme.catalog.ProgrammeRules`.

Which status may follow which, with the clause of 河环发〔2023〕23号 三、实施步骤 each rests on, is
data (``programme.yaml``); here it is applied: a status named by code or label
(:func:`resolve_status`), the statuses that may follow (:func:`allowed_next`) and the check of
one change (:func:`check_transition`), refused with a Chinese sentence naming the application,
its status and the statuses allowed next.
"""

from __future__ import annotations

from nzc_review.programme.catalog import ProgrammeRules, Transition
from nzc_review.programme.errors import ProgrammeError, TransitionRefused

__all__ = ["allowed_next", "check_transition", "resolve_status"]

_VIA_ZH = {
    "register": "以新版本申报文件重新登记（nzc-review programme register）",
    "notice": "发布公示（nzc-review programme notice）",
    "confirm": "公示期满后正式确定（nzc-review programme confirm）",
}
_REQUIRES_ZH = {"reason": "理由（--reason）", "doc": "文号（--doc）"}


def resolve_status(rules: ProgrammeRules, text: str) -> str:
    """The code of a status given by code (``confirmed``) or label (``正式确定为试点``).

    Raises
    ------
    ProgrammeError
        No status has that code or label (every status named).
    """
    given = (text or "").strip()
    for s in rules.statuses:
        if given in (s.code, s.label):
            return s.code
    known = "、".join(rules.named(s.code) for s in rules.statuses)
    raise ProgrammeError(f"没有名为 {given!r} 的状态；可用：{known}")


def allowed_next(rules: ProgrammeRules, current: str) -> tuple[str, ...]:
    """The statuses an application in ``current`` may move to (any command)."""
    return tuple(t.to for t in rules.next_statuses(current))


def _allowed_text(rules: ProgrammeRules, current: str) -> str:
    options = rules.next_statuses(current)
    if not options:
        return "该状态之后不再变更"
    shown = "、".join(rules.named(t.to) + (f"（须{_VIA_ZH[t.via]}）" if t.via else "")
                     for t in options)
    return f"可变更为：{shown}"


def check_transition(
    rules: ProgrammeRules,
    app_id: str,
    current: str,
    to: str,
    *,
    via: str | None = None,
    doc: str | None = None,
    reason: str | None = None,
) -> Transition:
    """The transition ``current`` → ``to`` of ``app_id``, when the rules allow it.

    Parameters
    ----------
    via:
        The command making it (``register``, ``notice``, ``confirm``; ``None``: ``advance`` or
        a finalized session). A transition the rules reserve for a command is refused to the
        others.
    doc, reason:
        What the change records; a status that ``requires`` them refuses a change without.

    Raises
    ------
    TransitionRefused
        Not an allowed change, reserved for another command, or a required reason or
        document number missing: one sentence naming the application, its status and the
        statuses allowed next.
    """
    allowed = allowed_next(rules, current)

    def refuse(why: str) -> TransitionRefused:
        return TransitionRefused(why, app_id=app_id, current=current, to=to, allowed=allowed)

    found = rules.transition(current, to)
    if found is None:
        raise refuse(f"申报 {app_id} 当前状态为{rules.named(current)}，不能变更为"
                     f"{rules.named(to)}；{_allowed_text(rules, current)}")
    if found.via is not None and found.via != via:
        raise refuse(f"申报 {app_id} 由{rules.named(current)}变更为{rules.named(to)}须"
                     f"{_VIA_ZH[found.via]}")
    given = {"doc": doc, "reason": reason}
    missing = [r for r in rules.status(to).requires if not (given[r] or "").strip()]
    if missing:
        what = "和".join(_REQUIRES_ZH[r] for r in missing)
        raise refuse(f"申报 {app_id} 变更为{rules.named(to)}须写明{what}")
    return found
