"""A handoff ends `closed` when its person leaves the handoff path by any road but feedback: its clocks stop, the
rep is told why, and the move's audit row names it. Feedback keeps settling its own handoffs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from leadpact.db import get_engine, session_scope
from leadpact.feedback.service import reject
from leadpact.handoff import Handoff, close_left_handoffs, person_by_email
from leadpact.lifecycle import Move, history, move
from leadpact.outbox import OutboxMessage
from leadpact.people.models import Person
from leadpact.sla import Timer
from leadpact.sla.timers import fire_due_timers
from tests.handoff.factories import NORTHWIND, NOW, make_account, make_handoff, make_person, make_rep
from tests.handoff.fixtures import build_world, hot_lead, identify, send

# Disqualifying students contradicts the pact's written-down student example, so the examples are left out.
STUDENTS = NORTHWIND[:NORTHWIND.index("\nexamples:")].replace(
    "disqualify:\n",
    "disqualify:\n  - id: student\n    reason: student\n    when: {field: person.title, op: matches, value: "
    "\"(?i)student\"}\n",
)


def sent(session, topic):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)).all()


def clocks(session, handoff_id):
    rows = session.scalars(select(Timer).where(Timer.handoff_id == handoff_id))
    return {t.kind: (t.fired_at, t.cancelled_at) for t in rows}


def test_a_disqualify_synced_from_the_crm_closes_the_open_handoff_and_says_why(world):
    hot_lead()
    later = NOW + timedelta(minutes=5)
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        move(session=session, person=person, to="disqualified", at=later, actor="crm:hubspot",
             reasons={"reason": "competitor", "note": "lead status DISQUALIFIED in HubSpot"})
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        assert (handoff.state, handoff.disposition_at, handoff.disposition_actor) == ("closed", later, "crm:hubspot")
        assert handoff.rejection_reason is None  # closing is not a rep's rejection
        assert clocks(session, handoff.id) == {"sla_breach": (None, later), "feedback_due": (None, later)}
        why = ("Closed: the person moved handed_off → disqualified by crm:hubspot (reason: competitor; note: lead "
               "status DISQUALIFIED in HubSpot)")
        closed = sent(session, "handoff.closed")
        assert {(m.kind, m.destination) for m in closed} == {("email", "sam@nw.example"),
                                                            ("webhook", "channel:1")}
        assert all(m.handoff_id == handoff.id and m.payload["closed_reason"] == why for m in closed)
        assert closed[0].payload["closed_by"] == "crm:hubspot" and closed[0].payload["status"] == "disqualified"
        last = history(session=session, person_id=handoff.person_id)[-1]
        assert (last.to_status, last.actor, last.reasons["closed_handoffs"]) == ("disqualified", "crm:hubspot",
                                                                                 [handoff.id])


def test_an_automatic_disqualify_from_live_evaluation_closes_the_open_handoff(live):
    build_world(source=STUDENTS)
    hot_lead()
    # Live evaluation moves only people not yet handed off; a person whose status was set back while their
    # handoff stayed open (a merge, a repair) is such a person, and the engine may disqualify them.
    with session_scope() as session:
        session.execute(update(Person).where(Person.email == "jo@acme.example").values(status="hot"))
    send({**identify(title="Student of data"), "messageId": "i-u1-again", "timestamp": "2026-10-01T12:01:00Z"},
         now=NOW + timedelta(minutes=1))
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        handoff = session.scalars(select(Handoff)).one()
        assert (person.status, handoff.state, handoff.disposition_actor) == ("disqualified", "closed", "system")
        [email] = [m for m in sent(session, "handoff.closed") if m.kind == "email"]
        assert email.payload["closed_reason"] == ("Closed: the person moved hot → disqualified by system "
                                                  "(disqualified by: student)")
        assert history(session=session, person_id=person.id)[-1].reasons["closed_handoffs"] == [handoff.id]


def test_a_breach_already_due_at_the_close_is_still_recorded_but_chases_nobody(world):
    hot_lead()
    late = NOW + timedelta(minutes=20)  # the 15-minute SLA ran out before the person was disqualified
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        move(session=session, person=person, to="disqualified", at=late, actor="user:ada@nw.example")
    assert fire_due_timers(engine=get_engine(), now=late, worker_id="test") == 1
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        assert handoff.state == "closed" and handoff.sla_breached_at == NOW + timedelta(minutes=15)
        assert handoff.escalated_at is None and sent(session, "sla.breached") == []
        assert clocks(session, handoff.id) == {"sla_breach": (late, None), "feedback_due": (None, late)}


def test_feedback_settles_its_own_handoff_as_before(world):
    hot_lead()
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        reject(session=session, handoff_id=handoff.id, by="sam@nw.example", reason="wrong_role", note=None,
               now=NOW + timedelta(minutes=5))
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        assert (handoff.state, handoff.rejection_reason) == ("rejected", "wrong_role")
        assert person_by_email(session=session, email="jo@acme.example").status == "disqualified"
        assert sent(session, "handoff.closed") == []


@pytest.mark.parametrize(("target", "closes"), [
    ("disqualified", True), ("nurture", True), ("won", True), ("lost", True),
    ("handed_off", False), ("hot", False), ("mql", False), ("needs_context", False),
])
def test_which_moves_close_an_open_handoff(session, target, closes):
    rep = make_rep(session, "sam@nw.example", "Sam Park")
    person = make_person(session, "jo@acme.example", make_account(session, "Acme", "acme.example"),
                         status="handed_off")
    handoff = make_handoff(session, person, rep)
    other = make_handoff(session, make_person(session, "al@acme.example", None), rep)
    moved = Move(person.id, "handed_off", target, {})
    close_left_handoffs(session, [moved], NOW, "user:ada@nw.example")
    session.refresh(handoff)
    session.refresh(other)
    assert (handoff.state == "closed", other.state) == (closes, "open")
    assert moved.reasons.get("closed_handoffs") == ([handoff.id] if closes else None)
