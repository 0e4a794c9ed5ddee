"""The SLA and feedback clocks of a handoff: deadlines (optionally in business hours) and the timers behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.db import bind_processors, driver_params, execute_many, placeholder, session_rows
from leadpact.sla.models import Timer

if TYPE_CHECKING:
    from leadpact.pact.schema import SlaTier

OPENS = time(9, 0)
CLOSES = time(17, 0)
WORKDAYS = frozenset(range(5))  # Monday to Friday
SLA_TIMERS = ("sla_breach", "reassign")


def due_at(*, start: datetime, respond_within: timedelta, business_hours: bool, timezone: str) -> datetime:
    """Return the deadline `respond_within` after `start`; with business hours the clock runs only Mon–Fri 9–17."""
    if start.tzinfo is None:
        raise ValueError(f"naive datetime {start!r}: pass aware UTC")
    start = start.astimezone(UTC)
    if not business_hours:
        return start + respond_within
    zone = ZoneInfo(timezone or "UTC")
    remaining = respond_within
    cursor = start
    day = cursor.astimezone(zone).date()
    while True:
        # Opening and closing built as local wall times, compared in UTC: elapsed time stays right across DST.
        opens = _local(day, OPENS, zone)
        closes = _local(day, CLOSES, zone)
        if day.weekday() in WORKDAYS and cursor < closes:
            cursor = max(cursor, opens)
            available = closes - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        day += timedelta(days=1)
        cursor = _local(day, OPENS, zone)


def _local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def start_clocks(
    *,
    session: Session,
    handoff: Any,
    tier: SlaTier | None,
    feedback_within: timedelta | None,
    timezone: str | None,
    now: datetime,
) -> list[Timer]:
    """Set the handoff's SLA and feedback deadlines and add their timers; return the timers set."""
    if handoff.id is None:
        session.flush()
    due: dict[str, datetime] = {}
    zone = timezone or "UTC"
    if tier is not None:
        hours = tier.business_hours
        deadline = due_at(start=now, respond_within=tier.respond_within, business_hours=hours, timezone=zone)
        handoff.sla_due_at = deadline
        due["sla_breach"] = deadline
        if tier.reassign_after is not None:
            # The second window runs on the same hours as the first: no reassignment at 3 a.m. on a business-hours tier.
            due["reassign"] = due_at(
                start=deadline,
                respond_within=tier.reassign_after,
                business_hours=hours,
                timezone=zone,
            )
    if feedback_within is not None:
        handoff.feedback_due_at = now + feedback_within
        due["feedback_due"] = handoff.feedback_due_at
    existing: dict[str, Timer] = {}
    # Clocks nearly always start on a new handoff, without timers: asked on the driver's cursor, loaded only if any.
    if session_rows(session, f"SELECT 1 FROM {Timer.__tablename__} WHERE handoff_id = {{mark}} LIMIT 1", (handoff.id,)):
        existing = {timer.kind: timer for timer in session.scalars(select(Timer).where(Timer.handoff_id == handoff.id))}
    timers = []
    for kind, moment in due.items():
        timer = existing.get(kind)
        if timer is None:
            timer = Timer(kind=kind, handoff_id=handoff.id, due_at=moment, created_at=now)
            session.add(timer)
        else:
            # Clocks restarted for the same handoff (one timer per kind): the new deadline replaces the old.
            timer.due_at, timer.fired_at, timer.fired_by, timer.cancelled_at = moment, None, None, None
        timers.append(timer)
    session.flush()
    return timers


def record_first_touch(*, session: Session, handoff: Any, at: datetime, source: str) -> bool:
    """Stop the SLA clock at the rep's first touch; return False when the handoff was already touched."""
    if handoff.first_touch_at is not None:
        return False
    table = type(handoff).__table__
    session.flush()  # as the ORM statement would have: the compare-and-set sees this transaction's writes
    connection = session.connection()
    mark = placeholder(connection)
    # Compare-and-set, so a touch from the app and one synced from the CRM at once cannot both count as first. On
    # the driver's cursor, as are the timers' (every touch and disposition): SQLAlchemy's setup of a statement cost
    # ten times its run.
    values = driver_params(connection, table, ["first_touch_at", "first_touch_source"],
                           [{"first_touch_at": at, "first_touch_source": source}])[0]
    touched = execute_many(
        connection,
        f"UPDATE {table.name} SET first_touch_at = {mark}, first_touch_source = {mark} "
        f"WHERE id = {mark} AND first_touch_at IS NULL",
        [(*values, handoff.id)],
    )
    session.expire(handoff, ["first_touch_at", "first_touch_source"])
    if not touched:
        return False
    # Only timers not yet due at the touch are cancelled: a touch after the deadline is still a breach, and a
    # worker that was down fires the late breach timer, which records it.
    cancel_timers(session=session, handoff_id=handoff.id, kinds=SLA_TIMERS, at=at, only_due_after=at)
    session.flush()
    return True


def record_disposition(*, session: Session, handoff: Any, at: datetime) -> None:
    """Stop the feedback clock: the rep accepted or rejected the handoff."""
    cancel_timers(session=session, handoff_id=handoff.id, kinds=("feedback_due",), at=at)
    session.flush()


def cancel_timers(
    *, session: Session, handoff_id: int, kinds: tuple[str, ...], at: datetime, only_due_after: datetime | None = None
) -> int:
    """Cancel the handoff's unfired timers of `kinds`; return how many were cancelled."""
    if not kinds:
        return 0
    table = Timer.__table__
    session.flush()
    connection = session.connection()
    mark = placeholder(connection)
    encode = bind_processors(connection, table, ["cancelled_at"])[0]
    sql = (
        f"UPDATE {table.name} SET cancelled_at = {mark} WHERE handoff_id = {mark} "
        f"AND kind IN ({', '.join([mark] * len(kinds))}) AND fired_at IS NULL AND cancelled_at IS NULL"
    )
    params: tuple[Any, ...] = (encode(at) if encode else at, handoff_id, *kinds)
    if only_due_after is not None:
        sql += f" AND due_at > {mark}"
        params += (encode(only_due_after) if encode else only_due_after,)
    # Guarded by `fired_at IS NULL`, so a timer a worker fires at the same moment is never also marked cancelled.
    cancelled = execute_many(connection, sql, [params])
    for held in list(session.identity_map.values()):
        if isinstance(held, Timer) and held.handoff_id == handoff_id:
            session.expire(held, ["cancelled_at"])
    return cancelled
