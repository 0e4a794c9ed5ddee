"""Every page refuses whoever its rule does not admit, as a browser sees it: someone not signed in is sent to the
sign-in page, a signed-in user of another role gets a 403 page. Generated from the web app's route table, so a new
page is covered; forms carry their CSRF token, so each refusal is the rule's, not a missing token's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadpact.access import app_routes, rule_of
from leadpact.app import create_app
from leadpact.web import web_router
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.world import PASSWORD, WebWorld, build_web_world, give_password

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
ROLE_OF = {"rep": "sam", "manager": "manager", "marketing": "marketer", "admin": "admin"}


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world."""
    return build_web_world(set_password=give_password)


def signed_in(app: Any, email: str) -> tuple[TestClient, str]:
    """A client signed in through the sign-in form, and its CSRF token (read from a page's form)."""
    client = TestClient(app, headers=BROWSER, follow_redirects=False)
    answer = client.post("/sign-in", data={"email": email, "password": PASSWORD, "next": "/pacts"})
    assert answer.status_code == 303, answer.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/pacts").text)
    assert token is not None
    return client, token.group(1)


def pages(app: Any) -> Iterator[tuple[str, str, Any]]:
    """(method, path, rule) of every route of the web app, generated from the app's route table."""
    ours = {(method, route.path) for route in app_routes(web_router().routes) for method in route.methods or ()}
    for route in app_routes(app.router.routes):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if (method, route.path) in ours:
                yield method, route.path, rule_of(route)


def url_of(path: str, world: WebWorld) -> str:
    """The path with the world's rows in it (rep Sam's handoff, person and account)."""
    values = {"handoff_id": world.handoffs[world.sam][0], "person_id": 1, "account_id": 1, "version": 1,
              "kind": "weekly", "key_id": 1, "user_id": 1}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_every_page_refuses_the_roles_its_rule_does_not_admit(world: WebWorld) -> None:
    app = create_app()
    clients = {role: signed_in(app, getattr(world, name)) for role, name in ROLE_OF.items()}
    anonymous = TestClient(app, headers=BROWSER, follow_redirects=False)
    checked, wrong = 0, []
    for method, path, rule in pages(app):
        assert rule is not None, f"{method} {path} declares no access rule"
        url = url_of(path, world)
        if not rule.open:
            answer = anonymous.request(method, url)
            if not (answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")):
                wrong.append(f"{method} {path} not signed in: {answer.status_code}")
            checked += 1
        for role, (client, token) in clients.items():
            if rule.open or role in rule.users:
                continue
            answer = client.request(method, url, data={"csrf_token": token} if method == "POST" else None)
            if answer.status_code != 403 or "Not yours to see" not in answer.text:
                wrong.append(f"{method} {path} as {role} ({rule.name}): {answer.status_code}")
            checked += 1
    assert wrong == [], "\n".join(wrong)
    assert checked >= 50


def test_another_reps_handoff_is_a_403_page(world: WebWorld) -> None:
    client, _token = signed_in(create_app(), world.kim)
    for url in (f"/handoffs/{world.handoffs[world.sam][0]}", f"/people/{world.handoffs[world.sam][0]}"):
        answer = client.get(url)
        assert answer.status_code == 403 and "Not yours to see" in answer.text, url
    assert client.get(f"/handoffs/{world.handoffs[world.kim][0]}").status_code == 200


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(world: WebWorld) -> None:
    client, token = signed_in(create_app(), world.sam)
    handoff = world.handoffs[world.sam][0]
    assert client.post(f"/handoffs/{handoff}/accept").status_code == 403
    assert client.post(f"/handoffs/{handoff}/accept", data={"csrf_token": "stale"}).status_code == 403
    assert "Accept" in client.get(f"/handoffs/{handoff}").text
    assert client.post(f"/handoffs/{handoff}/accept", data={"csrf_token": token}).status_code == 303


def test_every_page_opens_for_the_roles_its_rule_admits(world: WebWorld) -> None:
    app = create_app()
    clients = {role: signed_in(app, getattr(world, name)) for role, name in ROLE_OF.items()}
    opened, wrong = 0, []
    for method, path, rule in pages(app):
        if method != "GET" or rule is None or rule.open:
            continue
        for role, (client, _token) in clients.items():
            if role not in rule.users:
                continue
            answer = client.get(url_of(path, world))
            if answer.status_code not in (200, 303):
                wrong.append(f"GET {path} as {role}: {answer.status_code} {answer.text[:200]}")
            opened += 1
    for url in ("/reports/monthly?format=xlsx", "/reports/weekly?format=csv", "/reports/review-sheet?format=html",
                "/dashboard?period=2026-Q4", "/pacts/diff?from=1&to=1"):
        answer = clients["admin"][0].get(url)
        if answer.status_code != 200:
            wrong.append(f"GET {url} as admin: {answer.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert opened >= 30


def test_an_address_that_does_not_parse_is_a_404_page(world: WebWorld) -> None:
    client, _token = signed_in(create_app(), world.sam)
    answer = client.get("/handoffs/not-a-number")
    assert answer.status_code == 404 and "There is no page at /handoffs/not-a-number" in answer.text
    api = TestClient(client.app).get("/api/v1/handoffs/not-a-number")
    assert api.status_code in (401, 422) and api.headers["content-type"].startswith("application/json")
