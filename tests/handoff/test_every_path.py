"""Every path that changes a person hands off what qualifies (issue 14, defect 8): the tracking API, `leadpact
import people|events`, `leadpact pact activate` from the CLI or the API, and a CRM pull; and a lead stranded in
hot or mql without a handoff (as the old CLI activation left them) is handed off the next time anything touches
them. Each test runs the entry point as a user would, wired by its own composition root."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app as cli
from leadpact.composition import standard_wiring
from leadpact.crm import CrmChange, apply_changes
from leadpact.db import session_scope
from leadpact.engine import reevaluate_all
from leadpact.handoff import Handoff, person_by_email
from leadpact.org.models import User
from leadpact.outbox import OutboxMessage
from leadpact.pact.models import PactVersion
from leadpact.pact.versions import add_draft, approve
from leadpact.people.models import Person
from leadpact.sla import Timer
from leadpact.wiring import wired
from tests.handoff.factories import NORTHWIND, NOW, make_user
from tests.handoff.fixtures import World, build_world, demo_request, identify, page, send

BUYER = "jo@acme.example"


@pytest.fixture
def world(database_url, clock) -> World:
    """The small sales world with Northwind active, built as data only: nothing is wired beyond the test default
    (no live evaluation, no handoffs) until an entry point wires itself."""
    clock.set(NOW)
    return build_world()


def hot_lead_messages(user_id: str = "u1", email: str = BUYER) -> list[dict]:
    """What makes the Acme buyer hot with the context complete: who they are, what they read, a demo request."""
    return [identify(email, user_id), page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z", user_id),
            page("/pricing", "2026-09-30T10:00:00Z", user_id), demo_request(user_id)]


def assert_handed_off(email: str = BUYER, *, rep_id: int | None = None) -> Handoff:
    """The person is handed_off with one open handoff, on the SLA clock, announced to the rep and the webhook."""
    with session_scope() as session:
        person = person_by_email(session=session, email=email)
        assert person.status == "handed_off"
        [handoff] = session.scalars(select(Handoff).where(Handoff.person_id == person.id)).all()
        assert handoff.state == "open" and handoff.rep_id is not None
        assert rep_id is None or handoff.rep_id == rep_id
        timers = set(session.scalars(select(Timer.kind).where(Timer.handoff_id == handoff.id)))
        assert "sla_breach" in timers
        notified = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.handoff_id == handoff.id,
                                                                    OutboxMessage.topic == "handoff.created"))
        assert set(notified) == {"email", "webhook"}
        return handoff


def strand(email: str = BUYER) -> None:
    """Leave the buyer hot with no handoff, as `pact activate` from the CLI used to: their history stored while no
    pact evaluated them, then re-evaluated by an activation that handed nobody off."""
    send(*hot_lead_messages(email=email))
    with session_scope() as session, wired(replace(standard_wiring(), engine_moved=())):
        reevaluate_all(session=session, version=session.scalars(select(PactVersion)).one(), now=NOW)
    with session_scope() as session:
        person = person_by_email(session=session, email=email)
        assert person.status == "hot"
        assert session.scalars(select(Handoff).where(Handoff.person_id == person.id)).first() is None


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_events_from_the_cli_hands_off_a_lead_it_qualifies(world, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(message) for message in hot_lead_messages()) + "\n")
    run("import", "events", str(events), "--json")
    assert_handed_off()


def test_import_people_from_the_cli_evaluates_whom_it_identifies(world, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("email,first_name,last_name,title\nann@acme.example,Ann,Lee,Analyst\n")
    run("import", "people", str(people), "--json")
    with session_scope() as session:
        ann = person_by_email(session=session, email="ann@acme.example")
        assert ann.status == "known"  # identified, so no longer anonymous
        assert session.scalar(select(Person.id).where(Person.status == "anonymous")) is None


def test_import_people_from_the_cli_hands_off_a_lead_stranded_in_hot(world, tmp_path):
    strand()
    people = tmp_path / "people.csv"
    people.write_text(f"email,phone\n{BUYER},+1 555 0100\n")
    run("import", "people", str(people), "--json")
    assert_handed_off()


def approved_version_after_history(world: World) -> int:
    """The buyer's history stored while no pact was active, and Northwind signed by both sides as the next
    version: activating it qualifies them."""
    with session_scope() as session:
        session.scalars(select(PactVersion)).one().state = "retired"
    send(*hot_lead_messages())
    with session_scope() as session:
        marketing = make_user(session, "mo@nw.example", "Mo Marketing", "marketing")
        manager = session.scalars(select(User).where(User.email == world.manager)).one()
        draft = add_draft(session=session, source=NORTHWIND, author=marketing.email, now=NOW)
        approve(session=session, version=draft.version, user=marketing, now=NOW)
        approve(session=session, version=draft.version, user=manager, now=NOW)
        return draft.version


def test_pact_activate_from_the_cli_hands_off_the_leads_it_qualifies(world):
    version = approved_version_after_history(world)
    run("pact", "activate", str(version), "--by", world.admin)
    handoff = assert_handed_off()
    assert handoff.pact_version == version


def test_pact_activate_through_the_api_hands_off_the_leads_it_qualifies(world):
    from leadpact.app import create_app

    version = approved_version_after_history(world)
    with TestClient(create_app()) as client:
        response = client.post(f"/api/v1/pacts/{version}/activate", headers={"Authorization": f"Bearer {_admin_key()}"},
                               json={"actor_email": world.admin})
        assert response.status_code < 300, response.text
    assert_handed_off()


def _admin_key() -> str:
    from leadpact.keys.service import create_key

    with session_scope() as session:
        _key, secret = create_key(session=session, scope="admin", name="test", now=NOW)
    return secret


def test_the_tracking_api_hands_off_a_lead_it_qualifies(world, write_key):
    from leadpact.app import create_app

    with TestClient(create_app()) as client:
        response = client.post("/v1/batch", json={"batch": hot_lead_messages()}, auth=(write_key, ""))
        assert response.status_code == 200, response.text
    assert_handed_off()


def test_the_next_event_hands_off_a_lead_stranded_in_hot(world):
    strand()
    with wired(standard_wiring()):
        send(page("/blog/cost-lessons", "2026-10-01T11:45:00Z"))
    assert_handed_off()


def test_a_crm_pull_that_touches_a_stranded_lead_hands_them_off(world):
    strand()
    with session_scope() as session:
        # An older handoff the rep rejected (the CRM still knows the person by it), then the stranding re-qualified
        # them: the CRM's next status change is about them.
        person = person_by_email(session=session, email=BUYER)
        session.add(Handoff(person_id=person.id, tier="mql", state="rejected", pact_version=1, brief="",
                            routing_reason="", brief_facts={}, timeline={}, criteria={},
                            created_at=NOW - timedelta(days=30), rep_id=world.sam_rep_id))
    change = CrmChange(crm="hubspot", kind="status", at=NOW, email=BUYER, status="ATTEMPTED_TO_CONTACT",
                       source_id="contact-1")
    with session_scope() as session, wired(standard_wiring()):
        report = apply_changes(session=session, changes=[change])
        assert report.applied and not report.skipped
    with session_scope() as session:
        person = person_by_email(session=session, email=BUYER)
        assert person.status == "handed_off"
        assert session.scalars(select(Handoff).where(Handoff.person_id == person.id, Handoff.state == "open")).one()


def test_a_lead_a_crm_pull_moves_explicitly_is_not_evaluated_back(world):
    """A rejection in the CRM recycles the person to nurture; evaluating them in the same pull would hand them
    straight back (their history still qualifies): a person's explicit move waits for their next activity."""
    with wired(standard_wiring()):
        send(*hot_lead_messages())
    handoff = assert_handed_off()
    change = CrmChange(crm="hubspot", kind="status", at=NOW + timedelta(hours=1), email=BUYER, status="UNQUALIFIED",
                       disposition="reject", reason="wrong_timing", source_id="contact-1")
    with session_scope() as session, wired(standard_wiring()):
        report = apply_changes(session=session, changes=[change])
        assert report.applied and not report.skipped, report.skipped
    with session_scope() as session:
        person = person_by_email(session=session, email=BUYER)
        assert person.status == "nurture"
        assert [h.id for h in session.scalars(select(Handoff).where(Handoff.person_id == person.id))] == [handoff.id]


def test_import_accounts_from_the_cli_hands_off_the_people_a_new_size_qualifies(world, tmp_path):
    small = hot_lead_messages()
    small[0]["traits"]["company"]["employee_count"] = 20  # too small to be a fit: engaged, not handed off
    with wired(standard_wiring()):
        send(*small)
    with session_scope() as session:
        assert person_by_email(session=session, email=BUYER).status == "engaged"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("domain,name,employees\nacme.example,Acme,800\n")
    run("import", "accounts", str(accounts), "--json")
    assert_handed_off()
