"""From events to the CRM with nothing called by hand: live evaluation hands the lead off, the handoff queues
its push, and the worker's ordinary pass delivers it to the HubSpot contract server through the official client."""

from __future__ import annotations

import html

from sqlalchemy import select

from leadpact.db import get_engine, session_scope
from leadpact.handoff import Handoff
from leadpact.org.models import Rep
from leadpact.worker import work_once
from tests.handoff.factories import NOW
from tests.handoff.fixtures import hot_lead


def test_a_hot_lead_reaches_hubspot_through_the_worker_once(world, crm_tables, hubspot_env, clock):
    clock.set(NOW)
    with session_scope() as session:
        for rep in session.scalars(select(Rep)):
            rep.crm_owner_id = "101"
    hot_lead()
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        brief, due = handoff.brief, handoff.sla_due_at
    # Passes until the worker finds nothing more to do, then one more: a second pass must not push again.
    for _ in range(10):
        if work_once(engine=get_engine(), clock=clock, worker_id="w1") == 0:
            break
    assert work_once(engine=get_engine(), clock=clock, worker_id="w2") == 0
    portal = hubspot_env.portal
    [contact] = portal.records("contacts")
    assert contact.properties["email"] == "jo@acme.example"
    assert contact.properties["hubspot_owner_id"] == "101"
    [(note_id, _)] = portal.associated("contacts", contact.id, "notes")
    [(task_id, _)] = portal.associated("contacts", contact.id, "tasks")
    assert html.escape(brief.splitlines()[0], quote=False)[:60] in portal.objects["notes"][note_id].properties[
        "hs_note_body"]
    assert portal.objects["tasks"][task_id].properties["hs_timestamp"] == due.strftime("%Y-%m-%dT%H:%M:%S.000Z")
