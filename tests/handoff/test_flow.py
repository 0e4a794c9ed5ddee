"""The handoff flow under live evaluation: qualified and ready → routed, briefed, handed off, on the clock and
announced in the same transaction; missing context → held in needs_context and published."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.handoff import Handoff, hand_off, missing_context, person_by_email
from leadpact.lifecycle import history
from leadpact.outbox import OutboxMessage
from leadpact.pact import compile_pact, evaluate, load_pact
from leadpact.sla import Timer
from tests.handoff.factories import NORTHWIND, NOW, make_handoff, make_person
from tests.handoff.fixtures import build_world, demo_request, hot_lead, identify, page, send


def outbox(session, topic):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)).all()


def test_a_hot_lead_is_routed_briefed_handed_off_clocked_and_announced(world):
    hot_lead()
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        assert person.status == "handed_off"
        handoff = session.scalars(select(Handoff)).one()
        assert (handoff.person_id, handoff.tier, handoff.state, handoff.pact_version) == (person.id, "hot", "open", 1)
        assert handoff.rep_id == world.sam_rep_id and handoff.routing_rule == 1
        assert handoff.routing_reason.startswith("north_america round robin: Sam Park had 0 assignment(s)")
        assert handoff.brief.startswith("Jo Smith is at Acme (software, 800 employees, US).")
        assert "downloaded" not in handoff.brief and "viewed 'Cutting warehouse cost'" in handoff.brief
        assert handoff.brief_facts["problem"]["problem"] == "cost of warehouse"
        assert handoff.timeline["events"][0]["event"] == "Demo Requested"
        assert {c["id"] for c in handoff.criteria["criteria"]} == {"size", "industry", "pricing_page", "demo"}
        assert handoff.sla_due_at == NOW + timedelta(minutes=15)
        assert handoff.feedback_due_at == NOW + timedelta(days=5)
        timers = {t.kind: t.due_at for t in session.scalars(select(Timer).where(Timer.handoff_id == handoff.id))}
        assert timers == {"sla_breach": NOW + timedelta(minutes=15), "feedback_due": NOW + timedelta(days=5)}
        last = history(session=session, person_id=person.id)[-1]
        assert (last.from_status, last.to_status, last.actor, last.pact_version) == ("hot", "handed_off", "system", 1)
        assert last.reasons["handoff_id"] == handoff.id
        sent = outbox(session, "handoff.created")
        assert {(m.kind, m.destination) for m in sent} == {("email", "sam@nw.example"),
                                                          ("webhook", "channel:1")}
        payload = sent[0].payload
        assert payload["brief"] == handoff.brief and payload["timeline_link"] == f"/handoffs/{handoff.id}"
        assert payload["sla_due_at"] == "2026-10-01T12:15:00.000Z" and payload["tier"] == "hot"
        assert payload["person"]["email"] == "jo@acme.example" and payload["company"]["name"] == "Acme"
        assert payload["rep"] == {"id": world.sam_rep_id, "email": "sam@nw.example", "name": "Sam Park"}
        assert all(m.handoff_id == handoff.id for m in sent)


def test_missing_context_holds_the_lead_names_what_is_missing_and_publishes_it(live):
    build_world(catalog=False)  # no catalog: the likely problem cannot be answered
    hot_lead()
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        assert person.status == "needs_context"
        assert session.scalars(select(Handoff)).all() == []
        missing = missing_context(session=session, person=person)
        assert missing["missing"] == [{"item": "problem", "label": "Engagement with catalog content that speaks to a "
                                       "problem (send them such content)", "form_field": None}]
        [published] = outbox(session, "readiness.missing")
        assert published.payload["person"]["email"] == "jo@acme.example"
        assert [m["item"] for m in published.payload["missing"]] == ["problem"]


def test_a_missing_form_field_is_published_with_the_field_to_ask_for(live):
    # A pact whose hot stage needs no fit: a demo request qualifies whatever the company's size.
    build_world(source=NORTHWIND.replace("{all: [{grade: [A, B]},", "{all: [{grade: [A, B, C, D]},"))
    send(identify(company={"name": "Acme", "industry": "software", "country": "US"}),
         page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z"))
    send(demo_request())
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        assert person.status == "needs_context"
        [published] = outbox(session, "readiness.missing")
        assert published.payload["missing"] == [
            {"item": "company_size", "label": "Company size (employees)", "form_field": "company.employee_count"}]
        assert published.payload["link"] == f"/api/v1/people/{person.id}/missing"


def test_once_the_missing_context_arrives_the_held_lead_is_handed_off(live):
    build_world(catalog=False)
    hot_lead()
    with session_scope() as session:
        from tests.handoff.factories import add_catalog

        add_catalog(session)
    send(page("/pricing", "2026-10-01T11:40:00Z", n=2))
    with session_scope() as session:
        person = person_by_email(session=session, email="jo@acme.example")
        assert person.status == "handed_off"
        trail = [(t.from_status, t.to_status) for t in history(session=session, person_id=person.id)]
        assert trail[-2:] == [("needs_context", "hot"), ("hot", "handed_off")]
        assert session.scalars(select(Handoff)).one().tier == "hot"


def test_colleagues_from_the_same_account_go_to_the_same_rep(world):
    hot_lead()
    send(identify("al@acme.example", "u2"), page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z", "u2"),
         page("/pricing", "2026-09-30T10:00:00Z", "u2"))
    send({"type": "track", "userId": "u2", "event": "Demo Requested", "messageId": "d-u2",
          "timestamp": "2026-10-01T11:31:00Z"})
    with session_scope() as session:
        first, second = session.scalars(select(Handoff).order_by(Handoff.id)).all()
        assert first.rep_id == second.rep_id == world.sam_rep_id
        assert second.routing_reason.startswith("One account, one rep: Sam Park already works Jo Smith's handoff")


def test_one_open_handoff_per_person(world):
    with session_scope() as session:
        person = make_person(session, "lee@solo.example", None, status="mql")
        existing = make_handoff(session, person, None)
        compiled = compile_pact(load_pact(NORTHWIND))
        evaluation = evaluate(compiled, person={"email": person.email}, as_of=NOW)
        assert hand_off(session=session, person=person, evaluation=evaluation, now=NOW) is existing
        assert person.status == "handed_off" and len(session.scalars(select(Handoff)).all()) == 1
