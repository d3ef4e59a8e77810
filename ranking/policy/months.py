"""Months as integers (year * 12 + month - 1): cheap to compare, count and put in sets."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

Month = int


def month_of(year: int, month: int) -> Month:
    return year * 12 + month - 1


def month_of_date(day: dt.date) -> Month:
    return day.year * 12 + day.month - 1


def month_label(month: Month) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


@lru_cache(maxsize=4096)  # a round has a few hundred distinct months; parsing dominates otherwise
def parse_month(raw: str) -> Month:
    """Parse 'YYYY-MM' strictly."""
    # isascii: str.isdigit() is true for '²⁰¹⁹', which int() then refuses in English.
    if (
        len(raw) != 7
        or not raw.isascii()
        or raw[4] != "-"
        or not raw[:4].isdigit()
        or not raw[5:].isdigit()
    ):
        raise ValueError("月份格式应为 YYYY-MM")
    year, month = int(raw[:4]), int(raw[5:])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError("月份无效")
    return month_of(year, month)


@lru_cache(maxsize=65536)
def parse_date(raw: str) -> dt.date:
    """Parse 'YYYY-MM-DD' strictly."""
    if len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
        raise ValueError("日期格式应为 YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError("日期无效") from exc
    if day.year < 1900:
        raise ValueError("日期无效")
    return day
