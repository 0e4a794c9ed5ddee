"""Durations as the pact writes them: `15m`, `24h`, `5d`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: Any) -> timedelta:
    """Return the timedelta written as `<number><s|m|h|d|w>`; raise ValueError otherwise."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a duration such as 15m, 24h or 5d, got {value!r}")
    duration = timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    if duration <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return duration


def format_duration(duration: timedelta) -> str:
    """Write a duration in words: '15 minutes', '1 day', '36 hours'."""
    seconds = int(duration.total_seconds())
    # 24h reads as "24 hours", not "1 day": a larger unit only from two of it upwards
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= (2 * size if unit in ("week", "day") else size) and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
