"""Pushing handoffs to the HubSpot contract server through the official client: one contact, one note with the
brief, one task due at the SLA deadline; idempotent replays; rate limits, outages, conflicts and bad records."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadpact.crm import CrmAuthError, CrmInvalid, CrmLink, CrmPerson, CrmRateLimited, push_handoffs
from leadpact.crm.retry import RetryPolicy
from leadpact.db import session_scope
from tests.crm.factories import BRIEF, CREATED, make_handoffs, person_of, sales_rep


def pushed(hubspot, connector, ids):
    """Push and insist nothing failed."""
    outcome = push_handoffs(connector=connector, handoff_ids=ids)
    assert not outcome.failed, outcome.failed
    return outcome


def test_a_push_creates_one_contact_one_note_with_the_brief_and_one_task_due_at_the_deadline(crm_tables, hubspot):
    [handoff_id] = make_handoffs(1, rep_id=sales_rep(owner_id="101"))
    pushed(hubspot, hubspot.connector(), [handoff_id])
    portal = hubspot.portal
    [contact] = portal.records("contacts")
    values = contact.properties
    assert values["email"] == "buyer0@acme.example" and values["company"] == "Acme"
    assert (values["lifecyclestage"], values["hs_lead_status"], values["hubspot_owner_id"]) == (
        "marketingqualifiedlead", "NEW", "101")
    assert (values["leadpact_fit_grade"], values["leadpact_fit_score"], values["leadpact_engagement_score"]) == (
        "A", "31.5", "42")
    assert values["leadpact_id"] == f"leadpact-person-{person_of(handoff_id).id}"
    [(note_id, note_type)] = portal.associated("contacts", contact.id, "notes")
    [(task_id, task_type)] = portal.associated("contacts", contact.id, "tasks")
    assert (note_type, task_type) == (201, 203)
    assert portal.associated("notes", note_id, "contacts") == [(contact.id, 202)]
    assert portal.associated("tasks", task_id, "contacts") == [(contact.id, 204)]
    note = portal.objects["notes"][note_id].properties
    assert html.escape(BRIEF, quote=False) in note["hs_note_body"]
    assert "Respond by 2026-10-01T09:15:00.000Z (hot SLA)" in note["hs_note_body"]
    task = portal.objects["tasks"][task_id].properties
    assert task["hs_timestamp"] == "2026-10-01T09:15:00.000Z"  # the SLA deadline
    assert (task["hs_task_status"], task["hs_task_priority"], task["hubspot_owner_id"]) == (
        "NOT_STARTED", "HIGH", "101")
    with session_scope() as session:
        links = {(r.kind, r.state) for r in session.scalars(select(CrmLink))}
    assert links == {("person", "synced"), ("note", "synced"), ("task", "synced")}


def test_a_second_push_updates_and_never_duplicates(crm_tables, hubspot):
    ids = make_handoffs(3, rep_id=sales_rep())
    connector = hubspot.connector()
    pushed(hubspot, connector, ids)
    portal = hubspot.portal
    [first, *_] = portal.records("contacts")
    # The rep works the lead in HubSpot and completes the task; a replayed push must not undo that.
    portal.rep_sets(first.id, hs_lead_status="IN_PROGRESS", firstname="Joanna")
    task_id = portal.associated("contacts", first.id, "tasks")[0][0]
    portal.objects["tasks"][task_id].properties["hs_task_status"] = "COMPLETED"
    pushed(hubspot, connector, ids)
    pushed(hubspot, hubspot.connector(), ids)  # a fresh process knows only what the database remembers
    assert [len(portal.records(kind)) for kind in ("contacts", "notes", "tasks")] == [3, 3, 3]
    assert first.properties["hs_lead_status"] == "IN_PROGRESS" and first.properties["firstname"] == "Joanna"
    assert portal.objects["tasks"][task_id].properties["hs_task_status"] == "COMPLETED"


def test_batches_cost_a_handful_of_requests_per_hundred_handoffs(crm_tables, hubspot):
    ids = make_handoffs(150, rep_id=sales_rep())
    connector = hubspot.connector()
    pushed(hubspot, connector, ids)
    assert len(hubspot.portal.records("contacts")) == 150
    # Per 100: read contacts, create contacts, create notes, create tasks.
    assert connector.api.requests == 8


def test_a_429_burst_delays_the_push_but_loses_nothing(crm_tables, hubspot):
    hubspot.portal.rate_limit, hubspot.portal.window = 6, 1.0
    ids = make_handoffs(6, rep_id=sales_rep())
    connector = hubspot.connector(batch_size=1)
    outcome = push_handoffs(connector=connector, handoff_ids=ids, batch_size=1)
    assert sorted(outcome.pushed) == ids and not outcome.failed
    assert hubspot.portal.refused > 0  # the server did answer 429 …
    assert [len(hubspot.portal.records(k)) for k in ("contacts", "notes", "tasks")] == [6, 6, 6]  # … and nothing
    refusals = [status for *_, status in hubspot.portal.log if status == 429]
    assert len(refusals) == hubspot.portal.refused


def test_the_pacer_keeps_under_the_limit_so_no_429_is_met(crm_tables, hubspot):
    hubspot.portal.rate_limit, hubspot.portal.window = 190, 10.0
    connector = hubspot.connector(requests_per_ten_seconds=180, batch_size=1)
    connector.api.pacer.window = 1.0  # the same rule over a shorter window, so the test is quick
    connector.api.pacer.limit = 5
    hubspot.portal.window, hubspot.portal.rate_limit = 1.0, 6
    ids = make_handoffs(4, rep_id=sales_rep())
    pushed(hubspot, connector, ids)  # 16 requests through a limit of 6 per second
    assert hubspot.portal.refused == 0 and connector.api.pacer.waited > 0


def test_a_daily_limit_is_not_waited_out_in_process(crm_tables, hubspot):
    hubspot.portal.daily_limit = 0
    with pytest.raises(CrmRateLimited) as raised:
        hubspot.connector().upsert_person(CrmPerson(key="k", email="a@b.example"))
    assert raised.value.policy == "DAILY" and raised.value.retry_after > 60


def test_server_errors_are_retried_with_backoff(crm_tables, hubspot):
    hubspot.portal.failures += [("/crm/v3/objects/contacts/batch/read", 502), ("/crm/v3/objects/contacts/batch/read",
                                                                                 503)]
    [handoff_id] = make_handoffs(1, rep_id=sales_rep())
    pushed(hubspot, hubspot.connector(), [handoff_id])
    assert [s for _m, p, s in hubspot.portal.log if p.endswith("contacts/batch/read")] == [502, 503, 207]


def test_a_note_create_that_fails_with_5xx_is_not_resent_blindly(crm_tables, hubspot):
    hubspot.portal.failures.append(("/crm/v3/objects/notes/batch/create", 500))
    [handoff_id] = make_handoffs(1, rep_id=sales_rep())
    outcome = push_handoffs(connector=hubspot.connector(), handoff_ids=[handoff_id])
    assert outcome.failed[handoff_id].retryable
    with session_scope() as session:
        note = session.scalar(select(CrmLink).where(CrmLink.kind == "note"))
        assert (note.state, note.crm_id) == ("pending", None)
    pushed(hubspot, hubspot.connector(), [handoff_id])  # the retry looks first, finds nothing, creates once
    assert len(hubspot.portal.records("notes")) == 1


def test_a_contact_created_meanwhile_is_found_from_the_409(crm_tables, hubspot):
    hubspot.portal.index_lag = 30.0  # reads by email do not see new contacts yet
    connector = hubspot.connector()
    person = CrmPerson(key="leadpact-person-1", email="Jo@Acme.example", first_name="Jo", lifecycle="mql")
    first = connector.upsert_person(person)
    again = connector.upsert_person(person)  # the read misses it, the create answers 409 with the existing id
    assert (first.created, again.created, again.crm_id) == (True, False, first.crm_id)
    assert len(hubspot.portal.records("contacts")) == 1
    assert ("POST", "/crm/v3/objects/contacts/batch/create", 409) in hubspot.portal.log


def test_lifecycle_stages_only_move_forward(crm_tables, hubspot):
    connector = hubspot.connector()
    result = connector.upsert_person(CrmPerson(key="k1", email="a@acme.example", lifecycle="sql"))
    connector.upsert_person(CrmPerson(key="k1", email="a@acme.example", lifecycle="handed_off"))
    assert hubspot.portal.objects["contacts"][result.crm_id].properties["lifecyclestage"] == "salesqualifiedlead"


def test_a_bad_token_is_an_auth_error_that_says_so(crm_tables, hubspot):
    connector = hubspot.connector()
    hubspot.portal.token = "rotated"
    with pytest.raises(CrmAuthError, match="HubSpot refused the access token .401 INVALID_AUTHENTICATION"):
        connector.upsert_person(CrmPerson(key="k", email="a@b.example"))


def test_one_bad_record_fails_alone_and_the_batch_still_lands(crm_tables, hubspot):
    rep_id = sales_rep()
    good = make_handoffs(3, rep_id=rep_id)
    [bad] = make_handoffs(1, rep_id=rep_id, start=10, email="not-an-email")
    outcome = push_handoffs(connector=hubspot.connector(), handoff_ids=[*good, bad])
    assert sorted(outcome.pushed) == good and list(outcome.failed) == [bad]
    assert isinstance(outcome.failed[bad], CrmInvalid) and "INVALID_EMAIL" in str(outcome.failed[bad])


def test_an_owner_hubspot_does_not_know_is_refused_with_its_reason(crm_tables, hubspot):
    [handoff_id] = make_handoffs(1, rep_id=sales_rep(owner_id="999"))
    outcome = push_handoffs(connector=hubspot.connector(), handoff_ids=[handoff_id])
    assert "INVALID_OWNER_ID" in str(outcome.failed[handoff_id]) and not outcome.failed[handoff_id].retryable


def test_a_note_deleted_in_hubspot_is_created_again(crm_tables, hubspot):
    [handoff_id] = make_handoffs(1, rep_id=sales_rep())
    connector = hubspot.connector()
    pushed(hubspot, connector, [handoff_id])
    [note] = hubspot.portal.records("notes")
    del hubspot.portal.objects["notes"][note.id]
    pushed(hubspot, connector, [handoff_id])
    assert len(hubspot.portal.records("notes")) == 1 and hubspot.portal.records("notes")[0].id != note.id


def test_the_task_is_due_at_the_deadline_even_when_it_moves(crm_tables, hubspot):
    [handoff_id] = make_handoffs(1, rep_id=sales_rep(), minutes=60)
    connector = hubspot.connector(policy=RetryPolicy())
    pushed(hubspot, connector, [handoff_id])
    from leadpact.handoff import Handoff

    with session_scope() as session:
        session.get(Handoff, handoff_id).sla_due_at = CREATED + timedelta(hours=3)
    pushed(hubspot, connector, [handoff_id])
    [task] = hubspot.portal.records("tasks")
    assert task.properties["hs_timestamp"] == "2026-10-01T12:00:00.000Z"
