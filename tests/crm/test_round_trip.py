"""The round trip on the real handoff flow: a handoff is pushed to the CRM, a rep acts there, and the change
comes back (webhook or polling) as feedback through `leadpact.feedback` and stops the SLA clock in `leadpact.sla`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadpact.crm import pull, push_handoffs
from leadpact.db import session_scope
from leadpact.handoff import Handoff, Opportunity
from leadpact.lifecycle import history
from leadpact.org.models import Rep
from leadpact.people.models import Person
from leadpact.sla import Timer
from tests.crm.helpers import post_events, webhook_server
from tests.handoff.factories import NOW
from tests.handoff.fixtures import hot_lead


@pytest.fixture
def handed_off(world, crm_tables, clock):
    """Jo at Acme, hot and handed off at NOW by the real flow (SLA: 15 minutes), reps mapped to CRM owners."""
    clock.set(NOW)
    hot_lead()
    with session_scope() as session:
        for rep in session.scalars(select(Rep)):
            rep.crm_owner_id = "101"
        return session.scalars(select(Handoff)).one().id


def state(handoff_id):
    """The handoff, its person and its timers' cancellation times."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        person = session.get(Person, handoff.person_id)
        timers = {t.kind: t.cancelled_at for t in session.scalars(select(Timer).where(Timer.handoff_id == handoff_id))}
        return handoff, person, timers


def pushed_contact(hubspot, handoff_id):
    """Push the handoff and return its HubSpot contact."""
    outcome = push_handoffs(connector=hubspot.connector(), handoff_ids=[handoff_id])
    assert outcome.pushed == [handoff_id]
    [contact] = hubspot.portal.records("contacts")
    return contact


def test_a_status_change_in_hubspot_comes_back_by_webhook_as_acceptance_and_stops_the_clock(handed_off, hubspot_env,
                                                                                              clock):
    contact = pushed_contact(hubspot_env, handed_off)
    assert state(handed_off)[0].sla_due_at == NOW + timedelta(minutes=15)
    clock.set(NOW + timedelta(minutes=9))
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="CONNECTED")
    events = [w.body for w in hubspot_env.portal.webhooks]
    with webhook_server() as server:
        response = post_events(server, events, secret="app-secret", sent_at=clock.now())
        replay = post_events(server, events, secret="app-secret", sent_at=clock.now())  # the same request again
        # HubSpot's own retry is a new request: a later timestamp, so a new signature
        retry = post_events(server, events, secret="app-secret", sent_at=clock.now() + timedelta(seconds=30))
    assert response.json() == {"changes": 1, "applied": 1, "skipped": 0}
    assert replay.status_code == 401 and "already received (a replay)" in replay.json()["detail"]
    assert retry.status_code == 200
    handoff, person, timers = state(handed_off)
    assert (handoff.state, person.status) == ("accepted", "accepted")
    assert (handoff.first_touch_at, handoff.first_touch_source) == (NOW + timedelta(minutes=9), "hubspot")
    assert timers["sla_breach"] is not None  # the breach will not fire: the clock stopped inside the SLA
    with session_scope() as session:
        moves = [(t.from_status, t.to_status, t.actor) for t in history(session=session, person_id=person.id)]
    assert moves[-1][:2] == ("handed_off", "accepted") and moves[-1][2].startswith("user:")


def test_a_rejection_status_comes_back_by_polling_with_its_mapped_reason(handed_off, hubspot_env, clock):
    contact = pushed_contact(hubspot_env, handed_off)
    clock.set(NOW + timedelta(minutes=30))
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="BAD_TIMING")
    report = pull(connector=hubspot_env.connector())
    assert report.changes == 1 and not report.applied.skipped
    handoff, person, _timers = state(handed_off)
    assert (handoff.state, handoff.rejection_reason, person.status) == ("rejected", "wrong_timing", "nurture")
    assert handoff.first_touch_at == NOW + timedelta(minutes=30)  # late: the breach stands
    again = pull(connector=hubspot_env.connector())  # the overlap re-reads it: nothing happens twice
    assert again.applied.applied == [f"hubspot status contact:{contact.id}: status BAD_TIMING unchanged"]


def test_a_status_set_before_the_next_push_is_still_pulled(handed_off, hubspot_env, clock):
    contact = pushed_contact(hubspot_env, handed_off)
    clock.set(NOW + timedelta(minutes=3))
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="IN_PROGRESS")
    pushed_contact(hubspot_env, handed_off)  # a replayed push finds the rep's status and leaves it unapplied
    pull(connector=hubspot_env.connector())
    handoff, person, _ = state(handed_off)
    assert (handoff.state, handoff.first_touch_at) == ("accepted", NOW + timedelta(minutes=3))


def test_unqualified_without_a_reason_is_not_applied_but_said_why(handed_off, hubspot_env, clock):
    contact = pushed_contact(hubspot_env, handed_off)
    clock.set(NOW + timedelta(minutes=5))
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="UNQUALIFIED")
    report = pull(connector=hubspot_env.connector())
    assert "gave no reason" in report.applied.skipped[0]
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="OPEN")
    hubspot_env.portal.rep_sets(contact.id, hs_lead_status="UNQUALIFIED", leadpact_rejection_reason="no_budget")
    pull(connector=hubspot_env.connector())
    handoff, person, _ = state(handed_off)
    assert (handoff.state, handoff.rejection_reason) == ("rejected", "no_budget")


def test_a_logged_call_is_a_first_touch_and_a_won_deal_closes_the_loop(handed_off, hubspot_env, clock):
    contact = pushed_contact(hubspot_env, handed_off)
    clock.set(NOW + timedelta(minutes=12))
    hubspot_env.portal.rep_logs("calls", contact.id, hs_call_direction="OUTBOUND")
    hubspot_env.portal.rep_logs("emails", contact.id, at=NOW + timedelta(minutes=1),
                                hs_email_direction="INCOMING_EMAIL")  # the lead writing in is not a touch
    pull(connector=hubspot_env.connector())
    handoff, _person, timers = state(handed_off)
    assert (handoff.state, handoff.first_touch_at, handoff.first_touch_source) == (
        "open", NOW + timedelta(minutes=12), "hubspot")
    clock.set(NOW + timedelta(days=20))
    hubspot_env.portal.rep_logs("deals", contact.id, dealname="Acme", dealstage="closedwon", amount="48000",
                                closedate=(NOW + timedelta(days=19)).isoformat())
    report = pull(connector=hubspot_env.connector())
    assert not report.applied.skipped, report.applied.skipped
    handoff, person, _ = state(handed_off)
    with session_scope() as session:
        opportunity = session.scalars(select(Opportunity)).one()
        assert (opportunity.stage, opportunity.amount, opportunity.crm_id) == ("won", 48000.0,
                                                                              hubspot_env.portal.records("deals")[0].id)
    assert (handoff.state, person.status) == ("accepted", "won")


def test_salesforce_status_completed_task_and_closed_won_opportunity_come_back_by_soql(handed_off, salesforce_env,
                                                                                         clock):
    with session_scope() as session:
        for rep in session.scalars(select(Rep)):
            rep.crm_owner_id = salesforce_env.user()
    connector = salesforce_env.connector()
    assert push_handoffs(connector=connector, handoff_ids=[handed_off]).pushed == [handed_off]
    org = salesforce_env.org
    [lead] = org.records["Lead"].values()
    [task] = org.records["Task"].values()
    clock.set(NOW + timedelta(minutes=7))
    with org.lock:
        org.change("Task", task, {"Status": "Completed"})  # the rep called and completed the follow-up
    clock.set(NOW + timedelta(minutes=40))
    with org.lock:
        org.change("Lead", lead, {"Status": "Working - Contacted"})
    pull(connector=connector)
    handoff, person, _ = state(handed_off)
    assert (handoff.state, handoff.first_touch_at, handoff.first_touch_source) == (
        "accepted", NOW + timedelta(minutes=7), "salesforce")
    clock.set(NOW + timedelta(days=30))
    with org.lock:
        deal = org.insert("Opportunity", {"Name": "Acme", "StageName": "Closed Won", "Amount": 52000.0,
                                          "CloseDate": "2026-10-29"})
        org.change("Lead", lead, {"IsConverted": True, "ConvertedOpportunityId": deal["Id"],
                                  "Status": "Closed - Converted"})
    report = pull(connector=connector)
    assert not report.applied.skipped, report.applied.skipped
    handoff, person, _ = state(handed_off)
    assert person.status == "won"
