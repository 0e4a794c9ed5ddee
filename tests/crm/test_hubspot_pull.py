"""Reading HubSpot back by polling: when a status was set (not when the contact last changed), which
engagements count as touches, where the cursor moves, and what the connection check reports."""

from __future__ import annotations

from datetime import timedelta

from leadpact.crm import CrmPerson
from leadpact.crm.mapping import build
from tests.crm.servers.hubspot_schema import Prop


def contact(hubspot, connector, email="jo@acme.example"):
    """A contact pushed by the connector; returns its id."""
    return connector.upsert_person(CrmPerson(key=f"k-{email}", email=email, lifecycle="mql")).crm_id


def test_a_status_change_is_timed_by_the_propertys_history(hubspot, clock):
    connector = hubspot.connector()
    contact_id = contact(hubspot, connector)
    start = clock.now()
    clock.advance(timedelta(minutes=4))
    hubspot.portal.rep_sets(contact_id, hs_lead_status="ATTEMPTED_TO_CONTACT")
    clock.advance(timedelta(hours=2))
    hubspot.portal.rep_sets(contact_id, firstname="Joanna")  # a later edit moves lastmodifieddate, not the status
    result = connector.pull_changes(start - timedelta(minutes=1))
    [change] = [c for c in result.changes if c.kind == "status"]
    assert (change.status, change.touch, change.at) == ("ATTEMPTED_TO_CONTACT", True, start + timedelta(minutes=4))
    assert result.cursor == start + timedelta(hours=2, minutes=4)


def test_only_outgoing_emails_calls_and_meetings_are_touches_timed_when_they_happened(hubspot, clock):
    connector = hubspot.connector()
    contact_id = contact(hubspot, connector)
    start = clock.now()
    clock.advance(timedelta(minutes=30))
    portal = hubspot.portal
    portal.rep_logs("emails", contact_id, at=start + timedelta(minutes=5), hs_email_direction="INCOMING_EMAIL")
    portal.rep_logs("emails", contact_id, at=start + timedelta(minutes=6), hs_email_direction="EMAIL")
    portal.rep_logs("calls", contact_id, at=start + timedelta(minutes=2))  # logged late, happened early
    portal.rep_logs("meetings", contact_id, hs_timestamp=(start + timedelta(days=3)).isoformat())  # booked ahead
    touches = [c for c in connector.pull_changes(start).changes if c.kind == "touch"]
    assert [(c.activity, c.at - start) for c in touches] == [
        ("call", timedelta(minutes=2)), ("email", timedelta(minutes=6)), ("meeting", timedelta(minutes=30))]


def test_nothing_new_leaves_the_cursor_where_it_was(hubspot, clock):
    result = hubspot.connector().pull_changes(clock.now())
    assert (result.changes, result.cursor) == ([], clock.now())


def test_the_check_reports_missing_properties_and_lead_status_options(hubspot):
    hubspot.portal.schema["contacts"]["hs_lead_status"] = Prop(type="enumeration", options=["NEW", "OPEN"])
    hubspot.portal.schema["contacts"].pop("leadpact_id")
    mapping = build("hubspot", {"statuses": {"CONNECTED": ["touch"]}})
    report = hubspot.connector(mapping=mapping).check()
    assert report.owners == {"rob@northwind.example": "101", "ria@northwind.example": "102"}
    assert "contact property leadpact_id" in report.missing
    assert "hs_lead_status option CONNECTED" in report.missing and "hs_lead_status option NEW" not in report.missing
    created = hubspot.connector(mapping=mapping).check(create_missing=True)
    assert created.created == ["contact property leadpact_id"] and "leadpact_id" in hubspot.portal.schema["contacts"]
