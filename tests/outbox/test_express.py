"""The express lane: a notification committed in this process goes to its embedded worker already leased, and out
without a poll or a claim; savepoints, rollbacks, other databases and shutdown keep the outbox's guarantees. Idle
worker passes ask for no write lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from leadpact.outbox import OutboxMessage, enqueue, notify
from leadpact.outbox.express import close_lane, current_lane, open_lane
from leadpact.outbox.leases import release
from leadpact.outbox.service import enqueued_signal
from leadpact.outbox.settings import get_outbox_settings
from leadpact.outbox.transports import smtp_session
from leadpact.worker import WorkerTotals, run_worker, work_once
from tests.outbox.servers import wait_for
from tests.sla.factories import make_handoff, make_org


@contextmanager
def embedded_worker(engine, clock) -> Iterator[str]:
    """A worker with its express lane, polling only once a minute: whatever arrives sooner came by the lane; yields
    the name the lane holds its rows under."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, kwargs={
        "engine": engine, "clock": clock, "poll_interval": 60, "worker_id": "embedded", "stop_event": stop,
        "express": True})
    thread.start()
    wait_for(lambda: current_lane() is not None)
    try:
        yield "embedded:express"
    finally:
        stop.set()
        enqueued_signal().set()
        thread.join(30)
    assert not thread.is_alive() and current_lane() is None


def row(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(key))
                          .execution_options(populate_existing=True))


def test_a_committed_notification_is_written_leased_and_sent_without_a_claim(engine, session, clock, smtp) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0], now=clock.now())
    session.commit()
    with embedded_worker(engine, clock) as worker_id:
        [queued] = notify(session=session, topic="handoff.created", payload={"brief": "Call Ada."}, now=clock.now(),
                          key="express", rep_id=handoff.rep_id, handoff_id=handoff.id)
        # Leased as it is written: no other worker can claim it, so only the lane can send it.
        lease = timedelta(seconds=get_outbox_settings().outbox_lease_seconds)
        assert (queued.locked_by, queued.locked_until) == (worker_id, clock.now() + lease)
        session.commit()
        wait_for(lambda: len(smtp.mailbox.received) == 1)
        wait_for(lambda: row(session, "express").state == "delivered")
    sent = row(session, "express")
    assert (sent.attempts, sent.locked_by, sent.delivered_at) == (1, None, clock.now())
    assert smtp.mailbox.received[0]["X-Leadpact-Idempotency-Key"] == sent.idempotency_key


def test_a_failed_express_delivery_is_retried_by_the_outbox(engine, session, clock, monkeypatch) -> None:
    org = make_org(session)
    session.commit()
    monkeypatch.setenv("LEADPACT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEADPACT_SMTP_PORT", "9")  # nothing listens: the attempt fails
    with embedded_worker(engine, clock):
        notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="refused",
               rep_id=org.reps[0].id)
        session.commit()
        wait_for(lambda: row(session, "refused").attempts == 1)
    failed = row(session, "refused")
    assert (failed.state, failed.locked_by) == ("pending", None) and failed.next_attempt_at > clock.now()
    assert "SMTP 127.0.0.1:9" in failed.last_error


def test_rolled_back_work_never_leaves(engine, session, clock, smtp) -> None:
    org = make_org(session)
    session.commit()
    with embedded_worker(engine, clock):
        notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="rolled back",
               rep_id=org.reps[0].id)
        session.rollback()
        with session.begin_nested() as savepoint:
            notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="savepoint",
                   rep_id=org.reps[0].id)
            savepoint.rollback()
        notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="kept",
               rep_id=org.reps[0].id)
        session.commit()
        wait_for(lambda: row(session, "kept").state == "delivered")
    assert [m["X-Leadpact-Idempotency-Key"] for m in smtp.mailbox.received] == [row(session, "kept").idempotency_key]
    assert row(session, "rolled back") is None and row(session, "savepoint") is None


def test_rows_of_another_database_wait_for_a_claim_there(engine, session, clock, tmp_path) -> None:
    from leadpact.db import migrate

    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(other)
    lane = open_lane(worker_id="w", engine=engine, lease=timedelta(minutes=5), now=clock.now,
                     wake=threading.Event())
    try:
        with Session(other) as elsewhere:
            queued = enqueue(session=elsewhere, kind="email", topic="handoff.created", destination="rep@seller.test",
                             payload={}, idempotency_key="x", now=clock.now())
            assert queued.locked_by is None
            elsewhere.commit()
        assert lane.unsent() == []
    finally:
        close_lane(lane)
        other.dispose()


def test_a_lane_that_stops_gives_back_the_leases_of_what_it_did_not_send(engine, session, clock) -> None:
    org = make_org(session)
    session.commit()
    lane = open_lane(worker_id="w", engine=engine, lease=timedelta(minutes=5), now=clock.now,
                     wake=threading.Event())
    try:
        notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="unsent",
               rep_id=org.reps[0].id)
        session.commit()
        assert row(session, "unsent").locked_by == "w"
    finally:
        close_lane(lane)
    lane.stop()
    assert release(engine=engine, deliveries=lane.unsent(), worker_id="w") == 1
    assert row(session, "unsent").locked_by is None  # any worker may claim it now


def test_emails_sent_together_share_one_smtp_connection(engine, session, clock, smtp) -> None:
    from leadpact.outbox.transports import Delivery, send_email

    deliveries = [Delivery(id=n, kind="email", topic="handoff.created", destination=f"rep{n}@seller.test",
                           payload={}, idempotency_key=f"k{n}", attempt=1, now=clock.now()) for n in range(3)]
    with smtp_session():
        for delivery in deliveries:
            send_email(delivery)
        assert smtp.mailbox.quits == 0
    wait_for(lambda: smtp.mailbox.quits == 1)
    assert [m["To"] for m in smtp.mailbox.received] == ["rep0@seller.test", "rep1@seller.test", "rep2@seller.test"]


def test_an_idle_pass_takes_no_write_lock(engine, session, clock) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    make_org(session)
    session.commit()
    writer = engine.raw_connection()
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock (as ingest does under load)
    done = threading.Event()
    try:
        thread = threading.Thread(target=lambda: (work_once(engine=engine, clock=clock, worker_id="idle",
                                                            totals=WorkerTotals()), done.set()))
        thread.start()
        # A pass that asked for the lock would wait out the 30 s busy timeout.
        assert done.wait(15), "the idle pass waited for the write lock"
    finally:
        writer.rollback()
        writer.close()
        thread.join(40)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
