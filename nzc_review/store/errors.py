"""The review store's errors: what a store operation refuses, and why.

Each carries a machine-readable ``code`` (and for a refused field its name and limit), so that
a panel says it in Chinese (:mod:`nzc_review.ui.refusals`) without reading the English message.
"""

from __future__ import annotations

from typing import Any

from nzc_review.errors import InputError, NzcError

__all__ = [
    "DENIAL_REASONS_ZH",
    "AuthenticationFailed",
    "DatabaseDamaged",
    "InvalidField",
    "NotFound",
    "PermissionDenied",
    "StoreBusy",
    "StoreError",
]


class StoreError(NzcError):
    """A review-store operation cannot be done (bad state, missing session, …).

    Parameters
    ----------
    message:
        The reason, in words (for the command line and logs).
    code:
        Machine-readable reason (``empty_consensus``, ``missing_reviews``, …) for panels to
        say it in Chinese (:mod:`nzc_review.ui.refusals`); ``None`` when not given.
    details:
        What the message names (``missing=("专家B",)``, ``conflicts=(3,)``), for the same.
    """

    code: str | None = None

    def __init__(self, message: str = "", *, code: str | None = None, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details


class InvalidField(InputError):
    """A value the store refuses for one field (an empty reason, a text too long).

    ``field`` names it (``reason``, ``note``, ``opinion``), ``code`` says why (``empty``,
    ``too_long``, ``not_text``, ``bad_choice``) and ``limit`` the maximum length, so a panel
    can say it in Chinese without reading the English message.
    """

    def __init__(self, field: str, code: str, message: str, *, limit: int | None = None):
        self.field, self.code, self.limit = field, code, limit
        super().__init__(field, message)


class NotFound(StoreError):
    """An expert, application, conflict or review that does not exist."""


class StoreBusy(StoreError):
    """The database stayed locked by other writers longer than the store waits."""


class DatabaseDamaged(StoreError):
    """The database file is damaged (SQLite reports it malformed, its integrity check fails,
    or it holds text that is not UTF-8): one sentence naming the file."""


#: Chinese wording of the reasons of :class:`PermissionDenied`, keyed by ``code``.
DENIAL_REASONS_ZH = {
    "bad_token": "访问令牌无效",
    "inactive": "该账号已停用",
    "role": "角色无此权限",
    "not_own_record": "只能填写本人的评审记录",
    "not_assigned": "未分配评审该申报",
    "blind_review": "提交本人评分前不得查看其他专家的评分（背靠背评审）",
    "conflict_of_interest": "存在利益冲突，须回避",
    "locked": "评审记录已提交锁定，仅组长可退回修改",
    "finalized": "该申报评审已定稿，不可修改",
    "declared_conflict": "本人申报的利益冲突不可豁免",
    "chair_not_scoring": "按本评审会的规则，组长不评分",
    "scores_hidden": "秘书在申报定稿后才能查看评分和评审意见",
    "not_revisable": "该申报已定稿，且专家组结论不是“修改完善后推荐”，不接受修改稿",
}


class PermissionDenied(StoreError):
    """An actor tried something the access rules forbid.

    Parameters
    ----------
    who:
        The actor, as shown to people (``专家B 王五 (expert #2, expert)``).
    action:
        What was attempted (``save scores``).
    target:
        What it was attempted on (``application HC-2024-YQ-001``).
    reason:
        Why not, in words (English).
    code:
        Machine-readable reason, a key of :data:`DENIAL_REASONS_ZH` (``blind_review``,
        ``conflict_of_interest``, ``finalized``, …), for panels to translate.
    """

    def __init__(self, who: str, action: str, target: str, reason: str, code: str):
        self.who = who
        self.action = action
        self.target = target
        self.reason = reason
        super().__init__(
            f"permission denied: {who} may not {action} ({target}): {reason}", code=code
        )

    @property
    def message_zh(self) -> str:
        """The denial in Chinese, for the panels."""
        why = DENIAL_REASONS_ZH.get(self.code, self.reason)
        return f"无权操作：{self.who} — {self.target}：{why}"


class AuthenticationFailed(PermissionDenied):
    """A token that belongs to nobody (or to a deactivated expert)."""
