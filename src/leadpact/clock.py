"""The injectable clock: real time in production, simulated time in the demo, backtests and tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in aware UTC."""

    def now(self) -> datetime:
        """Return the current wall-clock time in UTC."""
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: the demo, backtests and tests drive it."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        """Return the simulated current time."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment (never backwards: simulated time only moves forward)."""
        moment = as_utc(moment)
        if moment > self._now:
            self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new time."""
        self._now = self._now + delta
        return self._now


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 timestamp (with `Z` or an offset, or naive meaning UTC) into aware UTC."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(text))


def isoformat(moment: datetime) -> str:
    """Format an aware datetime as ISO-8601 UTC with a trailing Z and milliseconds."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{as_utc(moment).microsecond // 1000:03d}Z"


_clock: Clock = SystemClock()


def get_clock() -> Clock:
    """Return the process-wide clock (the system clock unless one was installed)."""
    return _clock


def set_clock(clock: Clock) -> None:
    """Install a clock for the whole process (the demo and tests use a simulated one)."""
    global _clock
    _clock = clock
