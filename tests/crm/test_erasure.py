"""Erasure reaches the CRMs: `leadpact erase` queues HubSpot's GDPR delete and Salesforce's delete in the outbox,
and the worker delivers them through the official clients to the contract servers, retrying when a CRM fails."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.crm.models import CrmLink
from leadpact.db import get_engine, session_scope
from leadpact.outbox import OutboxMessage
from leadpact.worker import work_once
from tests.handoff.factories import NOW
from tests.handoff.fixtures import hot_lead

EMAIL = "jo@acme.example"


def _work(clock) -> None:
    for _ in range(10):
        if work_once(engine=get_engine(), clock=clock, worker_id="w1") == 0:
            return


def _erasures(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "crm_erase")
                                .order_by(OutboxMessage.destination).execution_options(populate_existing=True)))


def test_erase_deletes_the_person_and_their_notes_and_tasks_in_hubspot_and_salesforce(
        world, crm_tables, hubspot_env, salesforce_env, clock) -> None:
    clock.set(NOW)
    hot_lead()
    _work(clock)
    portal, org = hubspot_env.portal, salesforce_env.org
    [contact] = portal.records("contacts")
    [lead] = org.records["Lead"].values()
    hubspot_notes = [i for i, _ in portal.associated("contacts", contact.id, "notes")]
    hubspot_tasks = [i for i, _ in portal.associated("contacts", contact.id, "tasks")]
    salesforce_children = {*org.records["Note"], *org.records["Task"]}
    assert hubspot_notes and hubspot_tasks and len(salesforce_children) == 2

    result = CliRunner().invoke(app, ["erase", EMAIL, "--json"])
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        assert [m.destination for m in _erasures(session)] == ["hubspot", "salesforce"]
        assert session.scalars(select(CrmLink)).all() == []
    _work(clock)

    assert portal.records("contacts") == [] and portal.purged == [contact.id]
    assert set(portal.archived) == {("notes", hubspot_notes[0]), ("tasks", hubspot_tasks[0])}
    assert portal.records("notes") == [] and portal.records("tasks") == []
    assert org.records["Lead"] == {} and org.records["Note"] == {} and org.records["Task"] == {}
    assert set(org.recycle_bin) == {lead["Id"], *salesforce_children}
    assert ("POST", "/crm/v3/objects/contacts/gdpr-delete", 204) in portal.log
    assert ("DELETE", "/services/data/v59.0/composite/sobjects", 200) in org.log
    with session_scope() as session:
        assert [(m.state, m.attempts) for m in _erasures(session)] == [("delivered", 1), ("delivered", 1)]


def test_a_failing_crm_is_retried_by_the_outbox_until_the_delete_lands(
        world, crm_tables, hubspot_env, clock) -> None:
    clock.set(NOW)
    hot_lead()
    _work(clock)
    portal = hubspot_env.portal
    [contact] = portal.records("contacts")
    assert CliRunner().invoke(app, ["erase", EMAIL]).exit_code == 0
    # HubSpot fails the GDPR delete (after the client's own quick retries) on this pass.
    portal.failures += [("/crm/v3/objects/contacts/gdpr-delete", 503)] * 5
    _work(clock)
    with session_scope() as session:
        [row] = _erasures(session)
        assert (row.state, row.attempts) == ("pending", 1) and "HubSpot failed (503)" in row.last_error
        due = row.next_attempt_at
    assert [c.id for c in portal.records("contacts")] == [contact.id]
    clock.set(due + timedelta(seconds=1))
    _work(clock)
    with session_scope() as session:
        assert [(m.state, m.attempts) for m in _erasures(session)] == [("delivered", 2)]
    assert portal.records("contacts") == [] and portal.purged == [contact.id]


def test_a_person_never_pushed_is_gdpr_deleted_by_email_in_a_connected_hubspot(
        world, crm_tables, hubspot_env, clock) -> None:
    clock.set(NOW)
    hot_lead()
    with session_scope() as session:
        # The push never happened (say it was queued before HubSpot was connected, and dropped).
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "crm")):
            session.delete(row)
    assert CliRunner().invoke(app, ["erase", EMAIL]).exit_code == 0
    _work(clock)
    portal = hubspot_env.portal
    # HubSpot had no such contact: its GDPR delete by email blocklists the address so it is not re-created.
    assert portal.blocklist == {EMAIL} and portal.purged == []
    with session_scope() as session:
        assert [m.state for m in _erasures(session)] == ["delivered"]
