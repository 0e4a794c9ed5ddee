"""CRM pushes through the outbox: the `crm` transport under the outbox's own worker, batched delivery, and a
worker killed mid-push (a real process, SIGKILLed while the CRM holds its answer) whose successor finishes the job
without duplicates."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leadpact.crm import deliver_due_pushes, enqueue_push
from leadpact.db import session_scope
from leadpact.outbox import Leases, OutboxMessage
from leadpact.outbox.delivery import deliver_due
from leadpact.outbox.settings import get_outbox_settings
from tests.crm.factories import make_handoffs, sales_rep

CHILD = "from leadpact.crm import deliver_due_pushes; deliver_due_pushes(worker_id='doomed')"


def queue(crm, ids, now):
    """Queue pushes of handoffs; return the outbox ids."""
    with session_scope() as session:
        return [enqueue_push(session=session, crm=crm, handoff_id=i, now=now).id for i in ids]


def rows():
    """(state, attempts, last error) of every outbox row."""
    with session_scope() as session:
        return {(m.state, m.attempts, m.last_error) for m in session.scalars(select(OutboxMessage))}


def test_the_outbox_worker_delivers_crm_rows_through_the_registered_transport(crm_tables, hubspot_env, clock):
    ids = make_handoffs(2, rep_id=sales_rep())
    [bad] = make_handoffs(1, rep_id=None, start=5, email="nobody")
    queue("hubspot", [*ids, bad], clock.now())
    report = deliver_due(engine=crm_tables, now=clock.now(), worker_id="w1")
    assert (report.delivered, report.dead) == (2, 1)
    assert [len(hubspot_env.portal.records(k)) for k in ("contacts", "notes", "tasks")] == [2, 2, 2]
    with session_scope() as session:
        dead = session.scalar(select(OutboxMessage).where(OutboxMessage.state == "dead"))
        assert "INVALID_EMAIL" in dead.last_error


def test_enqueueing_twice_queues_once_and_batched_delivery_pushes_everything(crm_tables, hubspot_env, clock):
    ids = make_handoffs(30, rep_id=sales_rep())
    assert len(queue("hubspot", ids, clock.now())) == 30
    with session_scope() as session:
        assert enqueue_push(session=session, crm="hubspot", handoff_id=ids[0], now=clock.now()) is None
    report = deliver_due_pushes(worker_id="w1", clock=clock)
    assert (report.claimed, report.delivered, report.errors) == (30, 30, [])
    assert len([p for _m, p, _s in hubspot_env.portal.log]) == 4  # one batch: read, create, notes, tasks
    assert rows() == {("delivered", 1, None)}


def test_a_rate_limit_sends_the_row_back_with_the_crms_wait(crm_tables, hubspot_env, clock):
    hubspot_env.portal.daily_limit = 0
    ids = make_handoffs(1, rep_id=sales_rep())
    queue("hubspot", ids, clock.now())
    report = deliver_due_pushes(worker_id="w1", clock=clock)
    assert report.retried == 1 and "DAILY" in report.errors[0]
    with session_scope() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.next_attempt_at > clock.now() + timedelta(minutes=1)  # tomorrow, not the outbox's 30 s backoff


def _env(crm, server):
    env = {**os.environ, "LEADPACT_DATABASE_URL": os.environ["LEADPACT_DATABASE_URL"]}
    if crm == "hubspot":
        env |= {"LEADPACT_HUBSPOT_TOKEN": server.portal.token, "LEADPACT_HUBSPOT_BASE_URL": server.url}
    else:
        env |= {"LEADPACT_SALESFORCE_TOKEN": server.org.token, "LEADPACT_SALESFORCE_INSTANCE_URL": server.url,
                "LEADPACT_SALESFORCE_CA_BUNDLE": str(server.ca)}
    return env


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_worker_killed_mid_push_is_resumed_without_duplicates(crm_tables, crm, request, clock):
    server = request.getfixturevalue(crm)
    state = server.portal if crm == "hubspot" else server.org
    note_path = "/crm/v3/objects/notes/batch/create" if crm == "hubspot" else "/services/data/v59.0/composite/sobjects"
    owner = "101" if crm == "hubspot" else server.user()
    ids = make_handoffs(5, rep_id=sales_rep(owner_id=owner))
    queue(crm, ids, clock.now())
    # The CRM creates the notes, then holds its answer: the worker dies waiting, never learning their ids.
    state.stalls[note_path] = 120.0
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=_env(crm, server))
    try:
        deadline = time.monotonic() + 60
        while not any(p == note_path and m == "POST" for m, p, _s in list(state.log)):
            assert child.poll() is None, "the worker exited before reaching the notes"
            assert time.monotonic() < deadline, "the worker never reached the notes"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    del state.stalls[note_path]
    counts = _counts(crm, state)
    assert counts == (5, 5, 0)  # people and notes exist in the CRM; the tasks were never sent
    # Its lease lapses; another worker takes the rows over.
    clock.set(datetime.now(UTC) + timedelta(minutes=6))
    report = deliver_due_pushes(worker_id="heir", clock=clock, connector_factory=lambda _crm: server.connector())
    assert (report.delivered, report.errors) == (5, [])
    assert _counts(crm, state) == (5, 5, 5)
    assert rows() == {("delivered", 1, None)}


def _counts(crm, state):
    if crm == "hubspot":
        return tuple(len(state.records(kind)) for kind in ("contacts", "notes", "tasks"))
    return tuple(len(state.records[kind]) for kind in ("Lead", "Note", "Task"))


def test_pushes_a_live_worker_holds_stay_its_own_and_a_dead_ones_are_taken_within_a_lease(crm_tables, hubspot_env,
                                                                                          clock):
    """CRM pushes use the outbox's one lease protocol: renewed while their worker lives, free a lease after it dies."""
    ids = make_handoffs(3, rep_id=sales_rep())
    queue("hubspot", ids, clock.now())
    lease = timedelta(seconds=get_outbox_settings().outbox_lease_seconds)
    holder = Leases(engine=crm_tables, worker_id="holder", lease=lease, now=clock.now)
    assert len(holder.claim(limit=100, kind="crm")) == 3
    for _ in range(6):  # two leases' worth of a slow push, renewed as it goes
        clock.advance(lease / 3)
        holder.renew()
        assert deliver_due_pushes(worker_id="heir", clock=clock).claimed == 0
    clock.advance(lease + timedelta(seconds=1))  # the holder died: its leases lapse, unrenewed
    report = deliver_due_pushes(worker_id="heir", clock=clock)
    assert (report.claimed, report.delivered) == (3, 3)
    assert rows() == {("delivered", 1, None)}
