"""Starting and stopping a handoff's clocks: deadlines, timers, first touch and disposition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.sla import Timer, record_disposition, record_first_touch, start_clocks
from tests.sla.factories import NOW, make_handoff, make_org, minutes, tier


def timers_of(session: Session, handoff: Handoff) -> dict[str, Timer]:
    return {t.kind: t for t in session.scalars(select(Timer).where(Timer.handoff_id == handoff.id)
                                               .execution_options(populate_existing=True))}


def test_start_clocks_sets_deadlines_and_one_timer_each(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier("15m", reassign_after="30m"),
                 feedback_within=timedelta(days=5), timezone="UTC", now=NOW)
    assert handoff.sla_due_at == NOW + minutes(15)
    assert handoff.feedback_due_at == NOW + timedelta(days=5)
    timers = timers_of(session, handoff)
    assert {kind: t.due_at for kind, t in timers.items()} == {
        "sla_breach": NOW + minutes(15), "reassign": NOW + minutes(45), "feedback_due": NOW + timedelta(days=5)}
    assert all(t.fired_at is None and t.cancelled_at is None for t in timers.values())


def test_business_hours_apply_to_the_deadline_and_the_reassignment_window(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    friday = datetime(2026, 10, 2, 14, 50, tzinfo=UTC)  # 16:50 in Berlin
    start_clocks(session=session, handoff=handoff, tier=tier("15m", business_hours=True, reassign_after="1h"),
                 feedback_within=None, timezone="Europe/Berlin", now=friday)
    timers = timers_of(session, handoff)
    assert handoff.sla_due_at == datetime(2026, 10, 5, 7, 5, tzinfo=UTC)  # Monday 09:05 in Berlin
    assert timers["reassign"].due_at == datetime(2026, 10, 5, 8, 5, tzinfo=UTC)
    assert "feedback_due" not in timers and handoff.feedback_due_at is None


def test_no_tier_means_no_sla_clock_but_the_feedback_clock_still_runs(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=None, feedback_within=timedelta(days=2), timezone=None, now=NOW)
    assert handoff.sla_due_at is None
    assert set(timers_of(session, handoff)) == {"feedback_due"}


def test_starting_again_replaces_the_deadlines(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=None, timezone="UTC", now=NOW)
    start_clocks(session=session, handoff=handoff, tier=tier("1h"), feedback_within=None, timezone="UTC",
                 now=NOW + minutes(5))
    [timer] = timers_of(session, handoff).values()
    assert timer.due_at == NOW + minutes(65) == handoff.sla_due_at


def test_the_first_touch_stops_the_sla_clock_once(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier("15m", reassign_after="30m"),
                 feedback_within=timedelta(days=5), timezone="UTC", now=NOW)
    assert record_first_touch(session=session, handoff=handoff, at=NOW + minutes(7), source="leadpact") is True
    assert not record_first_touch(session=session, handoff=handoff, at=NOW + minutes(9), source="hubspot")
    assert (handoff.first_touch_at, handoff.first_touch_source) == (NOW + minutes(7), "leadpact")
    timers = timers_of(session, handoff)
    assert timers["sla_breach"].cancelled_at == NOW + minutes(7) == timers["reassign"].cancelled_at
    assert timers["feedback_due"].cancelled_at is None


def test_a_touch_after_the_deadline_leaves_the_due_breach_timer_to_record_the_breach(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier("15m", reassign_after="1h"), feedback_within=None,
                 timezone="UTC", now=NOW)
    record_first_touch(session=session, handoff=handoff, at=NOW + minutes(20), source="salesforce")
    timers = timers_of(session, handoff)
    assert timers["sla_breach"].cancelled_at is None  # already due at the touch: the worker records the breach
    assert timers["reassign"].cancelled_at == NOW + minutes(20)  # not yet due: no reassignment needed any more


def test_a_disposition_stops_the_feedback_clock(session) -> None:
    handoff = make_handoff(session, rep=make_org(session).reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=timedelta(days=5),
                 timezone="UTC", now=NOW)
    record_disposition(session=session, handoff=handoff, at=NOW + timedelta(days=1))
    timers = timers_of(session, handoff)
    assert timers["feedback_due"].cancelled_at == NOW + timedelta(days=1)
    assert timers["sla_breach"].cancelled_at is None
