"""Fixtures shared by the handoff and feedback tests: live evaluation with handoffs, and a small sales world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from leadpact.composition import standard_wiring
from leadpact.db import session_scope
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.wiring import wired
from tests.handoff.factories import (
    NORTHWIND,
    NOW,
    activate,
    add_catalog,
    listen_everywhere,
    make_rep,
    make_team,
    make_user,
)


@dataclass
class World:
    """Who is who in the small sales org the tests use."""

    sam_rep_id: int
    kim_rep_id: int
    manager: str = "mia@nw.example"
    sam: str = "sam@nw.example"
    kim: str = "kim@nw.example"
    admin: str = "ada@nw.example"


@pytest.fixture
def live(database_url: str) -> Iterator[None]:
    """Live evaluation with handoffs on this test's database: the standard wiring."""
    with wired(standard_wiring()):
        yield


def build_world(*, catalog: bool = True, source: str = NORTHWIND) -> World:
    """Activate Northwind, add the catalog, a North America team (manager Mia, reps Sam and Kim), an admin and a
    webhook that hears everything."""
    with session_scope() as session:
        activate(session, source)
        if catalog:
            add_catalog(session)
        manager = make_user(session, "mia@nw.example", "Mia Manager", "manager")
        make_user(session, "ada@nw.example", "Ada Admin", "admin")
        north = make_team(session, "north_america", manager=manager, timezone="America/New_York")
        make_team(session, "global")
        sam = make_rep(session, "sam@nw.example", "Sam Park", north, weight=2)
        kim = make_rep(session, "kim@nw.example", "Kim Ode", north)
        listen_everywhere(session)
        return World(sam_rep_id=sam.id, kim_rep_id=kim.id)


@pytest.fixture
def world(live: None) -> World:
    """The small sales world under live evaluation."""
    return build_world()


def send(*messages: dict[str, Any], now=NOW) -> None:
    """Send Segment messages through the ingest path."""
    parsed, rejected = parse_batch(list(messages), received_at=now)
    assert not rejected
    ingest_messages(parsed, now=now)


def identify(email: str = "jo@acme.example", user_id: str = "u1", **traits: Any) -> dict[str, Any]:
    """A buyer at Acme (software, 800 people, US) identifies."""
    company = {"name": "Acme", "industry": "software", "employee_count": 800, "country": "US"}
    return {"type": "identify", "userId": user_id, "messageId": f"i-{user_id}", "timestamp": "2026-09-20T09:00:00Z",
            "traits": {"email": email, "firstName": "Jo", "lastName": "Smith", "title": "VP Data",
                       "department": "data", "seniority": "vp", "company": company, **traits}}


def page(path: str, when: str, user_id: str = "u1", n: int = 0) -> dict[str, Any]:
    """A page view."""
    return {"type": "page", "userId": user_id, "messageId": f"p-{user_id}-{path}-{when}-{n}", "timestamp": when,
            "properties": {"path": path}}


def demo_request(user_id: str = "u1", when: str = "2026-10-01T11:30:00Z") -> dict[str, Any]:
    """The hot signal."""
    return {"type": "track", "userId": user_id, "event": "Demo Requested", "messageId": f"d-{user_id}-{when}",
            "timestamp": when, "properties": {"form": "demo"}, "context": {"page": {"path": "/demo"}}}


def hot_lead(user_id: str = "u1", email: str = "jo@acme.example") -> None:
    """Send everything that makes the Acme buyer hot with the context complete."""
    send(identify(email, user_id), page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z", user_id),
         page("/pricing", "2026-09-30T10:00:00Z", user_id))
    send(demo_request(user_id))
