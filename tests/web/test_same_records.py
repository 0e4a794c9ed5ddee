"""A page's action writes what the API's writes: the same lifecycle moves with the same actor, the same audit entry;
bad form input re-renders the form with the message by its field and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadpact.app import create_app
from leadpact.audit.models import AuditEntry
from leadpact.db import session_scope
from leadpact.handoff.models import Handoff
from leadpact.lifecycle.models import Transition
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.test_page_access import BROWSER, signed_in
from tests.web.world import WebWorld, build_web_world, give_password


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world."""
    return build_web_world(set_password=give_password)


def _records(handoff_id: int) -> tuple[list[tuple[str, str, str]], list[tuple[str, Any, str]]]:
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        moves = [(t.from_status, t.to_status, t.actor) for t in session.scalars(
            select(Transition).where(Transition.person_id == handoff.person_id, Transition.actor != "system")
            .order_by(Transition.id))]
        audit = [(e.action, e.actor_user_id, e.actor) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"handoff:{handoff_id}").order_by(AuditEntry.id))]
    return moves, audit


def test_rejecting_on_the_page_writes_what_the_api_writes(world: WebWorld) -> None:
    app = create_app()
    client, token = signed_in(app, world.sam)
    by_page, by_api = world.handoffs[world.sam]
    assert client.post(f"/handoffs/{by_page}/reject", data={"csrf_token": token, "reason": "no_budget",
                                                             "note": "next year"}).status_code == 303
    api = TestClient(app, cookies=client.cookies)
    answer = api.post(f"/api/v1/handoffs/{by_api}/reject", json={"reason": "no_budget", "note": "next year"},
                      headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    page_records, api_records = _records(by_page), _records(by_api)
    assert page_records == api_records
    assert page_records[0] == [("handed_off", "rejected", f"user:{world.sam}"),
                               ("rejected", "nurture", f"user:{world.sam}")]
    assert [action for action, _user, _actor in page_records[1]] == ["handoff.rejected"]


@pytest.mark.parametrize(("action", "form", "field", "words"), [
    ("reject", {"reason": ""}, "reason", "exactly one reason"),
    ("reject", {"reason": "too_pushy"}, "reason", "unknown rejection reason"),
    ("opportunity", {"amount": "lots"}, "amount", "is not a number"),
    ("lost", {"lost_reason": " "}, "lost_reason", "needs a reason"),
])
def test_bad_input_comes_back_with_the_message_by_its_field(world: WebWorld, action: str, form: dict[str, str],
                                                            field: str, words: str) -> None:
    client, token = signed_in(create_app(), world.sam)
    handoff = world.handoffs[world.sam][0]
    if action in ("opportunity", "lost"):
        assert client.post(f"/handoffs/{handoff}/accept", data={"csrf_token": token}).status_code == 303
    before = _records(handoff)
    answer = client.post(f"/handoffs/{handoff}/{action}", data={"csrf_token": token, **form})
    assert answer.status_code == 422
    message = re.search(rf'<span class="error" id="{field}-error" role="alert">([^<]+)</span>', answer.text)
    assert message is not None and words in message.group(1), answer.text[-2000:]
    assert _records(handoff) == before


def test_signing_in_with_a_wrong_password_says_so_without_saying_which_half(world: WebWorld) -> None:
    client = TestClient(create_app(), headers=BROWSER, follow_redirects=False)
    answer = client.post("/sign-in", data={"email": world.sam, "password": "not it", "next": "/inbox"})
    assert answer.status_code == 401 and 'id="sign-in-error"' in answer.text
    assert "leadpact_session" not in answer.headers.get("set-cookie", "")
    assert client.get("/inbox").status_code == 303


def test_after_signing_in_the_browser_goes_only_to_a_page_of_this_site(world: WebWorld) -> None:
    from tests.web.world import PASSWORD

    for target, lands in (("/team", "/team"), ("https://evil.example/", "/"), ("//evil.example", "/")):
        client = TestClient(create_app(), headers=BROWSER, follow_redirects=False)
        answer = client.post("/sign-in", data={"email": world.manager, "password": PASSWORD, "next": target})
        assert answer.status_code == 303 and answer.headers["location"] == lands


def test_signing_out_ends_the_session(world: WebWorld) -> None:
    client, token = signed_in(create_app(), world.sam)
    assert client.get("/inbox").status_code == 200
    cookie = client.cookies["leadpact_session"]
    assert client.post("/sign-out", data={"csrf_token": token}).headers["location"] == "/sign-in"
    # The old cookie, kept by someone who copied it, no longer signs anyone in.
    again = TestClient(client.app, headers=BROWSER, cookies={"leadpact_session": cookie}, follow_redirects=False)
    assert again.get("/inbox").status_code == 303
