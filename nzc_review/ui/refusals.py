"""What the review store refuses, said in Chinese at the edge of the chair's dashboard and
the explorer.

The store raises errors with English messages for the command line and logs; the chair's
dashboard and the explorer show people one Chinese sentence instead. The sentence is chosen
by the error's type and code (:attr:`nzc_review.store.StoreError.code`,
:attr:`nzc_review.store.PermissionDenied.code`, :class:`nzc_review.store.InvalidField`) —
never by reading the English text — and names what the error's details name (the experts who
have not submitted, the conflicts to decide). An error without a known code gets a general
sentence, never the English message.
"""

from __future__ import annotations

from nzc_review.errors import InputError
from nzc_review.store import (
    DENIAL_REASONS_ZH,
    ROLE_ZH,
    DatabaseDamaged,
    InvalidField,
    NotFound,
    PermissionDenied,
    StoreBusy,
    StoreError,
)

__all__ = ["FIELD_ZH", "STORE_CODES_ZH", "refusal_zh"]

#: Fields the panels write, as people call them.
FIELD_ZH = {
    "reason": "退回理由",
    "note": "定稿说明",
    "opinion": "专家组意见",
    "majority": "多数意见",
    "minority": "少数意见",
    "recommendation": "推荐结论",
}

#: Why a field was refused (:attr:`InvalidField.code`); ``{limit}`` is its maximum length.
FIELD_CODES_ZH = {
    "empty": "不能为空",
    "too_long": "超过 {limit} 字",
    "not_text": "应为文字",
    "bad_choice": "不是可选的值",
}

#: Why the store refused (:attr:`StoreError.code`), with the error's details in braces.
STORE_CODES_ZH = {
    "no_consensus": "尚未保存带推荐结论的专家组意见：请先填写专家组意见、选择推荐结论并保存，再定稿。",
    "empty_consensus": "专家组意见为空，不能定稿：请先填写并保存专家组意见。",
    "consensus_version": (
        "专家组意见是针对第 {consensus_version} 版申报写的，申报现为第 {version} 版："
        "请核对后重新保存专家组意见，再定稿。"
    ),
    "pending_conflicts": "尚有待确认的利益冲突（{conflicts}）：请秘书先确认或豁免，再定稿。",
    "missing_reviews": (
        "{missing} 尚未提交评审：请等待提交，或在“定稿说明”中写明专家组不再等待的理由后定稿。"
    ),
    "not_submitted": "该专家的评审尚未提交，无需退回。",
    "nothing_saved": "尚未保存任何评审内容。",
    "not_a_scorer": "{expert}（{role}）在本评审会中不评分。",
    "audit_key": "审计密钥不可用，本次修改未能记录：请联系评审会秘书。",
}


def _details(exc: StoreError) -> dict[str, str]:
    """The error's details as text for the sentence (lists joined with 、, roles in Chinese)."""
    out: dict[str, str] = {}
    for key, value in exc.details.items():
        if key == "conflicts":
            out[key] = "、".join(f"#{v}" for v in value)
        elif key == "role":
            out[key] = ROLE_ZH.get(str(value), str(value))
        elif isinstance(value, tuple | list):
            out[key] = "、".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


def refusal_zh(exc: BaseException, action: str = "完成操作") -> str:
    """One Chinese sentence for an error of the store (or of the input it checks).

    Parameters
    ----------
    exc:
        What the store raised.
    action:
        What the person tried, as a verb phrase (``保存专家组意见``, ``定稿``), used where the
        error says only that it could not be done.
    """
    if isinstance(exc, PermissionDenied):
        reason = DENIAL_REASONS_ZH.get(exc.code or "", "当前身份无此权限")
        return f"不能{action}：{reason}。"
    if isinstance(exc, InvalidField):
        field = FIELD_ZH.get(exc.field, "输入内容")
        why = FIELD_CODES_ZH.get(exc.code, "不符合要求").format(limit=exc.limit or "")
        return f"{field}{why}，未能{action}。"
    if isinstance(exc, InputError):
        return f"输入内容不符合要求，未能{action}：请检查后重试。"
    if isinstance(exc, StoreBusy):
        return f"评审数据库正忙（其他人正在保存），未能{action}：请稍后再试。"
    if isinstance(exc, DatabaseDamaged):
        return f"评审数据库文件已损坏，未能{action}：请联系评审会秘书。"
    if isinstance(exc, NotFound):
        return f"未找到要操作的记录，未能{action}：请刷新页面后再试。"
    if isinstance(exc, StoreError) and exc.code in STORE_CODES_ZH:
        try:
            return STORE_CODES_ZH[exc.code].format(**_details(exc))
        except (KeyError, IndexError):  # details missing: the sentence without them
            return f"未能{action}：请检查后重试。"
    return f"未能{action}：评审数据库出错，请稍后再试或联系评审会秘书。"
