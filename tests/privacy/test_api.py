"""The admin privacy routes: POST /api/v1/privacy/erase and GET /api/v1/privacy/export?email=."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.privacy.models import Erasure
from tests.conftest import LiveServer
from tests.privacy.conftest import EMAIL, NEEDLES, every_value, snapshot


@pytest.fixture
def keys(story) -> dict[str, str]:
    """An admin key named `privacy-bot` and a read key."""
    with session_scope() as session:
        _admin, admin = create_key(session=session, scope="admin", name="privacy-bot", now=datetime.now(UTC))
        _read, read = create_key(session=session, scope="read", name="dashboard", now=datetime.now(UTC))
    return {"admin": admin, "read": read}


@pytest.fixture
def server(story, monkeypatch) -> Iterator[LiveServer]:
    """The API with no worker inside it, so only the requests change the database."""
    monkeypatch.setenv("LEADPACT_EMBEDDED_WORKER", "false")
    with LiveServer() as running:
        yield running


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_export_then_erase_through_the_api_records_the_key_that_asked(story, keys, engine, server) -> None:
    exported = httpx.get(f"{server.url}/api/v1/privacy/export", params={"email": EMAIL},
                         headers=_auth(keys["admin"]))
    assert exported.status_code == 200
    assert [e["message_id"] for e in exported.json()["events"]] == ["zq-1", "zq-2", "zq-3", "zq-4"]

    erased = httpx.post(f"{server.url}/api/v1/privacy/erase", json={"email": EMAIL},
                        headers=_auth(keys["admin"]))
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["actor"] == "key:privacy-bot" and report["people"] == 1 and report["rows"]["events"] == 4
    assert not any(needle.lower() in erased.text.lower() for needle in NEEDLES)
    with session_scope() as session:
        assert session.get(Erasure, report["erasure_id"]).actor == "key:privacy-bot"
    assert not [value for _t, _c, value in every_value(engine) if EMAIL in value]


ADMINS_ONLY = "admins manage users, keys, connectors, channels and privacy"


def test_the_api_refuses_bad_requests_and_changes_nothing(story, keys, engine, server) -> None:
    before = snapshot(engine)
    cases = [
        (httpx.post, "/api/v1/privacy/erase", {"json": {"email": "nobody@acme.example"}}, keys["admin"], 404,
         "nobody is known by nobody@acme.example"),
        (httpx.post, "/api/v1/privacy/erase", {"json": {"email": "not an address"}}, keys["admin"], 422,
         "is not an email address"),
        (httpx.post, "/api/v1/privacy/erase", {"json": {}}, keys["admin"], 422, "body.email: field required"),
        (httpx.post, "/api/v1/privacy/erase", {"json": {"email": EMAIL}}, keys["read"], 403, ADMINS_ONLY),
        (httpx.post, "/api/v1/privacy/erase", {"json": {"email": EMAIL}}, None, 401, "not signed in"),
        (httpx.get, "/api/v1/privacy/export", {"params": {"email": "nobody@acme.example"}}, keys["admin"], 404,
         "nobody is known"),
        (httpx.get, "/api/v1/privacy/export", {}, keys["admin"], 422, "query.email: field required"),
        (httpx.get, "/api/v1/privacy/export", {"params": {"email": EMAIL}}, keys["read"], 403, ADMINS_ONLY),
    ]
    for call, path, options, key, code, words in cases:
        response = call(f"{server.url}{path}", headers=_auth(key) if key else {}, **options)
        assert (response.status_code, words in response.json()["detail"]) == (code, True), (path, response.text)
    assert snapshot(engine) == before
