"""The access tests' world: two teams, every role, a disabled user, keys, and one handoff per rep."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.access import disable_user, hash_password
from leadpact.db import session_scope
from leadpact.ingest.models import Event
from leadpact.keys.models import ApiKey
from leadpact.keys.service import create_key
from leadpact.org.models import User
from leadpact.org.service import require_user
from leadpact.outbox.models import OutboxMessage
from leadpact.pact.versions import add_draft
from leadpact.people.models import Identity
from tests.handoff.factories import NORTHWIND, make_account, make_handoff, make_person, make_rep, make_team, make_user

PASSWORD = "correct horse battery"
ADA, MIA, MAYA, OTTO = "ada@nw.example", "mia@nw.example", "maya@nw.example", "otto@nw.example"
RAE, ROB, SOL, DAN, SPARE = "rae@nw.example", "rob@nw.example", "sol@nw.example", "dan@nw.example", "spare@nw.example"
USERS = {"admin": ADA, "marketing": MIA, "manager_a": MAYA, "manager_other": OTTO, "rep_a": RAE, "rep_b": ROB,
         "disabled": DAN}


@dataclass
class Caller:
    """One principal of the access tests, and how its requests carry its credentials."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None
    csrf: str | None = None

    def request(self, client: TestClient, method: str, path: str, **kwargs: object) -> Response:
        """Send a request as this principal (a cookie principal adds its CSRF token to what changes state)."""
        headers = dict(self.headers)
        if self.cookie is not None:
            headers["Cookie"] = f"leadpact_session={self.cookie}"
            if method not in ("GET", "HEAD") and self.csrf:
                headers["X-CSRF-Token"] = self.csrf
        client.cookies.clear()  # only what this caller carries: never a cookie another response set
        # A redirect (a page's answer to a form) is the route's own answer: not followed without the credentials.
        return client.request(method, path, headers=headers, follow_redirects=False,
                              **kwargs)  # type: ignore[arg-type]


@dataclass
class AccessWorld:
    """Ids and credentials of the world."""

    ids: dict[str, int]
    keys: dict[str, str]
    anonymous_id: str = "anon-rae-lead"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """The argon2id hash of PASSWORD."""
    return hash_password(PASSWORD)


def user(session: Session, email: str) -> User:
    """The user with this email."""
    return require_user(session=session, email=email)


def build(now: datetime) -> AccessWorld:
    """Two teams (north: manager Maya, reps Rae and Rob; south: manager Otto, rep Sol), Ada (admin), Mia
    (marketing), Dan (a rep, disabled later), a spare user; each rep has one open handoff; keys; a pact draft and an
    outbox row."""
    with session_scope() as session:
        make_user(session, ADA, "Ada Admin", "admin")
        make_user(session, MIA, "Mia Marketing", "marketing")
        north = make_team(session, "north", manager=make_user(session, MAYA, "Maya Manager", "manager"))
        south = make_team(session, "south", manager=make_user(session, OTTO, "Otto Manager", "manager"))
        rae, rob = make_rep(session, RAE, "Rae Rep", north), make_rep(session, ROB, "Rob Rep", north)
        sol = make_rep(session, SOL, "Sol Rep", south)
        make_rep(session, DAN, "Dan Rep", north)
        make_user(session, SPARE, "Spare User", "rep")
        for email in (ADA, MIA, MAYA, OTTO, RAE, ROB, SOL, DAN, SPARE):
            # One real argon2id hash for all (hashing is slow on purpose; set_password has its own tests).
            user(session, email).password_hash = password_hash()
        acme = make_account(session, "Acme", "acme.example")
        people = {name: make_person(session, f"{name}@acme.example", acme, first=name.title(),
                                     status="handed_off")
                  for name in ("jo", "lee", "max")}
        handoffs = {"a": make_handoff(session, people["jo"], rae), "b": make_handoff(session, people["lee"], rob),
                    "south": make_handoff(session, people["max"], sol)}
        keys = {scope: create_key(session=session, scope=scope, name=f"{scope} key", now=now)[1]
                for scope in ("ingest", "read", "admin")}
        spare_key, _ = create_key(session=session, scope="read", name="spare", now=now)
        write_key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "ingest key"))
        # Jo came through the site with this write key: the visitor lookup may answer for her.
        session.add(Identity(kind="anonymous_id", value="anon-rae-lead", person_id=people["jo"].id, created_at=now))
        session.add(Event(message_id="m-jo-1", type="page", person_id=people["jo"].id, anonymous_id="anon-rae-lead",
                          timestamp=now, received_at=now, properties={}, context={}, traits={},
                          write_key_id=write_key_id))
        draft = add_draft(session=session, source=NORTHWIND, author=MIA, now=now)
        message = OutboxMessage(kind="webhook", topic="handoff.created", destination="http://127.0.0.1:9/hook",
                                payload={}, idempotency_key="access-test", state="dead", attempts=1,
                                next_attempt_at=now, created_at=now, handoff_id=handoffs["a"].id)
        session.add(message)
        session.flush()
        ids = {"handoff_a": handoffs["a"].id, "handoff_b": handoffs["b"].id, "handoff_south": handoffs["south"].id,
               "person_a": people["jo"].id, "person_b": people["lee"].id, "person_south": people["max"].id,
               "version": draft.version, "message": message.id, "spare_user": user(session, SPARE).id,
               "spare_key": spare_key.id, "rep_a": rae.id, "rep_b": rob.id, "account": acme.id}
    return AccessWorld(ids=ids, keys=keys)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Caller:
    """Sign in through the API and return a cookie caller with its CSRF token."""
    client.cookies.clear()
    response = client.post("/api/v1/session", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return Caller(name=email, cookie=response.cookies["leadpact_session"], csrf=response.json()["csrf_token"])


def callers(client: TestClient, world: AccessWorld, now: datetime) -> dict[str, Caller]:
    """Every principal of the access matrix; the disabled user signed in before being disabled."""
    found = {name: sign_in(client, email) for name, email in USERS.items()}
    with session_scope() as session:
        disable_user(session=session, user=user(session, DAN), now=now, actor="test")
    for name, caller in found.items():
        caller.name = name
    write = world.keys["ingest"]
    found["anonymous"] = Caller(name="anonymous")
    found["write_key"] = Caller(name="write_key",
                                headers={"Authorization": "Basic " + base64.b64encode(f"{write}:".encode()).decode()})
    found["admin_key"] = Caller(name="admin_key", headers={"Authorization": f"Bearer {world.keys['admin']}"})
    return found
