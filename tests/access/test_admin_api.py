"""The admin API for users and keys, and manager reassignment, as the web app uses them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from leadpact.audit import AuditEntry
from leadpact.db import session_scope
from leadpact.handoff import Handoff
from leadpact.outbox.models import OutboxMessage
from tests.access.world import ADA, RAE, ROB, SOL, AccessWorld, Caller, sign_in, user


def test_users_are_listed_created_disabled_and_given_passwords(client: TestClient, world: AccessWorld,
                                                              who: dict[str, Caller]) -> None:
    admin = who["admin"]
    listed = admin.request(client, "GET", "/api/v1/users").json()
    assert {(u["email"], u["role"], u["team"]) for u in listed} >= {(RAE, "rep", "north"), (ADA, "admin", None)}
    made = admin.request(client, "POST", "/api/v1/users", json={"email": "Kai@NW.example", "name": "Kai",
                                                                 "role": "rep", "team": "south",
                                                                 "password": "kai's long password"})
    assert made.status_code == 201, made.text
    assert (made.json()["email"], made.json()["team"], made.json()["has_password"]) == ("kai@nw.example", "south",
                                                                                        True)
    kai = sign_in(client, "kai@nw.example", "kai's long password")
    assert kai.request(client, "GET", "/api/v1/handoffs").json() == []  # a new rep has no handoffs yet
    twice = admin.request(client, "POST", "/api/v1/users", json={"email": "kai@nw.example", "name": "Kai",
                                                                  "role": "rep"})
    assert twice.status_code == 422 and "already exists" in twice.json()["detail"]
    short = admin.request(client, "POST", "/api/v1/users", json={"email": "lu@nw.example", "name": "Lu",
                                                                  "role": "rep", "password": "short"})
    assert short.status_code == 422 and "at least 10" in short.json()["detail"]
    assert all(u["email"] != "lu@nw.example" for u in admin.request(client, "GET", "/api/v1/users").json())
    kai_id = made.json()["id"]
    weak = admin.request(client, "PUT", f"/api/v1/users/{kai_id}/password", json={"password": "tiny"})
    assert weak.status_code == 422
    assert admin.request(client, "POST", f"/api/v1/users/{kai_id}/disable").json()["is_active"] is False
    assert kai.request(client, "GET", "/api/v1/handoffs").status_code == 401
    assert admin.request(client, "POST", "/api/v1/users/999/disable").status_code == 404
    with session_scope() as session:
        ada_id = user(session, ADA).id
    myself = admin.request(client, "POST", f"/api/v1/users/{ada_id}/disable")
    assert myself.status_code == 409 and "cannot disable yourself" in myself.json()["detail"]


def test_keys_are_listed_created_and_revoked(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    admin = who["admin"]
    made = admin.request(client, "POST", "/api/v1/keys", json={"name": "bi", "scope": "read"})
    assert made.status_code == 201 and made.json()["token"].startswith("lp_rk_")
    personal = admin.request(client, "POST", "/api/v1/keys", json={"name": "rob's", "user_email": ROB})
    assert personal.status_code == 201 and personal.json()["scope"] == "personal"
    assert personal.json()["user_email"] == ROB and personal.json()["token"].startswith("lp_pt_")
    listed = admin.request(client, "GET", "/api/v1/keys").json()
    assert "token" not in listed[0] and {k["name"] for k in listed} >= {"bi", "rob's"}
    bearer = {"Authorization": f"Bearer {personal.json()['token']}"}
    client.cookies.clear()
    assert client.get("/api/v1/session", headers=bearer).json()["label"] == ROB
    assert admin.request(client, "DELETE", f"/api/v1/keys/{personal.json()['id']}").status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/session", headers=bearer).status_code == 401
    assert admin.request(client, "DELETE", f"/api/v1/keys/{personal.json()['id']}").status_code == 404
    nobody = admin.request(client, "POST", "/api/v1/keys", json={"scope": "personal", "user_email": "x@y.z"})
    assert nobody.status_code == 422 and "no user x@y.z" in nobody.json()["detail"]
    bad = admin.request(client, "POST", "/api/v1/keys", json={"scope": "owner"})
    assert bad.status_code == 422 and "body.scope" in bad.json()["detail"]


def test_a_manager_reassigns_within_the_team(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    url = f"/api/v1/handoffs/{world.ids['handoff_a']}/reassign"
    outside = who["manager_a"].request(client, "POST", url, json={"rep_email": SOL})
    assert outside.status_code == 422 and "not in your team" in outside.json()["detail"]
    assert who["manager_other"].request(client, "POST", url, json={"rep_email": SOL}).status_code == 403
    moved = who["manager_a"].request(client, "POST", url, json={"rep_email": ROB})
    assert moved.status_code == 200, moved.text
    assert moved.json()["rep"]["email"] == ROB
    # Rob now sees it and Rae no longer does; Rob was told.
    assert who["rep_b"].request(client, "GET", f"/api/v1/handoffs/{world.ids['handoff_a']}").status_code == 200
    assert who["rep_a"].request(client, "GET", f"/api/v1/handoffs/{world.ids['handoff_a']}").status_code == 403
    with session_scope() as session:
        told = session.scalars(select(OutboxMessage.destination).where(OutboxMessage.topic == "handoff.reassigned"))
        assert ROB in set(told)
        handoff = session.get(Handoff, world.ids["handoff_a"])
        assert handoff is not None and handoff.reassigned_from_rep_id == world.ids["rep_a"]
    # An admin reassigns across teams.
    across = who["admin"].request(client, "POST", url, json={"rep_email": SOL})
    assert across.status_code == 200 and across.json()["team"] == "north"
    unknown = who["admin"].request(client, "POST", url, json={"rep_email": "nobody@nw.example"})
    assert unknown.status_code == 422


def test_a_closed_handoff_is_not_reassigned(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    with session_scope() as session:
        session.execute(update(Handoff).where(Handoff.id == world.ids["handoff_a"]).values(state="closed"))
    refused = who["manager_a"].request(client, "POST", f"/api/v1/handoffs/{world.ids['handoff_a']}/reassign",
                                       json={"rep_email": ROB})
    assert refused.status_code == 409 and "only an open handoff" in refused.json()["detail"]


def test_the_audit_trail_names_the_principal_and_cannot_be_edited(client: TestClient, world: AccessWorld,
                                                                 who: dict[str, Caller]) -> None:
    assert who["rep_a"].request(client, "POST", f"/api/v1/handoffs/{world.ids['handoff_a']}/accept").status_code == 200
    with session_scope() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "handoff.accepted"))
        assert entry is not None and (entry.actor, entry.on_behalf_of) == (RAE, None)
    for change in (update(AuditEntry).values(actor="someone else"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"), session_scope() as session:
            session.execute(change)
