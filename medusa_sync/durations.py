"""Ages as people write them (`7d`, `12h`, `30m`, `2w`) and as reports show them (`3d 4h`)."""

from __future__ import annotations

import re
from datetime import timedelta

from medusa_sync.errors import UsageError

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_DURATION = re.compile(r"^\s*(\d+)\s*([wdhm]?)\s*$")
MAX_AGE = timedelta(days=100 * 366)
"""Older than any reservation or audit record: a longer age is a typo (and past timedelta's range)."""


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`; a bare number is days."""
    match = _DURATION.match(text.lower())
    if not match:
        raise UsageError(f"{text!r} is not an age: write it like 7d, 12h, 30m or 2w")
    digits, unit = match.group(1).lstrip("0") or "0", _UNITS[match.group(2) or "d"]
    if len(digits) > 9 or int(digits) * unit > MAX_AGE:
        raise UsageError(f"{text.strip()!r} is too long an age: at most {MAX_AGE.days}d")
    return int(digits) * unit


def format_age(age: timedelta) -> str:
    """The two largest units, zeros left out: `3d 4h`, `7d`, `5h 12m`, `7m` (never negative)."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
