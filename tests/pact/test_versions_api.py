"""The pact versions API over real HTTP: the whole flow, every refusal, and key scopes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from leadpact.access import make_personal_token
from leadpact.clock import SimulatedClock
from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.org.service import create_user, require_user

from ..conftest import LiveServer
from .conftest import EXAMPLE

SOURCE = EXAMPLE.read_text(encoding="utf-8")
SECOND = SOURCE.replace("name: Northwind lead pact", "name: Northwind lead pact, v2")
MIA, SAM, ROB = "mia@northwind.example", "sam@northwind.example", "rob@northwind.example"
ADA = "ada@northwind.example"


def key(scope: str) -> str:
    """A fresh API key of `scope` on the test database."""
    with session_scope() as session:
        _row, secret = create_key(session=session, scope=scope, name=f"test {scope}", now=datetime.now(UTC))
    return secret


def token_of(email: str) -> str:
    """A personal token acting as this user (with their role)."""
    with session_scope() as session:
        user = require_user(session=session, email=email)
        return make_personal_token(session=session, user=user, name="test", now=datetime.now(UTC), actor="test")[1]


@pytest.fixture
def people(live_server: LiveServer, clock: SimulatedClock) -> Iterator[dict[str, httpx.Client]]:
    """Clients signed in as a marketing user (Mia), a manager (Sam), a rep (Rob) and an admin (Ada), each with a
    personal token, plus an admin automation key."""
    with session_scope() as session:
        for email, name, role in ((MIA, "Mia Marketing", "marketing"), (SAM, "Sam Sales", "manager"),
                                  (ROB, "Rob Rep", "rep"), (ADA, "Ada Admin", "admin")):
            create_user(session=session, email=email, name=name, role=role, now=clock.now())
    tokens = {email: token_of(email) for email in (MIA, SAM, ROB, ADA)} | {"automation": key("admin")}
    clients = {who: httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=30,
                                 headers={"Authorization": f"Bearer {token}"}) for who, token in tokens.items()}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def api(people: dict[str, httpx.Client]) -> httpx.Client:
    """Mia's client: marketing writes drafts and signs the marketing side."""
    return people[MIA]


def add(api: httpx.Client, source: str = SOURCE) -> int:
    """Store a draft and return its number."""
    response = api.post("/pacts", json={"source": source, "note": "test"})
    assert response.status_code == 201, response.text
    return response.json()["version"]


def sign(people: dict[str, httpx.Client], version: int, *emails: str) -> httpx.Response:
    """Sign `version` as each user in turn (each signed in as themselves); return the last response."""
    for email in emails:
        response = people[email].post(f"/pacts/{version}/approvals")
    return response


def test_full_flow(api: httpx.Client, people: dict[str, httpx.Client], clock: SimulatedClock) -> None:
    assert add(api) == 1
    assert api.get("/pacts/1").json()["state"] == "draft"
    assert api.get("/pacts/1").json()["created_by"] == MIA
    assert sign(people, 1, MIA).json()["state"] == "draft"
    clock.advance(timedelta(hours=1))
    signed = sign(people, 1, SAM)
    assert signed.status_code == 201
    body = signed.json()
    assert body["state"] == "approved" and [(a["side"], a["name"]) for a in body["approvals"]] == [
        ("marketing", "Mia Marketing"), ("sales", "Sam Sales")]
    activated = people[SAM].post("/pacts/1/activate")
    assert activated.status_code == 200, activated.text
    assert activated.json() | {"seconds": 0} == {
        "version": 1, "previous_version": None, "actor": SAM, "at": "2026-10-01T10:00:00Z",
        "people_evaluated": 0, "people_moved": 0, "moves": {}, "seconds": 0}
    detail = api.get("/pacts/1").json()
    assert detail["state"] == "active" and detail["source"] == SOURCE and len(detail["activations"]) == 1

    document = api.get("/pacts/1/document")
    assert document.headers["content-type"].startswith("text/markdown")
    assert "| Marketing | Mia Marketing | 2026-10-01 09:00 UTC |" in document.text
    assert "| Sales | Sam Sales | 2026-10-01 10:00 UTC |" in document.text
    html = api.get("/pacts/1/document", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "<td>Mia Marketing</td><td>2026-10-01 09:00 UTC</td>" in html.text

    assert add(api, SECOND) == 2
    sign(people, 2, MIA, SAM)
    assert api.post("/pacts/2/activate").json()["previous_version"] == 1
    states = [(v["version"], v["state"]) for v in api.get("/pacts").json()]
    assert states == [(1, "retired"), (2, "active")]
    assert api.get("/pacts/diff", params={"from": 1, "to": 2}).json() == [
        'name changed from "Northwind lead pact" to "Northwind lead pact, v2"']
    assert add(api) == 3
    retired = people["automation"].post("/pacts/3/retire")
    assert retired.status_code == 200 and retired.json()["state"] == "retired"


def test_invalid_pact_gives_every_line_and_column_and_stores_nothing(api: httpx.Client) -> None:
    broken = SOURCE.replace("op: between", "op: betwixt", 1).replace("points: 20", "points: lots", 1)
    response = api.post("/pacts", json={"source": broken})
    assert response.status_code == 422
    body = response.json()
    lines = broken.splitlines()
    assert len(body["errors"]) == 2
    for error in body["errors"]:
        assert error["line"] >= 1 and error["column"] >= 1 and error["message"]
        assert f"line {error['line']}, column {error['column']}: {error['message']}" in body["detail"]
    assert {"betwixt" in lines[e["line"] - 1] or "lots" in lines[e["line"] - 1] for e in body["errors"]} == {True}
    assert api.get("/pacts").json() == []
    syntax = api.post("/pacts", json={"source": "leadpact: 1\nname: [unclosed\n"})
    assert syntax.status_code == 422 and "YAML syntax error" in syntax.json()["detail"]


def test_refusals_say_what_is_wrong(api: httpx.Client, people: dict[str, httpx.Client]) -> None:
    add(api)
    refused = sign(people, 1, ROB)
    assert refused.status_code == 403 and "rob@northwind.example (rep) cannot do this" in refused.json()["detail"]
    sign(people, 1, MIA)
    twice = sign(people, 1, MIA)
    assert twice.status_code == 409 and "marketing side of pact version 1 is already signed" in twice.json()["detail"]
    draft = api.post("/pacts/1/activate")
    assert draft.status_code == 409 and "is a draft" in draft.json()["detail"]
    sign(people, 1, SAM)
    api.post("/pacts/1/activate")
    again = sign(people, 1, SAM)
    assert again.status_code == 409 and "is active: only a draft can be approved" in again.json()["detail"]
    for_someone = people[SAM].post("/pacts/1/approvals", json={"user_email": MIA})
    assert for_someone.status_code == 422 and "body.user_email" in for_someone.json()["detail"]


def test_unknown_version_is_404(api: httpx.Client, people: dict[str, httpx.Client]) -> None:
    add(api)
    for response in (api.get("/pacts/9"), api.get("/pacts/9/document"), sign(people, 9, MIA),
                     api.post("/pacts/9/activate"),
                     api.get("/pacts/diff", params={"from": 1, "to": 9})):
        assert response.status_code == 404 and response.json() == {"detail": "no pact version 9"}


def test_bad_requests_are_worded(api: httpx.Client) -> None:
    missing = api.post("/pacts", json={"note": "no source"})
    assert missing.status_code == 422 and missing.json() == {"detail": "body.source: field required"}
    assert "query.from" in api.get("/pacts/diff", params={"to": 1}).json()["detail"]
    assert api.get("/pacts/1/document", params={"format": "pdf"}).status_code == 422


def test_key_scopes(api: httpx.Client, people: dict[str, httpx.Client], live_server: LiveServer) -> None:
    add(api)
    base = f"{live_server.url}/api/v1"
    read = {"Authorization": f"Bearer {key('read')}"}
    assert httpx.get(f"{base}/pacts", headers=read).status_code == 200
    assert httpx.get(f"{base}/pacts/1/document", headers=read).status_code == 200
    cannot = httpx.post(f"{base}/pacts/1/approvals", headers=read)
    assert cannot.status_code == 403
    assert cannot.json()["detail"].startswith("a read key cannot do this: a pact is signed by a signed-in")
    assert httpx.post(f"{base}/pacts", headers=read, json={"source": SOURCE}).status_code == 403
    # Neither an admin key nor an admin user can sign: signatures are a marketing user's and a sales manager's.
    for admin in (people["automation"], people[ADA]):
        assert admin.post("/pacts/1/approvals").status_code == 403
    # A manager does not write pact drafts.
    assert people[SAM].post("/pacts", json={"source": SOURCE}).status_code == 403
    write = {"Authorization": f"Bearer {key('ingest')}"}
    for response in (httpx.get(f"{base}/pacts", headers=write),
                     httpx.post(f"{base}/pacts/1/approvals", headers=write)):
        assert response.status_code == 403 and "write keys can only send events" in response.json()["detail"]
    missing = httpx.get(f"{base}/pacts")
    assert missing.status_code == 401 and "not signed in" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(f"{base}/pacts", headers={"Authorization": "Bearer lp_ak_not-a-key"})
    assert wrong.status_code == 401 and "invalid API key" in wrong.json()["detail"]
    assert api.get("/pacts/1").json()["approvals"] == []


def test_openapi_documents_the_routes(api: httpx.Client, live_server: LiveServer) -> None:
    schema = httpx.get(f"{live_server.url}/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/pacts", "/api/v1/pacts/{version}", "/api/v1/pacts/{version}/document",
                 "/api/v1/pacts/{version}/approvals", "/api/v1/pacts/{version}/activate", "/api/v1/pacts/diff"):
        assert path in paths
    assert "409" in paths["/api/v1/pacts/{version}/approvals"]["post"]["responses"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
