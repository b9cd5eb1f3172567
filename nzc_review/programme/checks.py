"""Checks of what a person types into the register: texts and dates, refused in Chinese.

Texts (names, reasons, document numbers, contacts) are stripped and bounded (本工具默认规则: at
most :data:`TEXT_CHARS` characters, :data:`LONG_CHARS` for a reason or an objection's content),
and may hold no control character but a line break in the long ones (OWASP Logging Cheat Sheet:
no CR/LF in one-line fields). Dates are calendar dates ``YYYY-MM-DD`` (ISO 8601).
"""

from __future__ import annotations

import datetime as dt

from nzc_review.programme.errors import ProgrammeError

__all__ = ["LONG_CHARS", "TEXT_CHARS", "check_date", "check_text"]

#: At most this many characters in a one-line text (本工具默认规则).
TEXT_CHARS = 200
#: At most this many characters in a reason or an objection's content (本工具默认规则).
LONG_CHARS = 4000


def check_text(value: object, field: str, *, required: bool = True, long: bool = False
               ) -> str | None:
    """``value`` stripped; ``None`` for an empty optional one.

    Raises
    ------
    ProgrammeError
        Naming ``field``: empty when required, not text, too long, or a control character.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ProgrammeError(f"{field}：不能为空")
        return None
    if not isinstance(value, str):
        raise ProgrammeError(f"{field}：应为文字")
    text = value.strip()
    limit = LONG_CHARS if long else TEXT_CHARS
    if len(text) > limit:
        raise ProgrammeError(f"{field}：不能超过 {limit} 个字符（现有 {len(text)} 个）")
    allowed = "\n" if long else ""
    if any(not (c.isprintable() or c in allowed) for c in text):
        raise ProgrammeError(f"{field}：不能含控制字符{'（换行除外）' if long else '或换行'}")
    return text


def check_date(value: object, field: str, *, required: bool = True) -> str | None:
    """A calendar date ``YYYY-MM-DD`` (a :class:`datetime.date` is taken as it is).

    Raises
    ------
    ProgrammeError
        Naming ``field``: missing when required, or not a date.
    """
    if value is None or value == "":
        if required:
            raise ProgrammeError(f"{field}：须给出日期（YYYY-MM-DD）")
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ProgrammeError(f"{field}：{value!r} 不是日期（应写作 YYYY-MM-DD）") from None
