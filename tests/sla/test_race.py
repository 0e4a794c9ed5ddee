"""Workers racing over the same 200 due timers: every escalation fires exactly once.

Threads race on any backend (on SQLite the compare-and-set alone decides); on PostgreSQL two worker processes race
as well, with `FOR UPDATE SKIP LOCKED` sharing the work out. CI runs this file on PostgreSQL
(LEADPACT_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.outbox import OutboxMessage
from leadpact.sla import Timer, start_clocks
from leadpact.sla.timers import fire_due_timers
from tests.conftest import SERVER_URL
from tests.sla.factories import make_handoff, make_org, tier

TIMERS = 200


def due_breaches(session: Session, now: datetime) -> None:
    """200 handoffs whose 15-minute SLA ran out a minute before `now`, spread over two teams."""
    orgs = [make_org(session, reps=3), make_org(session, reps=3)]
    created = now - timedelta(minutes=16)
    for n in range(TIMERS):
        handoff = make_handoff(session, rep=orgs[n % 2].reps[n % 3], now=created)
        start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=None, timezone="UTC",
                     now=created)
    session.commit()


def assert_each_fired_once(session: Session, now: datetime) -> Counter[str]:
    """Every timer fired, every handoff escalated, one manager alert per handoff; return fires per worker."""
    timers = list(session.scalars(select(Timer).execution_options(populate_existing=True)))
    assert len(timers) == TIMERS and all(t.fired_at is not None for t in timers)
    alerts = session.execute(
        select(OutboxMessage.handoff_id, func.count()).where(OutboxMessage.topic == "sla.breached")
        .group_by(OutboxMessage.handoff_id)
    ).all()
    assert len(alerts) == TIMERS and all(count == 1 for _, count in alerts)
    escalated = session.scalar(select(func.count()).select_from(Handoff).where(Handoff.escalated_at.is_not(None)))
    assert escalated == TIMERS
    return Counter(t.fired_by for t in timers)


def test_two_threads_fire_200_escalations_exactly_once(engine, session) -> None:
    now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    due_breaches(session, now)
    start = threading.Barrier(2)
    fired: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            start.wait()
            fired[name] = fire_due_timers(engine=engine, now=now, worker_id=name)
        except BaseException as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert fired["a"] + fired["b"] == TIMERS  # no timer counted twice, none left
    by_worker = assert_each_fired_once(session, now)
    assert by_worker == Counter(fired)


@pytest.mark.skipif(not SERVER_URL, reason="PostgreSQL only: set LEADPACT_TEST_DATABASE_URL (CI does)")
def test_two_worker_processes_on_postgresql_fire_200_escalations_exactly_once(engine, session, database_url
                                                                              ) -> None:
    now = datetime.now(UTC)
    due_breaches(session, now)
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url, "LEADPACT_SMTP_PORT": "9"}
    # Delivery would only fail (nothing listens on the SMTP port): the race under test is the timers'.
    env["LEADPACT_OUTBOX_BATCH_SIZE"] = "0"
    workers = [
        subprocess.Popen([sys.executable, "-m", "leadpact.cli", "worker", "--once", "--id", name], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("p1", "p2")
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    for worker, (_, errors) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, errors.decode()
    reported = sum(int(out.decode().split("timers fired: ")[1].split(",")[0]) for out, _ in outputs)
    assert reported == TIMERS
    by_worker = assert_each_fired_once(session, now)
    assert set(by_worker) <= {"p1", "p2"} and sum(by_worker.values()) == TIMERS
