"""How values read in text formats (HTML, Markdown, CSV): the same words everywhere, times in UTC."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from leadpact.insights.reports.blocks import Format


def _number(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def minutes(value: float) -> str:
    """Write a duration in minutes the way a manager says it: 45 min, 4.5 h, 2.3 d."""
    if value < 120:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{_number(value / 60, 1)} h"
    return f"{_number(value / 1440, 1)} d"


def display(value: Any, format: Format = "text") -> str:
    """Return `value` as text in the given format (empty for nothing)."""
    if value is None or value == "":
        return ""
    if format == "percent":
        return f"{value * 100:.1f} %"
    if format == "int":
        return f"{int(value):,}"
    if format == "number":
        return _number(float(value), 2)
    if format == "money":
        return f"{value:,.0f}"
    if format == "minutes":
        return minutes(float(value))
    if format == "days":
        return f"{value:.1f}"
    if format in ("datetime", "date") and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if format == "datetime" else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value, 2)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
