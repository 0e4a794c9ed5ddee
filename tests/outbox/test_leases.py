"""Short leases renewed while the work runs (issue 14, defect 9): a row a live worker holds is never claimed by
another, however long its delivery takes; a row whose worker died is claimed again within one lease, seconds
rather than the five minutes it used to be against a 15-minute SLA. One lease protocol serves notifications and
CRM pushes (`leadpact.outbox.leases`).

In simulated time first, then with real processes: a `leadpact worker` SIGKILLed mid-delivery while another
polls beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from leadpact.outbox import Delivery, Leases, OutboxMessage, enqueue, notify
from leadpact.outbox.leases import claim
from leadpact.outbox.settings import OutboxSettings, get_outbox_settings
from tests.outbox.servers import SmtpServer, StallingMailbox, wait_for
from tests.sla.factories import make_handoff, make_org

LEASE = timedelta(seconds=10)


def queue(session, clock, key: str = "row", kind: str = "email") -> int:
    row = enqueue(session=session, kind=kind, topic="handoff.created", destination="rep@seller.test", payload={},
                  idempotency_key=key, now=clock.now())
    session.commit()
    return row.id


def stored(session, row_id: int) -> OutboxMessage:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.id == row_id)
                          .execution_options(populate_existing=True))


def test_the_default_lease_is_seconds_and_renewed_three_times_in_it(engine, clock, monkeypatch) -> None:
    for name in ("LEADPACT_OUTBOX_LEASE_SECONDS", "LEADPACT_OUTBOX_MAX_HOLD_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert OutboxSettings().outbox_lease_seconds <= 15  # was 300: a dead worker's row waited five minutes
    leases = Leases(engine=engine, worker_id="a", lease=timedelta(seconds=get_outbox_settings().outbox_lease_seconds),
                    now=clock.now)
    assert leases.every == leases.lease.total_seconds() / 3


def test_a_held_row_is_renewed_and_never_claimed_while_its_worker_lives(engine, session, clock) -> None:
    row_id = queue(session, clock)
    alive = Leases(engine=engine, worker_id="alive", lease=LEASE, now=clock.now)
    [delivery] = alive.claim(limit=10)
    assert delivery.id == row_id and stored(session, row_id).locked_until == clock.now() + LEASE
    for _ in range(10):  # a slow delivery: a minute and a half, renewed every third of the lease
        clock.advance(LEASE / 3)
        assert alive.renew() == 1
        assert claim(engine=engine, now=clock.now(), worker_id="other", limit=10, lease=LEASE) == []
    assert stored(session, row_id).locked_until == clock.now() + LEASE
    assert alive.held() == [row_id]


def test_a_dead_workers_row_is_claimed_within_one_lease(engine, session, clock) -> None:
    row_id = queue(session, clock)
    doomed = Leases(engine=engine, worker_id="doomed", lease=LEASE, now=clock.now)
    doomed.claim(limit=10)
    clock.advance(LEASE / 3)
    doomed.renew()
    died_at = clock.now()  # no renewal from here on
    heir = Leases(engine=engine, worker_id="heir", lease=LEASE, now=clock.now)
    clock.advance(LEASE - timedelta(seconds=1))
    assert heir.claim(limit=10) == []  # still the dead worker's: nobody can know yet
    clock.advance(timedelta(seconds=1, microseconds=1))
    [taken] = heir.claim(limit=10)
    assert taken.id == row_id and clock.now() - died_at <= LEASE + timedelta(microseconds=1)
    assert stored(session, row_id).locked_by == "heir"
    # The dead worker's keeper, were it to come back, renews nothing and forgets the row.
    assert doomed.renew() == 0 and doomed.held() == []


def test_a_row_held_past_the_hold_limit_is_no_longer_renewed(engine, session, clock) -> None:
    row_id = queue(session, clock)
    ticks = [0.0]
    wedged = Leases(engine=engine, worker_id="wedged", lease=LEASE, now=clock.now, max_hold=timedelta(minutes=10),
                    monotonic=lambda: ticks[0])
    wedged.claim(limit=10)
    ticks[0] = 599.0
    assert wedged.renew() == 1
    ticks[0] = 600.0
    assert wedged.renew() == 0  # a delivery stuck for ten minutes lets its row go
    clock.advance(LEASE + timedelta(seconds=1))
    assert [d.id for d in claim(engine=engine, now=clock.now(), worker_id="b", limit=10, lease=LEASE)] == [row_id]


def test_notification_and_crm_rows_are_claimed_apart_under_the_same_lease(engine, session, clock) -> None:
    email, push = queue(session, clock, "mail"), queue(session, clock, "push", kind="crm")
    leases = Leases(engine=engine, worker_id="w", lease=LEASE, now=clock.now)
    assert [d.id for d in leases.claim(limit=10, kind="crm")] == [push]
    assert [d.id for d in leases.claim(limit=10)] == [email]
    clock.advance(LEASE / 2)
    assert leases.renew() == 2 and leases.held() == sorted([email, push])


def test_rows_written_leased_by_a_long_transaction_are_renewed_at_once_when_handed_over(engine, session,
                                                                                       clock) -> None:
    row_id = queue(session, clock)
    lane = Leases(engine=engine, worker_id="lane", lease=timedelta(seconds=30), now=clock.now)
    written_at = clock.now()
    claim(engine=engine, now=written_at, worker_id="lane", limit=10, lease=lane.lease)  # as the express lane's rows
    clock.advance(timedelta(seconds=25))  # the transaction that wrote it took 25 s of its 30 s lease
    with lane.renewing():
        lane.hold([Delivery(id=row_id, kind="email", topic="handoff.created", destination="rep@seller.test",
                            payload={}, idempotency_key="row", attempt=1, now=written_at)], leased_at=[written_at])
        # Renewed now, not at the next third of the lease (10 s away).
        wait_for(lambda: stored(session, row_id).locked_until == clock.now() + lane.lease, timeout=5)


def worker(database_url: str, smtp_port: int, name: str, lease: float) -> subprocess.Popen[bytes]:
    """`leadpact worker` in its own process on the test's database and SMTP server."""
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url, "LEADPACT_SMTP_HOST": "127.0.0.1",
           "LEADPACT_SMTP_PORT": str(smtp_port), "LEADPACT_OUTBOX_LEASE_SECONDS": str(lease),
           "LEADPACT_MAIL_FROM": "leadpact@seller.test"}
    return subprocess.Popen([sys.executable, "-m", "leadpact.cli", "worker", "--poll", "0.1", "--id", name],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_worker_killed_mid_delivery_is_replaced_within_the_lease_and_the_email_is_sent_once(
    engine, session, database_url
) -> None:
    lease = 5.0
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    [queued] = notify(session=session, topic="handoff.created", payload={"tier": "hot", "brief": "Call Ada today."},
                      now=datetime.now(UTC), key=f"handoff.created:{handoff.id}", rep_id=handoff.rep_id)
    session.commit()
    mailbox = StallingMailbox()
    started: list[subprocess.Popen[bytes]] = []
    with SmtpServer(mailbox) as smtp:
        try:
            first = worker(database_url, smtp.port, "first", lease)
            started.append(first)
            assert mailbox.stalled.wait(60), "the first worker never reached the SMTP server"
            claimed = stored(session, queued.id)
            session.commit()
            assert claimed.locked_by == "first"
            claimed_until = claimed.locked_until
            second = worker(database_url, smtp.port, "second", lease)
            started.append(second)
            # The first worker is alive, mid-delivery, for more than twice its lease: it renews, and the second
            # worker, polling all along, never takes the row.
            time.sleep(2.5 * lease)
            held = stored(session, queued.id)
            session.commit()
            assert held.locked_by == "first" and held.locked_until > claimed_until
            assert mailbox.received == []
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            lapses_at = stored(session, queued.id).locked_until
            session.commit()
            # The second worker takes it over once the dead worker's lease lapses: seconds, not minutes.
            wait_for(lambda: len(mailbox.received) == 1, timeout=60)
            time.sleep(1)  # a second delivery, were there one, would arrive now
        finally:
            for process in started:
                if process.poll() is None:
                    process.terminate()
            outputs = [process.communicate(timeout=30) for process in started]
    assert second.returncode == 0, outputs[1][1].decode()
    assert "delivered: 1" in outputs[1][0].decode()
    row = stored(session, queued.id)
    assert (row.state, row.attempts, row.locked_by) == ("delivered", 1, None)
    assert lapses_at <= row.delivered_at < lapses_at + timedelta(seconds=30)  # never before the lapse
    [email] = mailbox.received
    assert email["X-Leadpact-Idempotency-Key"] == queued.idempotency_key and len(mailbox.effects) == 1
