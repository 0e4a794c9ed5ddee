"""Exactly-once effect across a worker killed mid-delivery: at-least-once delivery plus the idempotency key.

The worker runs as a real process (`leadpact worker`). The SMTP receiver accepts the email; the test then holds a
write lock on the outbox row so the worker cannot record the success, kills it (SIGKILL) between the receiver's
acceptance and its commit, and starts a second worker once the first one's lease has lapsed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select, text

from leadpact.outbox import OutboxMessage, notify
from tests.outbox.servers import Mailbox, SmtpServer, wait_for
from tests.sla.factories import make_handoff, make_org

LEASE_SECONDS = 2


def worker_process(database_url: str, smtp_port: int, *args: str) -> subprocess.Popen[bytes]:
    """Start `leadpact worker` in its own process on the test's database and SMTP server."""
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url, "LEADPACT_SMTP_HOST": "127.0.0.1",
           "LEADPACT_SMTP_PORT": str(smtp_port), "LEADPACT_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
           "LEADPACT_MAIL_FROM": "leadpact@seller.test"}
    return subprocess.Popen([sys.executable, "-m", "leadpact.cli", "worker", "--poll", "0.1", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_worker_killed_after_the_receiver_accepted_causes_one_redelivery_and_one_effect(
    engine, session, database_url
) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    [queued] = notify(session=session, topic="handoff.created", payload={"tier": "hot", "brief": "Call Ada today."},
                      now=datetime.now(UTC), key=f"handoff.created:{handoff.id}", rep_id=handoff.rep_id)
    session.commit()
    gate = threading.Event()

    with SmtpServer(Mailbox(gate=gate)) as smtp:
        first = worker_process(database_url, smtp.port)
        try:
            assert smtp.mailbox.arrived.wait(30), first.stderr.read1().decode() if first.poll() is not None else ""
            # The receiver holds its reply; meanwhile take a write lock on the row so the worker cannot commit.
            blocker = engine.connect()
            transaction = blocker.begin()
            blocker.execute(text("UPDATE outbox SET last_error = last_error WHERE id = :id"), {"id": queued.id})
            gate.set()  # 250: the receiver has accepted the email
            wait_for(lambda: smtp.mailbox.quits == 1)  # the worker heard the 250 and closed the session
            time.sleep(0.3)  # ...and is now waiting on the row lock to mark it delivered
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            transaction.rollback()
            blocker.close()
        finally:
            if first.poll() is None:
                first.kill()

        row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
        assert (row.state, row.attempts, row.delivered_at) == ("pending", 0, None)  # the success never got recorded
        assert row.locked_by is not None
        session.commit()

        time.sleep(LEASE_SECONDS + 0.2)  # the dead worker's lease lapses
        second = worker_process(database_url, smtp.port, "--once")
        output, errors = second.communicate(timeout=60)
        assert second.returncode == 0, errors.decode()
        assert "delivered: 1" in output.decode()

    received = smtp.mailbox.received
    assert len(received) == 2  # delivered at least once: twice here
    assert {m["Message-ID"] for m in received} == {received[0]["Message-ID"]}
    assert {m["X-Leadpact-Idempotency-Key"] for m in received} == {queued.idempotency_key}
    assert len(smtp.mailbox.effects) == 1  # the receiver dedupes: exactly one effect
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert (row.state, row.attempts, row.locked_by) == ("delivered", 1, None)
    assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.id != row.id)) is None
