"""Two real signatures: a pact is approved by a signed-in marketing user and a signed-in sales manager, two
different people; the document names both, from the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.audit import AuditEntry, entries
from leadpact.clock import SimulatedClock
from leadpact.db import MIGRATIONS, session_scope
from leadpact.pact.models import PactApproval, PactVersion
from leadpact.pact.versions import PactStateError, approvals_of, approve
from tests.access.world import MAYA, MIA, AccessWorld, Caller, sign_in, user


def test_one_principal_signing_twice_is_refused(client: TestClient, world: AccessWorld,
                                                who: dict[str, Caller]) -> None:
    version = world.ids["version"]
    first = who["marketing"].request(client, "POST", f"/api/v1/pacts/{version}/approvals")
    assert first.status_code == 201, first.text
    again = who["marketing"].request(client, "POST", f"/api/v1/pacts/{version}/approvals")
    assert again.status_code == 409
    assert "marketing side of pact version 1 is already signed by Mia Marketing" in again.json()["detail"]
    # The same person in a second session is still the same principal.
    other_session = sign_in(client, MIA).request(client, "POST", f"/api/v1/pacts/{version}/approvals")
    assert other_session.status_code == 409
    state = who["admin"].request(client, "GET", f"/api/v1/pacts/{version}").json()
    assert state["state"] == "draft" and [a["email"] for a in state["approvals"]] == [MIA]


def test_marketing_and_a_manager_approve_and_the_document_names_both(
        client: TestClient, world: AccessWorld, who: dict[str, Caller], clock: SimulatedClock) -> None:
    version = world.ids["version"]
    assert who["marketing"].request(client, "POST", f"/api/v1/pacts/{version}/approvals").status_code == 201
    clock.advance(timedelta(hours=2, minutes=30))
    signed = who["manager_other"].request(client, "POST", f"/api/v1/pacts/{version}/approvals")
    assert signed.status_code == 201, signed.text
    assert signed.json()["state"] == "approved"
    document = who["rep_a"].request(client, "GET", f"/api/v1/pacts/{version}/document").text
    assert "| Marketing | Mia Marketing | 2026-10-01 09:00 UTC |" in document
    assert "| Sales | Otto Manager | 2026-10-01 11:30 UTC |" in document
    html = who["rep_a"].request(client, "GET", f"/api/v1/pacts/{version}/document", params={"format": "html"}).text
    assert "<td>Otto Manager</td><td>2026-10-01 11:30 UTC</td>" in html
    with session_scope() as session:
        trail = entries(session=session, subject=f"pact:{version}", action="pact.signed")
        assert [(e.actor, e.details["side"], e.on_behalf_of) for e in trail] == [
            (MIA, "marketing", None), ("otto@nw.example", "sales", None)]


def test_the_document_reads_its_signatures_from_the_audit_trail(session: Session, world: AccessWorld,
                                                                clock: SimulatedClock) -> None:
    version = world.ids["version"]
    approve(session=session, version=version, user=user(session, MIA), now=clock.now())
    # A signature row that never went through signing (written behind leadpact's back) is not a signature.
    row = session.scalar(select(PactVersion).where(PactVersion.version == version))
    session.add(PactApproval(pact_version_id=row.id, side="sales", user_id=user(session, MAYA).id,
                             user_name="Forged Name", user_email="forged@nw.example", at=clock.now()))
    session.flush()
    assert [(a.role, a.name) for a in approvals_of(session=session, version=version)] == [
        ("Marketing", "Mia Marketing")]


def test_one_person_can_never_give_both_signatures(session: Session, world: AccessWorld,
                                                   clock: SimulatedClock) -> None:
    version = world.ids["version"]
    mia = user(session, MIA)
    approve(session=session, version=version, user=mia, now=clock.now())
    mia.role = "manager"  # promoted to sales manager after signing for marketing
    with pytest.raises(PactStateError, match="two different people"):
        approve(session=session, version=version, user=mia, now=clock.now())


def test_signatures_given_before_the_audit_trail_are_carried_into_it(engine: Engine, clock: SimulatedClock) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.begin() as connection:
        connection.execute(insert(PactVersion.__table__).values(
            id=1, version=1, name="old", source="x", state="draft", created_by="x", created_at=clock.now()))
        connection.execute(insert(user_table()).values(id=1, email=MIA, name="Mia Marketing", role="marketing",
                                                       is_active=True, created_at=clock.now()))
        connection.execute(insert(PactApproval.__table__).values(
            pact_version_id=1, side="marketing", user_id=1, user_name="Mia Marketing", user_email=MIA,
            at=clock.now()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with session_scope() as session:
        assert [(a.role, a.name, a.at) for a in approvals_of(session=session, version=1)] == [
            ("Marketing", "Mia Marketing", clock.now())]
        assert session.scalar(select(AuditEntry.actor)) == MIA


def user_table():  # type: ignore[no-untyped-def]
    """The users table as 0005 knew it."""
    from leadpact.org.models import User

    return User.__table__
