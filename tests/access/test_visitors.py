"""Progressive profiling a public form can call: with the site's write key, which fields to ask a visitor that
this key's own events know; never anything about the visitor, never someone else's."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from httpx import Response

from leadpact.clock import SimulatedClock
from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.pact.models import Evaluation
from tests.access.world import AccessWorld, Caller

ASK = {"ask": [{"item": "company_size", "label": "Company size (employees)", "form_field": "company.employee_count"},
               {"item": "role", "label": "Job title", "form_field": "title"}]}


def basic(key: str) -> dict[str, str]:
    """A write key as Segment's clients send it: the Basic username, empty password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def ask(client: TestClient, key: str, **ids: str) -> Response:
    """Ask which fields to put to a visitor, with `key`."""
    client.cookies.clear()
    return client.get("/api/v1/visitors/missing", params=ids, headers=basic(key))


def held_for(person_id: int, clock: SimulatedClock, *items: str) -> None:
    """Give the person an evaluation missing `items`."""
    with session_scope() as session:
        session.add(Evaluation(person_id=person_id, pact_version=1, fit_score=60, grade="B", engagement_score=40,
                               persona=None, buying_role=None, status="needs_context", matched={},
                               missing={"items": list(items)}, evaluated_at=clock.now()))


def test_the_sites_key_learns_which_fields_to_ask_its_visitor(client: TestClient, world: AccessWorld,
                                                            clock: SimulatedClock) -> None:
    held_for(world.ids["person_a"], clock, "company_size", "role", "problem")
    answer = ask(client, world.keys["ingest"], anonymousId="anon-rae-lead")
    assert answer.status_code == 200, answer.text
    # Only fields a form can ask ("problem" is behaviour: no form supplies it), nothing about the person.
    assert answer.json() == ASK
    assert "jo@acme.example" not in answer.text and "Smith" not in answer.text and "person" not in answer.text


def test_a_visitor_first_seen_through_the_tracking_api(client: TestClient, world: AccessWorld,
                                                      clock: SimulatedClock) -> None:
    client.cookies.clear()
    sent = client.post("/v1/identify", headers=basic(world.keys["ingest"]), json={
        "userId": "u-77", "anonymousId": "anon-77", "messageId": "m-77", "traits": {"email": "kai@beta.example"}})
    assert sent.status_code == 200, sent.text
    assert ask(client, world.keys["ingest"], userId="u-77").json() == {"ask": []}
    assert ask(client, world.keys["ingest"], anonymousId="anon-77").json() == {"ask": []}


def test_a_visitor_only_another_sites_key_knows_is_nobody(client: TestClient, world: AccessWorld,
                                                         clock: SimulatedClock) -> None:
    held_for(world.ids["person_a"], clock, "role")
    with session_scope() as session:
        other = create_key(session=session, scope="ingest", name="other site", now=clock.now())[1]
    refused = ask(client, other, anonymousId="anon-rae-lead")
    assert refused.status_code == 404
    assert refused.json() == {"detail": "no such visitor in the events sent with this write key"}


def test_an_unknown_visitor_is_nobody(client: TestClient, world: AccessWorld) -> None:
    assert ask(client, world.keys["ingest"], anonymousId="never-seen").status_code == 404
    assert ask(client, world.keys["ingest"], userId="anon-rae-lead").status_code == 404  # an anonymousId, not a userId


def test_no_visitor_named(client: TestClient, world: AccessWorld) -> None:
    refused = ask(client, world.keys["ingest"])
    assert refused.status_code == 422 and refused.json() == {"detail": "send the visitor's anonymousId or userId"}


def test_only_a_write_key_may_ask(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    for name in ("admin_key", "admin", "marketing"):
        refused = who[name].request(client, "GET", "/api/v1/visitors/missing", params={"anonymousId": "anon-rae-lead"})
        assert refused.status_code == 403
    client.cookies.clear()
    assert client.get("/api/v1/visitors/missing", params={"anonymousId": "anon-rae-lead"}).status_code == 401
