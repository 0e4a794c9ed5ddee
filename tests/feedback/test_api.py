"""The handoff and feedback API over real HTTP: each rep works their own leads as themselves (a personal token),
an admin key acts only on a named user's behalf, refusals say why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from leadpact import clock as clock_module
from leadpact.access import make_personal_token
from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.lifecycle import history
from leadpact.org.service import require_user
from tests.handoff.factories import NOW
from tests.handoff.fixtures import build_world, demo_request, identify, page

ALLOWED = "wrong_timing, wrong_company_size, wrong_role, no_budget, already_solved, unreachable, duplicate"


@pytest.fixture
def at_noon() -> Iterator[None]:
    previous = clock_module.get_clock()
    clock_module.set_clock(clock_module.SimulatedClock(NOW))
    yield
    clock_module.set_clock(previous)


@pytest.fixture
def keys(database_url: str) -> dict[str, str]:
    with session_scope() as session:
        return {scope: create_key(session=session, scope=scope, name=scope, now=datetime.now(UTC))[1]
                for scope in ("ingest", "read", "admin")}


def token(email: str) -> str:
    """A personal token acting as this user."""
    with session_scope() as session:
        return make_personal_token(session=session, user=require_user(session=session, email=email), name="test",
                                   now=datetime.now(UTC), actor="test")[1]


def call(server, method: str, path: str, key: str, body: object | None = None, **params: str) -> httpx.Response:
    return httpx.request(method, f"{server.url}{path}", headers={"Authorization": f"Bearer {key}"},
                         json=body, params=params, timeout=10)


def track(server, key: str, *messages: dict) -> None:
    response = httpx.post(f"{server.url}/v1/batch", content=orjson.dumps({"batch": list(messages)}), auth=(key, ""),
                          headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 200 and response.json()["stored"] == len(messages), response.text


def send_hot_lead(server, key: str) -> None:
    track(server, key, identify(), page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z"),
          page("/pricing", "2026-09-30T10:00:00Z"))
    track(server, key, demo_request())


def test_a_hot_lead_is_worked_from_handoff_to_won_over_http(world, at_noon, live_server, keys):
    send_hot_lead(live_server, keys["ingest"])
    sam, kim = token(world.sam), token(world.kim)
    listed = call(live_server, "GET", "/api/v1/handoffs", sam, state="open", tier="hot")
    assert listed.status_code == 200, listed.text
    [handoff] = listed.json()
    assert (handoff["rep"]["email"], handoff["team"], handoff["link"]) == (
        "sam@nw.example", "north_america", f"/handoffs/{handoff['id']}")
    assert handoff["sla_due_at"] == "2026-10-01T12:15:00Z" and handoff["brief"].startswith("Jo Smith is at Acme")
    assert call(live_server, "GET", "/api/v1/handoffs", kim).json() == []
    assert call(live_server, "GET", "/api/v1/handoffs", keys["read"], rep="kim@nw.example").json() == []
    hid, pid = handoff["id"], handoff["person"]["id"]
    assert call(live_server, "GET", f"/api/v1/handoffs/{hid}", kim).status_code == 403
    detail = call(live_server, "GET", f"/api/v1/handoffs/{hid}", sam).json()
    assert detail["timeline"][0]["event"] == "Demo Requested"
    assert detail["brief_facts"]["problem"]["problem"] == "cost of warehouse"
    assert call(live_server, "GET", "/api/v1/handoffs/999", keys["read"]).json() == {"detail": "no handoff 999"}

    refused = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", keys["read"], {})
    assert refused.status_code == 403
    no_reason = call(live_server, "POST", f"/api/v1/handoffs/{hid}/reject", sam, {})
    assert no_reason.status_code == 422
    assert no_reason.json() == {"detail": f"a rejection needs exactly one reason, one of: {ALLOWED}"}
    not_his = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", kim, {})
    assert not_his.status_code == 403 and "kim@nw.example (rep) cannot act on handoff" in not_his.json()["detail"]
    # `by` grants nothing: Kim cannot act as Sam, and an admin key acting for Kim is held to Kim's rights.
    as_sam = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", kim, {"by": "sam@nw.example"})
    assert as_sam.status_code == 403
    for_kim = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", keys["admin"], {"by": "kim@nw.example"})
    assert for_kim.status_code == 403 and "Sam Park's" in for_kim.json()["detail"]

    touched = call(live_server, "POST", f"/api/v1/handoffs/{hid}/contacted", sam, {})
    assert touched.json()["first_touch"] is True and touched.json()["handoff"]["first_touch_at"] is not None
    accepted = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", sam)
    assert accepted.json()["state"] == "accepted" and accepted.json()["person"]["status"] == "accepted"
    assert accepted.json()["disposition_actor"] == "sam@nw.example"
    again = call(live_server, "POST", f"/api/v1/handoffs/{hid}/accept", sam)
    assert again.status_code == 409
    qualified = call(live_server, "POST", f"/api/v1/handoffs/{hid}/qualify", sam,
                     {"budget": "approved", "other": {"champion": "Jo"}})
    assert qualified.json()["qualification"]["champion"] == "Jo" and qualified.json()["person"]["status"] == "sql"
    opened = call(live_server, "POST", f"/api/v1/people/{pid}/opportunity", sam, {"amount": 48000})
    assert opened.status_code == 201 and opened.json()["stage"] == "open"
    # The won deal is entered by an admin's automation for Sam: recorded as Sam's, done by the key.
    won = call(live_server, "POST", f"/api/v1/people/{pid}/won", keys["admin"],
               {"by": "sam@nw.example", "closed_at": "2026-11-20"})
    assert won.status_code == 200, won.text
    assert (won.json()["stage"], won.json()["closed_at"], won.json()["amount"]) == ("won", "2026-11-20T00:00:00Z",
                                                                                     48000)
    with session_scope() as session:
        trail = [(t.to_status, t.actor, t.reasons.get("acted_by")) for t in history(session=session, person_id=pid)]
    assert trail[-4:] == [("accepted", "user:sam@nw.example", None), ("sql", "user:sam@nw.example", None),
                          ("opportunity", "user:sam@nw.example", None), ("won", "user:sam@nw.example", "key:admin")]


def test_forms_can_ask_what_a_held_lead_is_missing(live, at_noon, live_server, keys):
    build_world(catalog=False)
    send_hot_lead(live_server, keys["ingest"])
    by_email = call(live_server, "GET", "/api/v1/people/missing", keys["read"], email="JO@acme.example")
    assert by_email.status_code == 200, by_email.text
    body = by_email.json()
    assert (body["status"], [m["item"] for m in body["missing"]]) == ("needs_context", ["problem"])
    by_id = call(live_server, "GET", f"/api/v1/people/{body['person_id']}/missing", keys["read"])
    assert by_id.json() == body
    unknown = call(live_server, "GET", "/api/v1/people/missing", keys["read"], email="nobody@acme.example")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "no person with email nobody@acme.example"}
    assert call(live_server, "GET", "/api/v1/people/missing", keys["ingest"], email="x@y.z").status_code == 403
    # Jo is held, not handed to anyone: no rep may read what she is missing, only those who see every lead.
    kim = token("kim@nw.example")
    assert call(live_server, "GET", f"/api/v1/people/{body['person_id']}/missing", kim).status_code == 403
