"""Every route of the application × every kind of principal, generated from the app's own route table: a route
without a rule, or with a rule this table does not know, fails here.

Expectations are one line per rule. ADMITTED: past the door (any answer but 401/403, and no server error);
ROWS: admitted, but refused (403) on another rep's or team's row, which is what each route with a row in its path is
called on here (rep A's handoff and person)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadpact.access import app_routes, rule_of, rules
from tests.access.world import PASSWORD, RAE, SPARE, AccessWorld, Caller

ADMITTED, ROWS = "admitted", "rows"
PRINCIPALS = ("anonymous", "write_key", "admin_key", "rep_a", "rep_b", "manager_a", "manager_other", "marketing",
              "admin", "disabled")
USERS = ("rep_a", "rep_b", "manager_a", "manager_other", "marketing", "admin")


def expect(default: object, **overrides: object) -> dict[str, object]:
    """Each principal's expected outcome: `default`, except those named."""
    table = {name: default for name in PRINCIPALS}
    table.update(overrides)
    return table


def users(outcome: object, *names: str) -> dict[str, object]:
    """The same outcome for several users."""
    return dict.fromkeys(names, outcome)


# Not signed in: 401; the disabled user's session is dead: 401; everyone else known but not let in: 403.
def guarded(**admitted: object) -> dict[str, object]:
    """A guarded rule: 401 for the anonymous and the disabled, 403 for the rest unless named."""
    return expect(403, anonymous=401, disabled=401, **admitted)


EXPECTED: dict[str, dict[str, object]] = {
    rules.PUBLIC.name: expect(ADMITTED),
    # The tracking API checks its write key itself (Basic username, as Segment's clients send it): without one, 401.
    rules.TRACKING.name: expect(401, write_key=ADMITTED),
    # No HubSpot connection in this world: the webhook answers 503 to whoever calls (it checks the signature, not
    # the caller).
    rules.CRM_WEBHOOK.name: expect(503),
    rules.SIGNED_IN.name: guarded(**users(ADMITTED, *USERS)),
    rules.SITE_FORM.name: guarded(write_key=ADMITTED),
    rules.READER.name: guarded(admin_key=ADMITTED, **users(ADMITTED, *USERS)),
    rules.HANDOFF_READER.name: guarded(admin_key=ADMITTED, rep_a=ADMITTED, rep_b=ROWS, manager_a=ADMITTED,
                                       manager_other=ROWS, marketing=ADMITTED, admin=ADMITTED),
    rules.PEOPLE_READER.name: guarded(admin_key=ADMITTED, rep_a=ADMITTED, rep_b=ROWS, manager_a=ADMITTED,
                                      manager_other=ROWS, marketing=ADMITTED, admin=ADMITTED),
    rules.HANDOFF_WORK.name: guarded(admin_key=ADMITTED, rep_a=ADMITTED, rep_b=ROWS, manager_a=ADMITTED,
                                     manager_other=ROWS, admin=ADMITTED),
    rules.PERSON_WORK.name: guarded(admin_key=ADMITTED, rep_a=ADMITTED, rep_b=ROWS, manager_a=ADMITTED,
                                    manager_other=ROWS, admin=ADMITTED),
    rules.TEAM_LEAD.name: guarded(admin_key=ADMITTED, manager_a=ADMITTED, manager_other=ROWS, admin=ADMITTED),
    rules.MARKETING.name: guarded(admin_key=ADMITTED, marketing=ADMITTED, admin=ADMITTED),
    rules.PACT_SIGNATURE.name: guarded(marketing=ADMITTED, manager_a=ADMITTED, manager_other=ADMITTED),
    rules.PACT_STEWARD.name: guarded(admin_key=ADMITTED, marketing=ADMITTED, manager_a=ADMITTED,
                                     manager_other=ADMITTED, admin=ADMITTED),
    rules.INSIGHTS.name: guarded(admin_key=ADMITTED, marketing=ADMITTED, manager_a=ADMITTED,
                                 manager_other=ADMITTED, admin=ADMITTED),
    rules.REPORTS.name: guarded(admin_key=ADMITTED, marketing=ADMITTED, admin=ADMITTED),
    rules.OPERATIONS.name: guarded(admin_key=ADMITTED, admin=ADMITTED),
    rules.ADMIN.name: guarded(admin_key=ADMITTED, admin=ADMITTED),
}

# What each route is called with: its path's rows are rep A's; bodies and queries just valid enough that an
# admitted caller reaches the row check (which runs after the body is read).
PATH_VALUES = {"handoff_id": "handoff_a", "person_id": "person_a", "version": "version", "message_id": "message",
               "user_id": "spare_user", "key_id": "spare_key", "kind": "weekly", "account_id": "account"}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/session"): {"email": SPARE, "password": PASSWORD},
    ("POST", "/api/v1/users"): {"email": "new@nw.example", "name": "New", "role": "marketing"},
    ("PUT", "/api/v1/users/{user_id}/password"): {"password": "another long password"},
    ("POST", "/api/v1/keys"): {"name": "made in the access test", "scope": "read"},
    ("POST", "/api/v1/pacts"): {"source": "leadpact: 1\nname: x\n"},
    # Reassigning to the rep who holds it is refused (409) after the row check, and changes nothing.
    ("POST", "/api/v1/handoffs/{handoff_id}/reassign"): {"rep_email": RAE},
    ("POST", "/v1/track"): {"type": "track", "event": "Probe", "userId": "probe", "messageId": "probe-1"},
    ("POST", "/v1/batch"): {"batch": []},
}
QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/pacts/diff"): {"from": 1, "to": 1},
    ("GET", "/api/v1/people/missing"): {"email": "jo@acme.example"},
    ("GET", "/api/v1/visitors/missing"): {"anonymousId": "anon-rae-lead"},
}
# Queries that name rep A's row, as a path would.
ROW_QUERIES = {("GET", "/api/v1/people/missing")}
# Signing out (the API's, and the web app's form) ends the caller's session: called last, when nothing else needs it.
LAST = {("DELETE", "/api/v1/session"), ("POST", "/sign-out")}


def endpoints(client: TestClient) -> list[tuple[str, str, Any]]:
    """(method, path, route) for every route the app serves, HEAD aside, sign-out last."""
    found = []
    for route in app_routes(client.app.router.routes):  # type: ignore[attr-defined]
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            found.append((method, route.path, route))
    return sorted(found, key=lambda item: (item[0], item[1]) in LAST)


def outcome_of(status: int) -> object:
    """What a status means here: 401, 403, a server error as itself, anything else ADMITTED."""
    return status if status in (401, 403) or status >= 500 else ADMITTED


def test_every_route_declares_one_known_rule(client: TestClient) -> None:
    missing = [f"{method} {path}" for method, path, route in endpoints(client) if rule_of(route) is None]
    assert missing == [], f"routes without exactly one access rule: {missing}"
    unknown = {rule_of(route).name for _m, _p, route in endpoints(client)} - set(EXPECTED)  # type: ignore[union-attr]
    assert unknown == set(), f"rules the access test has no expectation for: {unknown}"
    assert {rule.name for rule in rules.ALL} == set(EXPECTED)


def test_every_route_for_every_principal(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    wrong, calls = [], 0
    for method, path, route in endpoints(client):
        rule = rule_of(route)
        assert rule is not None
        url = path.format(**{name: world.ids.get(value, value) for name, value in PATH_VALUES.items()
                             if f"{{{name}}}" in path})
        has_row = any(f"{{{name}}}" in path for name in ("handoff_id", "person_id")) or (method, path) in ROW_QUERIES
        for name in PRINCIPALS:
            expected = EXPECTED[rule.name][name]
            if expected == ROWS:
                expected = 403 if has_row else ADMITTED
            response = who[name].request(client, method, url, json=BODIES.get((method, path), {}),
                                         params=QUERIES.get((method, path)))
            calls += 1
            if outcome_of(response.status_code) != expected:
                wrong.append(f"{method} {path} as {name} ({rule.name}): expected {expected}, got "
                             f"{response.status_code} {response.text[:160]}")
    assert wrong == [], "\n".join(wrong)
    assert calls >= 40 * len(PRINCIPALS)


@pytest.mark.parametrize(("caller", "expected"), [
    ("rep_a", ["handoff_a"]), ("rep_b", ["handoff_b"]), ("manager_a", ["handoff_a", "handoff_b"]),
    ("manager_other", ["handoff_south"]), ("marketing", ["handoff_a", "handoff_b", "handoff_south"]),
    ("admin", ["handoff_a", "handoff_b", "handoff_south"]), ("admin_key", ["handoff_a", "handoff_b", "handoff_south"]),
])
def test_each_principal_lists_exactly_their_rows(client: TestClient, world: AccessWorld, who: dict[str, Caller],
                                                 caller: str, expected: list[str]) -> None:
    listed = who[caller].request(client, "GET", "/api/v1/handoffs")
    assert listed.status_code == 200, listed.text
    assert sorted(h["id"] for h in listed.json()) == sorted(world.ids[name] for name in expected)
    # A filter never widens what a principal sees: asking for someone else's rep or team gives nothing of theirs.
    for query in ({"rep": "sol@nw.example"}, {"team": "south"}, {"state": "open"}):
        rows = who[caller].request(client, "GET", "/api/v1/handoffs", params=query).json()
        assert {h["id"] for h in rows} <= {world.ids[name] for name in expected}


def test_a_route_without_a_rule_is_refused_and_named(client: TestClient, who: dict[str, Caller]) -> None:
    app = client.app

    @app.get("/api/v1/forgotten")  # type: ignore[attr-defined, untyped-decorator]
    def forgotten() -> dict[str, str]:
        return {"secret": "everyone's"}

    [route] = [r for r in app_routes(app.router.routes) if r.path == "/api/v1/forgotten"]  # type: ignore[attr-defined]
    assert rule_of(route) is None
    for name in ("anonymous", "admin", "admin_key"):
        refused = who[name].request(client, "GET", "/api/v1/forgotten")
        assert refused.status_code == 403 and "declares no access rule" in refused.json()["detail"]
