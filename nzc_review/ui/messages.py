"""The expert's panel speaks Chinese: every refusal of the store and every gap of a submission
as one sentence a reviewer understands, chosen by the error's type and code (never by reading
its English message, which is for the command line and logs).
"""

from __future__ import annotations

from collections.abc import Sequence

from nzc_review.errors import InputError
from nzc_review.store import (
    DatabaseDamaged,
    NotFound,
    PermissionDenied,
    StoreBusy,
    StoreError,
)
from nzc_review.store.kinds import Wording, wording

__all__ = ["DENIED_ZH", "MISSING_ZH", "error_zh", "missing_zh", "value_zh"]

#: Why the store refused, by :attr:`PermissionDenied.code`.
DENIED_ZH = {
    "bad_token": "个人链接无效或已失效，请联系评审会秘书获取新链接。",
    "inactive": "您的账号已停用，请联系评审会秘书。",
    "role": "您的角色不能进行此操作。",
    "not_own_record": "只能填写本人的评审记录。",
    "not_assigned": "该申报未分配给您评审，不能填写评审记录。",
    "blind_review": "提交本人评审前不能查看其他专家的评分（背靠背评审）。",
    "conflict_of_interest": "您与该申报存在利益冲突，须回避，不能评分。",
    "locked": "您的评审已提交并锁定，如需修改请联系组长退回。",
    "finalized": "该申报的评审已定稿，不能再修改。",
    "declared_conflict": "本人申报的利益冲突不可豁免。",
}

#: What a submission still lacks, by the field :func:`nzc_review.store.validate.check_complete`
#: names (``scores`` is said with the criteria not yet scored, :func:`missing_zh`).
MISSING_ZH = {
    "weights": "权重尚未设置完整：请在“权重”页给每个评审要点分配权重（合计 100），或恢复默认权重",
    "opinion.recommendation": "请在“评审意见”页选择推荐意见",
    "opinion.revisions": "推荐意见为“修改完善后推荐”时，请在“评审意见”页填写修改意见",
}


#: The parts of a review the store checks, by the source of an :class:`InputError`.
PARTS_ZH = {"scores": "评分", "weights": "权重", "opinion": "评审意见"}


def value_zh(value: object) -> str:
    """A declared value as a person reads it: 是/否 for a qualitative indicator (never
    True/False), 未填写 when absent, numbers without trailing zeros."""
    if value is None:
        return "未填写"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def missing_zh(missing: Sequence[tuple[str, str]], unscored: Sequence[str] = (),
               words: Wording | None = None) -> list[str]:
    """What a submission lacks (``check_complete``'s ``(field, message)`` pairs), in
    Chinese; ``unscored`` names the criteria not yet scored; ``words`` are the session's
    (:func:`nzc_review.store.kinds.wording`; default a review's)."""
    words = words or wording("review")
    out = []
    for field, _ in missing:
        if field == "scores":
            names = "、".join(unscored) or f"部分{words.criteria}"
            out.append(f"以下{words.criteria}尚未评分：{names}")
        elif field == "opinion.recommendation":
            out.append(words.missing_choice())
        elif field == "weights":
            out.append(MISSING_ZH[field].replace("评审要点", words.criteria))
        else:
            out.append(MISSING_ZH.get(field, f"{words.opinion}内容尚不完整"))
    return out


def error_zh(exc: BaseException, *, unscored: Sequence[str] = (),
             words: Wording | None = None) -> str:
    """One Chinese sentence for what the store (or its checks) raised (``words``: the
    session's, :func:`nzc_review.store.kinds.wording`)."""
    if isinstance(exc, PermissionDenied):
        return DENIED_ZH.get(exc.code or "", "您的角色不能进行此操作。")
    if isinstance(exc, InputError):
        fields = [location or exc.source for location, _ in exc.problems]
        if any(f in MISSING_ZH or f == "scores" for f in fields) and exc.source.startswith(
            "review"
        ):
            return "不能提交：" + "；".join(missing_zh(exc.problems, unscored, words)) + "。"
        if exc.source == "reason":
            return "请填写原因。"
        part = PARTS_ZH.get(exc.source.split(".", 1)[0])
        if part:
            return f"{part}有误，请检查标红的内容后重试。"
        return "输入有误，请检查标红的内容后重试。"
    if isinstance(exc, StoreBusy):
        return "评审会数据库正忙，请稍后再试。"
    if isinstance(exc, DatabaseDamaged):
        return "评审会数据库文件已损坏，请联系评审会秘书。"
    if isinstance(exc, NotFound):
        return "未找到该申报的评审记录，请刷新页面后再试。"
    if isinstance(exc, StoreError):
        return "评审记录未能保存，请稍后再试或联系评审会秘书。"
    return "出现意外错误，请稍后再试或联系评审会秘书。"
