"""Firing timers: the breach escalates to the manager, the second window reassigns, the feedback clock asks — once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.db import make_engine
from leadpact.handoff.models import Handoff
from leadpact.outbox import OutboxMessage
from leadpact.sla import Timer, record_disposition, record_first_touch, start_clocks
from leadpact.sla import effects as effects_module
from leadpact.sla.timers import fire_due_timers
from tests.sla.factories import NOW, Org, email_of, make_handoff, make_org, minutes, tier

T = TypeVar("T")


def fresh(session: Session, model: type[T], id_: int) -> T:
    return session.get(model, id_, populate_existing=True)


def outbox_rows(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)
                                .execution_options(populate_existing=True)))


def on_the_clock(session: Session, *, respond: str = "15m", reassign: str | None = None,
                 feedback: timedelta | None = None, reps: int = 2) -> tuple[Org, Handoff]:
    org = make_org(session, reps=reps)
    handoff = make_handoff(session, rep=org.reps[0])
    start_clocks(session=session, handoff=handoff, tier=tier(respond, reassign_after=reassign),
                 feedback_within=feedback, timezone="UTC", now=NOW)
    return org, handoff


def test_a_breach_is_recorded_at_the_deadline_and_escalated_to_the_manager_once(engine, session) -> None:
    org, handoff = on_the_clock(session)
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + minutes(14), worker_id="w1") == 0

    assert fire_due_timers(engine=engine, now=NOW + minutes(20), worker_id="w1") == 1
    assert fire_due_timers(engine=engine, now=NOW + minutes(25), worker_id="w2") == 0

    handoff = fresh(session, Handoff, handoff.id)
    assert handoff.sla_breached_at == NOW + minutes(15)  # when it happened, not when a worker noticed
    assert handoff.escalated_at == NOW + minutes(20)
    [alert] = outbox_rows(session)
    assert (alert.kind, alert.topic, alert.destination) == ("email", "sla.breached", org.manager.email)
    assert alert.handoff_id == handoff.id
    assert alert.payload["rep"]["email"] == email_of(session, org.reps[0])
    assert alert.payload["sla_due_at"] == "2026-10-01T09:15:00.000Z"
    assert alert.payload["brief"] == handoff.brief
    [timer] = session.scalars(select(Timer))
    assert (timer.fired_at, timer.fired_by) == (NOW + minutes(20), "w1")


def test_a_touch_in_time_means_no_breach(engine, session) -> None:
    _, handoff = on_the_clock(session, reassign="30m")
    record_first_touch(session=session, handoff=handoff, at=NOW + minutes(10), source="leadpact")
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + timedelta(hours=2), worker_id="w1") == 0
    handoff = fresh(session, Handoff, handoff.id)
    assert handoff.sla_breached_at is None and handoff.escalated_at is None and handoff.reassigned_at is None
    assert outbox_rows(session) == []


def test_a_late_touch_is_recorded_as_a_breach_without_chasing_anyone(engine, session) -> None:
    _, handoff = on_the_clock(session)
    session.commit()
    # The worker was down over the deadline; the rep touched the lead late, then the worker came back.
    record_first_touch(session=session, handoff=fresh(session, Handoff, handoff.id), at=NOW + minutes(30),
                       source="hubspot")
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + minutes(40), worker_id="w1") == 1
    handoff = fresh(session, Handoff, handoff.id)
    assert handoff.sla_breached_at == NOW + minutes(15) and handoff.escalated_at is None
    assert outbox_rows(session) == []


def test_the_second_window_reassigns_to_the_least_loaded_available_rep(engine, session) -> None:
    org, handoff = on_the_clock(session, reassign="30m", reps=4)
    busy, away, free = org.reps[1], org.reps[2], org.reps[3]
    for _ in range(2):
        make_handoff(session, rep=busy)
    away.is_away = True
    session.commit()

    assert fire_due_timers(engine=engine, now=NOW + minutes(50), worker_id="w1") == 2  # breach, then reassign

    handoff = fresh(session, Handoff, handoff.id)
    assert handoff.rep_id == free.id
    assert handoff.reassigned_from_rep_id == org.reps[0].id
    assert handoff.reassigned_at == NOW + minutes(50)
    moved = [row for row in outbox_rows(session) if row.topic == "handoff.reassigned"]
    assert [(row.kind, row.destination) for row in moved] == [("email", email_of(session, free))]
    assert moved[0].payload["reassigned_from"]["email"] == email_of(session, org.reps[0])
    assert moved[0].payload["rep"]["email"] == email_of(session, free)


def test_a_rep_at_capacity_is_skipped_and_with_nobody_left_the_handoff_stays(engine, session) -> None:
    org, handoff = on_the_clock(session, reassign="30m", reps=2)
    org.reps[1].capacity = 0
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + minutes(50), worker_id="w1") == 2
    handoff = fresh(session, Handoff, handoff.id)
    assert handoff.rep_id == org.reps[0].id and handoff.reassigned_at is None
    assert [row.topic for row in outbox_rows(session)] == ["sla.breached"]


def test_the_feedback_clock_reminds_the_rep_unless_there_is_a_disposition(engine, session) -> None:
    org, reminded = on_the_clock(session, feedback=timedelta(days=5))
    decided = make_handoff(session, rep=org.reps[0])
    start_clocks(session=session, handoff=decided, tier=None, feedback_within=timedelta(days=5), timezone="UTC",
                 now=NOW)
    record_first_touch(session=session, handoff=reminded, at=NOW + minutes(1), source="leadpact")
    record_disposition(session=session, handoff=decided, at=NOW + timedelta(days=1))
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + timedelta(days=6), worker_id="w1") == 1
    [reminder] = outbox_rows(session)
    assert (reminder.topic, reminder.destination, reminder.handoff_id) == (
        "feedback.due", email_of(session, org.reps[0]), reminded.id)


def test_a_timer_whose_effect_fails_stays_due_and_the_others_still_fire(engine, session, monkeypatch) -> None:
    _, first = on_the_clock(session)
    _, second = on_the_clock(session)
    session.commit()

    def broken(*, session: Session, timer: Timer, now: datetime, worker_id: str) -> None:
        if timer.handoff_id == first.id:
            raise RuntimeError("effect failed")
        return effects_module.breach(session=session, timer=timer, now=now, worker_id=worker_id)

    monkeypatch.setitem(effects_module.EFFECTS, "sla_breach", broken)
    assert fire_due_timers(engine=engine, now=NOW + minutes(20), worker_id="w1") == 1
    assert fresh(session, Handoff, first.id).sla_breached_at is None
    assert [row.handoff_id for row in outbox_rows(session)] == [second.id]
    monkeypatch.undo()
    assert fire_due_timers(engine=engine, now=NOW + minutes(21), worker_id="w1") == 1
    assert fresh(session, Handoff, first.id).sla_breached_at == NOW + minutes(15)


def test_timers_survive_a_restart_and_a_new_worker_fires_what_the_old_one_left(engine, session, database_url
                                                                               ) -> None:
    handoffs = [on_the_clock(session)[1] for _ in range(10)]
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + minutes(20), worker_id="old", limit=4) == 4
    engine.dispose()  # the old worker's process is gone

    restarted = make_engine(database_url)
    try:
        assert fire_due_timers(engine=restarted, now=NOW + minutes(30), worker_id="new") == 6
        assert fire_due_timers(engine=restarted, now=NOW + minutes(40), worker_id="new") == 0
    finally:
        restarted.dispose()
    fired_by = [t.fired_by for t in session.scalars(select(Timer).order_by(Timer.due_at, Timer.id))]
    assert sorted(fired_by) == ["new"] * 6 + ["old"] * 4
    assert len(outbox_rows(session)) == 10
    assert all(fresh(session, Handoff, h.id).escalated_at is not None for h in handoffs)


@pytest.mark.parametrize("kind", ["nonsense"])
def test_a_timer_of_an_unknown_kind_fires_once_with_no_effect(engine, session, kind: str) -> None:
    _, handoff = on_the_clock(session)
    session.add(Timer(kind=kind, handoff_id=handoff.id, due_at=NOW, created_at=NOW))
    session.commit()
    assert fire_due_timers(engine=engine, now=NOW + minutes(1), worker_id="w1") == 1
    assert fire_due_timers(engine=engine, now=NOW + minutes(2), worker_id="w1") == 0
