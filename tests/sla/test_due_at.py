"""SLA deadlines: calendar time, and business hours (Mon–Fri 09:00–17:00 in the team's zone) across weekends
and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadpact.sla import due_at

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def local(zone: str, *parts: int) -> datetime:
    """An aware UTC moment given as local wall time in `zone`."""
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


CASES = [
    # (zone, start local, respond within, due local)
    (BERLIN, (2026, 10, 2, 16, 50), "15m", (2026, 10, 5, 9, 5)),  # Friday 16:50 + 15m → Monday 09:05
    (BERLIN, (2026, 10, 3, 10, 0), "15m", (2026, 10, 5, 9, 15)),  # Saturday → Monday opening
    (BERLIN, (2026, 10, 5, 7, 30), "15m", (2026, 10, 5, 9, 15)),  # before opening
    (BERLIN, (2026, 10, 5, 9, 0), "8h", (2026, 10, 5, 17, 0)),  # a whole day ends exactly at closing
    (BERLIN, (2026, 10, 5, 17, 0), "15m", (2026, 10, 6, 9, 15)),  # at closing → next morning
    (BERLIN, (2026, 10, 5, 16, 0), "24h", (2026, 10, 8, 16, 0)),  # 24 business hours: 1 + 8 + 8 + 7
    (BERLIN, (2026, 10, 5, 12, 0), "1w", (2026, 11, 3, 12, 0)),  # 168 business hours: 21 working days, over DST
    # Spring forward in Berlin (Sunday 29 March 2026): Friday 16:50 CET → Monday 09:05 CEST.
    (BERLIN, (2026, 3, 27, 16, 50), "15m", (2026, 3, 30, 9, 5)),
    # Fall back in Berlin (Sunday 25 October 2026): Friday 16:50 CEST → Monday 09:05 CET.
    (BERLIN, (2026, 10, 23, 16, 50), "15m", (2026, 10, 26, 9, 5)),
    # Spring forward in New York (Sunday 8 March 2026): a day earlier than Europe.
    (NEW_YORK, (2026, 3, 6, 16, 50), "15m", (2026, 3, 9, 9, 5)),
    (NEW_YORK, (2026, 3, 6, 16, 0), "2h", (2026, 3, 9, 10, 0)),
]


@pytest.mark.parametrize(("zone", "start", "within", "due"), CASES)
def test_business_hours_deadline(zone: str, start: tuple[int, ...], within: str, due: tuple[int, ...]) -> None:
    from leadpact.pact.durations import parse_duration

    got = due_at(start=local(zone, *start), respond_within=parse_duration(within), business_hours=True, timezone=zone)
    assert got == local(zone, *due)
    assert got.tzinfo == UTC


def test_the_dst_weekend_changes_the_utc_offset_of_monday_morning() -> None:
    friday = local(BERLIN, 2026, 3, 27, 16, 50)
    assert friday == datetime(2026, 3, 27, 15, 50, tzinfo=UTC)  # CET, UTC+1
    monday = due_at(start=friday, respond_within=timedelta(minutes=15), business_hours=True, timezone=BERLIN)
    assert monday == datetime(2026, 3, 30, 7, 5, tzinfo=UTC)  # CEST, UTC+2


def test_without_business_hours_the_clock_runs_around_the_clock() -> None:
    friday = local(BERLIN, 2026, 10, 2, 16, 50)
    got = due_at(start=friday, respond_within=timedelta(minutes=15), business_hours=False, timezone=BERLIN)
    assert got == friday + timedelta(minutes=15)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_at(start=datetime(2026, 10, 2, 9), respond_within=timedelta(minutes=1), business_hours=True,
               timezone="UTC")


def business_minutes_between(start: datetime, end: datetime, zone: str) -> int:
    """Count, minute by minute, the business minutes in [start, end): the slow, obviously right reference."""
    count, moment = 0, start
    while moment < end:
        wall = moment.astimezone(ZoneInfo(zone))
        if wall.weekday() < 5 and 9 <= wall.hour < 17:
            count += 1
        moment += timedelta(minutes=1)
    return count


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    minutes=st.integers(min_value=1, max_value=1500),
    zone=st.sampled_from([BERLIN, NEW_YORK, "Asia/Kolkata", "UTC"]),
)
def test_the_deadline_leaves_exactly_the_allowed_business_minutes(start: datetime, minutes: int, zone: str) -> None:
    got = due_at(start=start, respond_within=timedelta(minutes=minutes), business_hours=True, timezone=zone)
    assert business_minutes_between(start, got, zone) == minutes
    wall = got.astimezone(ZoneInfo(zone))
    # The clock stops running as soon as the time is used up: a deadline falls inside business hours.
    assert wall.weekday() < 5 and (9, 0) < (wall.hour, wall.minute) <= (17, 0)
