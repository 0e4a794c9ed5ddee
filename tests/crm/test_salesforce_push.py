"""Pushing handoffs to the Salesforce contract server (TLS, test CA) through simple-salesforce: one Lead by
external id (or found by Email), one Note with the brief, one Task due on the SLA deadline; idempotent replays."""

from __future__ import annotations

import pytest
import requests

from leadpact.crm import CrmAuthError, CrmInvalid, CrmPerson, CrmRateLimited, CrmUnavailable, push_handoffs
from leadpact.crm.mapping import build
from leadpact.db import session_scope
from leadpact.handoff import Handoff
from tests.crm.factories import BRIEF, make_handoffs, person_of, sales_rep


def push(salesforce, ids, **options):
    """Push and insist nothing failed."""
    outcome = push_handoffs(connector=salesforce.connector(**options), handoff_ids=ids)
    assert not outcome.failed, outcome.failed
    return outcome


def test_a_push_creates_one_lead_one_note_with_the_brief_and_one_task_due_on_the_deadline(crm_tables, salesforce):
    owner = salesforce.user()
    [handoff_id] = make_handoffs(1, rep_id=sales_rep(owner_id=owner), minutes=24 * 60)
    push(salesforce, [handoff_id])
    [lead] = salesforce.org.records["Lead"].values()
    assert lead["Leadpact_Id__c"] == f"leadpact-person-{person_of(handoff_id).id}"
    assert (lead["Email"], lead["Company"], lead["LastName"], lead["Status"], lead["Rating"], lead["OwnerId"]) == (
        "buyer0@acme.example", "Acme", "Smith0", "Open - Not Contacted", "Hot", owner)
    assert lead["Description"] == BRIEF and lead["NumberOfEmployees"] == 800
    [note] = salesforce.org.records["Note"].values()
    assert note["ParentId"] == lead["Id"] and note["Body"].startswith(BRIEF)
    assert note["Title"] == f"leadpact brief [leadpact-handoff-{handoff_id}]"
    [task] = salesforce.org.records["Task"].values()
    assert (task["WhoId"], task["Status"], task["Priority"], task["OwnerId"]) == (lead["Id"], "Not Started", "High",
                                                                                  owner)
    # Due 2026-10-02 09:00 UTC: the rep in New York sees it due on the 2nd, reminded at the very minute.
    assert (task["ActivityDate"], task["ReminderDateTime"], task["IsReminderSet"]) == (
        "2026-10-02", "2026-10-02T09:00:00.000+0000", True)


def test_a_second_push_updates_and_never_duplicates_nor_undoes_the_reps_work(crm_tables, salesforce):
    ids = make_handoffs(3, rep_id=sales_rep(owner_id=salesforce.user()))
    push(salesforce, ids)
    org = salesforce.org
    lead = next(iter(org.records["Lead"].values()))
    task = next(t for t in org.records["Task"].values() if t["WhoId"] == lead["Id"])
    with org.lock:
        org.change("Lead", lead, {"Status": "Working - Contacted", "FirstName": "Joanna"})
        org.change("Task", task, {"Status": "Completed"})
    push(salesforce, ids)
    push(salesforce, ids)
    assert [len(org.records[k]) for k in ("Lead", "Note", "Task")] == [3, 3, 3]
    assert (lead["Status"], lead["FirstName"], task["Status"]) == ("Working - Contacted", "Joanna", "Completed")


def test_a_lead_a_rep_entered_by_hand_is_found_by_email_and_given_the_key(crm_tables, salesforce):
    with salesforce.org.lock:
        existing = salesforce.org.insert("Lead", {"LastName": "Smith", "Company": "Acme Corp",
                                                  "Email": "BUYER0@acme.example", "Status": "Working - Contacted"})
    [handoff_id] = make_handoffs(1, rep_id=sales_rep(owner_id=salesforce.user()))
    push(salesforce, [handoff_id])
    assert list(salesforce.org.records["Lead"]) == [existing["Id"]]
    assert existing["Leadpact_Id__c"] == f"leadpact-person-{person_of(handoff_id).id}"
    assert (existing["Company"], existing["Status"]) == ("Acme Corp", "Working - Contacted")  # theirs, kept


def test_after_conversion_a_new_handoff_lands_on_the_contact_and_the_lead_is_left_alone(crm_tables, salesforce):
    [first] = make_handoffs(1, rep_id=sales_rep(owner_id=salesforce.user()))
    push(salesforce, [first])
    org = salesforce.org
    [lead] = org.records["Lead"].values()
    with org.lock:
        contact = org.insert("Contact", {}, validate=False)
        org.change("Lead", lead, {"IsConverted": True, "ConvertedContactId": contact["Id"],
                                  "Status": "Closed - Converted"})
    with session_scope() as session:
        old = session.get(Handoff, first)
        handoff = Handoff(person_id=old.person_id, account_id=old.account_id, rep_id=old.rep_id, tier="mql",
                          state="open", routing_reason="again", brief="Back again.", created_at=old.created_at,
                          sla_due_at=old.sla_due_at)
        session.add(handoff)
        session.flush()
        second = handoff.id
    push(salesforce, [first, second])
    assert len(org.records["Lead"]) == 1 and lead["Status"] == "Closed - Converted"
    parents = sorted(n["ParentId"] for n in org.records["Note"].values())
    assert parents == sorted([lead["Id"], contact["Id"]])


def test_a_session_that_does_not_trust_the_ca_fails_as_tls(crm_tables, salesforce):
    untrusting = requests.Session()
    untrusting.trust_env = False
    connector = salesforce.connector(session=untrusting)
    with pytest.raises(CrmUnavailable, match="TLS verification failed"):
        connector.upsert_person(CrmPerson(key="k", email="a@b.example"))


def test_the_ca_bundle_setting_wins_over_the_environments_bundle(crm_tables, salesforce, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    connector = salesforce.connector(session=requests.Session(), ca_bundle=str(salesforce.ca))
    assert connector.upsert_person(CrmPerson(key="k", email="a@b.example", last_name="B")).created


def test_an_expired_session_is_an_auth_error(crm_tables, salesforce):
    connector = salesforce.connector()
    salesforce.org.token = "expired"
    with pytest.raises(CrmAuthError, match="INVALID_SESSION_ID"):
        connector.upsert_person(CrmPerson(key="k", email="a@b.example"))


def test_the_api_request_limit_is_a_rate_limit(crm_tables, salesforce):
    salesforce.org.failures.append(("/query/", 403))
    with pytest.raises(CrmRateLimited, match="REQUEST_LIMIT_EXCEEDED"):
        salesforce.connector().upsert_person(CrmPerson(key="k", email="a@b.example"))


def test_a_field_the_org_lacks_is_refused_with_salesforces_words(crm_tables, salesforce):
    mapping = build("salesforce", {"fields": {"fit_score": "Fit_Score__c"}})
    with pytest.raises(CrmInvalid, match="INVALID_FIELD: No such column 'Fit_Score__c' on sobject of type Lead"):
        salesforce.connector(mapping=mapping).upsert_person(CrmPerson(key="k", email="a@b.example", fit_score=3.0))


def test_one_bad_lead_fails_alone(crm_tables, salesforce):
    rep_id = sales_rep(owner_id=salesforce.user())
    good = make_handoffs(2, rep_id=rep_id)
    [bad] = make_handoffs(1, rep_id=rep_id, start=7, email="not-an-email")
    outcome = push_handoffs(connector=salesforce.connector(), handoff_ids=[*good, bad])
    assert sorted(outcome.pushed) == good and "INVALID_EMAIL_ADDRESS" in str(outcome.failed[bad])
    assert len(salesforce.org.records["Lead"]) == 2
