"""Dates as printed on documents: ``2026年12月2日``, in China time.

The store records instants in UTC (``2026-12-02T04:07:49.256869Z``); a signed document
shows the calendar day in China Standard Time (Asia/Shanghai, UTC+8), written as official
documents write dates: Arabic numerals, the full year, month and day without leading zeros
(GB/T 9704-2012《党政机关公文格式》7.3.5.3, 成文日期 “不编虚位”). A plain date
(``2024-06-30``, a session date) is that day.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["CHINA_TZ", "date_zh"]


def _china_tz() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # no time-zone database: China has kept UTC+8 without DST since 1991
        return dt.timezone(dt.timedelta(hours=8), "CST")


#: China Standard Time.
CHINA_TZ = _china_tz()


def date_zh(value: str | dt.date | dt.datetime | None) -> str:
    """``2026年12月2日`` for a date, a datetime or ISO text; ``""`` for ``None``.

    An instant (a datetime, or ISO text with a time) is converted to China time first;
    a naive datetime is taken as UTC (the store's timestamps). Text that is not a date is
    returned unchanged.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) <= 10:
                value = dt.date.fromisoformat(text)
            else:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"
