"""Transports as the wiring names them (how the CRM plugs in) and the words of each notification."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from leadpact.outbox import Delivery, DeliveryError, OutboxMessage, enqueue
from leadpact.outbox.delivery import deliver_due
from leadpact.outbox.render import render
from leadpact.wiring import Wiring, install, installed


def with_transports(wiring: Wiring, **added) -> None:
    """Install the test's wiring with these transports beside its own (the autouse fixture puts it back)."""
    install(replace(wiring, transports={**wiring.transports, **added}))


def test_a_kind_without_a_transport_waits_until_one_is_registered(engine, session, clock) -> None:
    enqueue(session=session, kind="pigeon", topic="handoff.created", destination="loft 7", payload={"n": 1},
            idempotency_key="pigeon-1", now=clock.now())
    session.commit()
    report = deliver_due(engine=engine, now=clock.now(), worker_id="w")
    assert (report.retried, report.dead) == (1, 0)
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert "no transport registered for kind 'pigeon'" in row.last_error

    carried: list[Delivery] = []
    with_transports(installed(), pigeon=carried.append)
    clock.set(row.next_attempt_at)
    assert deliver_due(engine=engine, now=clock.now(), worker_id="w").delivered == 1
    [delivery] = carried
    assert (delivery.kind, delivery.destination, delivery.payload) == ("pigeon", "loft 7", {"n": 1})
    assert delivery.attempt == 2
    assert delivery.idempotency_key == "pigeon-1"


def test_a_permanent_failure_is_dead_at_once_and_a_transport_bug_costs_one_attempt(engine, session, clock) -> None:

    def refuse(delivery: Delivery) -> None:
        raise DeliveryError("the CRM says this contact was merged away", permanent=True)

    def crash(delivery: Delivery) -> None:
        raise KeyError("bug")

    with_transports(installed(), refusing=refuse, crashing=crash)
    for kind in ("refusing", "crashing"):
        enqueue(session=session, kind=kind, topic="t", destination="d", payload={}, idempotency_key=kind,
                now=clock.now())
    session.commit()
    report = deliver_due(engine=engine, now=clock.now(), worker_id="w")
    assert (report.dead, report.retried) == (1, 1)
    rows = {row.kind: row for row in session.scalars(select(OutboxMessage))}
    assert rows["refusing"].state == "dead" and "merged away" in rows["refusing"].last_error
    assert rows["crashing"].state == "pending" and "KeyError" in rows["crashing"].last_error


def test_the_handoff_engineers_payload_shape_renders_too() -> None:
    payload = {"handoff_id": 3, "tier": "mql", "brief": "Jo leads data at Acme.", "timeline_link": "/handoffs/3",
               "sla_due_at": "2026-10-02T13:00:00.000Z", "person": {"name": "Jo Smith", "email": "jo@acme.example"},
               "company": {"name": "Acme"}, "rep": None, "team": "north_america", "timezone": "America/New_York"}
    words = render("handoff.created", payload, base_url="https://leadpact.acme.test")
    assert words.subject == "New MQL lead: Jo Smith at Acme, respond by Fri 02 Oct 09:00 EDT (13:00 UTC)"
    assert "Timeline: https://leadpact.acme.test/handoffs/3" in words.text
    missing = render("readiness.missing", {"person": {"name": "Jo"}, "missing": ["job title", "company size"]})
    assert missing.subject == "Context missing before Jo can be handed off"
    assert "  - job title" in missing.text
    assert render("something.new", {}).subject == "leadpact: something.new"
