"""Reporting periods and as-of moments: what `--period 2026-09` and `--as-of 2026-09-30` mean, in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from leadpact.clock import parse_time

PERIOD_FORMS = "YYYY-MM (month), YYYY-Qn (quarter), YYYY (year), YYYY-Www (ISO week), YYYY-MM-DD..YYYY-MM-DD, last-Nd"


class PeriodError(ValueError):
    """A period or as-of date that cannot be read, with the forms that can."""


@dataclass(frozen=True)
class Period:
    """A span of time [start, end) in UTC, with the label reports print."""

    start: datetime
    end: datetime
    label: str

    def as_dict(self) -> dict[str, str]:
        """Return the period as JSON-ready strings."""
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def month_start(moment: datetime) -> datetime:
    """Return midnight UTC on the first day of the month of `moment`."""
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """Return the first of the month `months` after (or before) the month of `moment`."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def month(moment: datetime) -> Period:
    """Return the calendar month holding `moment`."""
    start = month_start(moment)
    return Period(start, add_months(start, 1), start.strftime("%Y-%m"))


def month_of(as_of: datetime) -> Period:
    """Return the month of the last moment before `as_of`: an as-of date's own month, even at its midnight end."""
    return month(as_of - timedelta(microseconds=1))


def quarter(moment: datetime) -> Period:
    """Return the calendar quarter holding `moment`."""
    first = (moment.month - 1) // 3 * 3 + 1
    start = datetime(moment.year, first, 1, tzinfo=UTC)
    return Period(start, add_months(start, 3), f"{moment.year}-Q{(first - 1) // 3 + 1}")


def months_between(start: datetime, end: datetime) -> list[datetime]:
    """Return the first of every month that [start, end) touches."""
    months, current = [], month_start(start)
    while current < end:
        months.append(current)
        current = add_months(current, 1)
    return months


def trailing_week(as_of: datetime) -> Period:
    """Return the seven days up to `as_of`: the weekly review's window."""
    start = as_of - timedelta(days=7)
    return Period(start, as_of, f"{start:%Y-%m-%d %H:%M} to {as_of:%Y-%m-%d %H:%M} UTC")


def parse_as_of(text: str | None, *, now: datetime) -> datetime:
    """Return the moment a report is as of: a date means the end of that day (UTC); a timestamp is taken as is."""
    if text is None or not text.strip():
        return now
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _midnight(date.fromisoformat(text)) + timedelta(days=1)
        return parse_time(text)
    except ValueError:
        raise PeriodError(f"bad date {text!r}: use YYYY-MM-DD or an ISO-8601 timestamp") from None


def parse_period(text: str, *, as_of: datetime) -> Period:
    """Return the period `text` names (see PERIOD_FORMS); raise PeriodError on anything else."""
    text = text.strip()
    try:
        return _parse(text, as_of)
    except ValueError:
        pass
    raise PeriodError(f"bad period {text!r}: use {PERIOD_FORMS}")


def _parse(text: str, as_of: datetime) -> Period:
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return month(datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC))
    if match := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        return quarter(datetime(int(match[1]), int(match[2]) * 3, 1, tzinfo=UTC))
    if match := re.fullmatch(r"(\d{4})", text):
        year = int(match[1])
        return Period(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC), text)
    if match := re.fullmatch(r"(\d{4})-[Ww](\d{2})", text):
        start = _midnight(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        return Period(start, start + timedelta(days=7), text.upper())
    if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
        start, last = _midnight(date.fromisoformat(match[1])), _midnight(date.fromisoformat(match[2]))
        if last < start:
            raise ValueError("the range ends before it starts")
        return Period(start, last + timedelta(days=1), text)
    if match := re.fullmatch(r"last-(\d{1,4})d", text):
        return Period(as_of - timedelta(days=int(match[1])), as_of, text)
    raise ValueError(text)
