"""No API response over the demo's data contains a configured secret: a small demo workspace (the `leadpact demo`
loop), then a Slack channel, a signed webhook, a stored CRM connection and the environment's CRM tokens, the
notifications they were sent (and a receiver that quotes the URL back in its error), and every GET route of the
application's own OpenAPI table called with an admin key."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from sqlalchemy import select

from leadpact import clock as clock_module
from leadpact.crm.models import CrmConnection
from leadpact.db import get_engine, session_scope
from leadpact.demo.run import run_demo
from leadpact.handoff.models import Handoff
from leadpact.keys.service import create_key
from leadpact.outbox import NotificationChannel, handoff_payload, notify
from leadpact.outbox.channels import forget_channels
from leadpact.outbox.delivery import deliver_due
from leadpact.people.models import Person
from tests.conftest import LiveServer, free_port
from tests.outbox.servers import WebhookReceiver
from tests.privacy.conftest import every_value

SLACK_PATH = "/services/T0DEMO42/B0DEMO42/s3cr3tSlackPath9z8y"
WEBHOOK_SECRET = "whsec_demo_9f8e7d6c5b4a3210"
STORED_TOKEN = "pat-demo-stored-0a1b2c3d4e5f6789"
STORED_APP_SECRET = "hubspot-app-secret-demo-5566"
ENV_TOKEN = "pat-demo-environment-9z8y7x6w5v4u"
ENV_SF_TOKEN = "00Ddemo!AQ4AQFakeSessionIdForTheDemo1234"


class QuotingReceiver:
    """A receiver that refuses every post and quotes the path it was called on (as many real ones do)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(404)
                self.end_headers()
                self.wfile.write(f"no_service: nothing listens on {self.path}".encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SLACK_PATH}"

    def __enter__(self) -> QuotingReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A small demo workspace with every kind of secret configured, and the keys to call its API."""
    # run_demo points the process at its workspace and its mailbox: recorded here so they are restored after.
    for name in ("LEADPACT_DATABASE_URL", "LEADPACT_SMTP_HOST", "LEADPACT_SMTP_PORT"):
        monkeypatch.setenv(name, "unset")
    monkeypatch.setenv("LEADPACT_EMBEDDED_WORKER", "false")
    previous = clock_module.get_clock()
    try:
        run_demo(directory=tmp_path / "demo", seed=5, people=120, accounts=25, console=Console(file=io.StringIO()))
    finally:
        clock_module.set_clock(previous)
    monkeypatch.setenv("LEADPACT_HUBSPOT_TOKEN", ENV_TOKEN)
    monkeypatch.setenv("LEADPACT_SALESFORCE_TOKEN", ENV_SF_TOKEN)
    now = datetime.now(UTC)
    with QuotingReceiver() as slack, WebhookReceiver(secret=WEBHOOK_SECRET) as hook:
        with session_scope() as session:
            session.add(NotificationChannel(kind="slack", target=slack.url, topics={}, is_active=True, created_at=now))
            session.add(NotificationChannel(kind="webhook", target=hook.url, secret=WEBHOOK_SECRET, topics={},
                                            is_active=True, created_at=now))
            session.add(CrmConnection(crm="hubspot", base_url="http://127.0.0.1:9", token=STORED_TOKEN,
                                      webhook_secret=STORED_APP_SECRET, options={}, created_at=now, updated_at=now))
            session.flush()
            handoffs = list(session.scalars(select(Handoff).order_by(Handoff.id).limit(3)))
            assert handoffs, "the demo made no handoff"
            for handoff in handoffs:
                notify(session=session, topic="sla.breached", now=now, key=f"secrets-test:{handoff.id}",
                       payload=handoff_payload(session=session, handoff=handoff), rep_id=handoff.rep_id,
                       handoff_id=handoff.id)
        forget_channels()
        deliver_due(engine=get_engine(), now=now, worker_id="secrets-test")
    with session_scope() as session:
        keys = {scope: create_key(session=session, scope=scope, name=f"{scope}-key", now=now)[1]
                for scope in ("admin", "read", "ingest")}
        person = session.scalars(select(Person).where(Person.email.is_not(None)).order_by(Person.id)).first()
        values = {"version": "1", "handoff_id": str(handoffs[0].id), "person_id": str(person.id),
                  "email": person.email, "from": "1", "to": "2"}
    yield {"keys": keys, "values": values,
           "secrets": [slack.url, SLACK_PATH, hook.url, WEBHOOK_SECRET, STORED_TOKEN, STORED_APP_SECRET, ENV_TOKEN,
                       ENV_SF_TOKEN, *keys.values()]}


def calls(spec: dict[str, Any], values: dict[str, str]) -> Iterator[str]:
    """Every GET of the OpenAPI table as a URL, path and required query parameters filled from the workspace;
    reports in each text format, the outbox in each state."""
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        parameters = get.get("parameters", [])
        names = {p["name"] for p in parameters}
        kinds = ["weekly", "monthly", "review-sheet", "quarterly"] if "{kind}" in path else [None]
        for kind in kinds:
            url = path.replace("{kind}", kind or "")
            for name, value in values.items():
                url = url.replace("{" + name + "}", value)
            query = {p["name"]: values[p["name"]] for p in parameters if p.get("required") and p["in"] == "query"}
            variants = [{}]
            if "format" in names and kind:
                variants = [{"format": f} for f in ("html", "md", "csv")]
            if path == "/api/v1/outbox":
                variants = [{}, {"state": "pending"}, {"state": "dead"}, {"state": "delivered"}]
            for variant in variants:
                yield str(httpx.URL(url, params={**query, **variant}))


def test_no_api_response_over_the_demo_contains_a_secret_webhook_url_or_token(demo) -> None:
    secrets = demo["secrets"]
    with LiveServer() as server:
        spec = httpx.get(f"{server.url}/openapi.json").json()
        admin = {"Authorization": f"Bearer {demo['keys']['admin']}"}
        seen: dict[str, str] = {"/openapi.json": httpx.get(f"{server.url}/openapi.json").text}
        for url in calls(spec, demo["values"]):
            response = httpx.get(f"{server.url}{url}", headers=admin, timeout=120)
            assert response.status_code < 500, (url, response.text[:300])
            seen[url] = response.text
        listed = httpx.get(f"{server.url}/api/v1/outbox", params={"limit": 1000}, headers=admin).json()["messages"]
        for message in [m for m in listed if m["state"] != "delivered"][:5]:
            retried = httpx.post(f"{server.url}/api/v1/outbox/{message['id']}/retry", headers=admin)
            seen[f"retry {message['id']}"] = retried.text
        for key in demo["keys"].values():  # a refusal does not echo the key it refused
            wrong = httpx.get(f"{server.url}/api/v1/channels", headers={"Authorization": f"Bearer {key}x"})
            seen[f"refused {key[:6]}"] = wrong.text
    assert len(seen) >= 25
    leaks = [(where, secret) for where, text in seen.items() for secret in secrets if secret in text]
    assert leaks == []
    # Nor does the database hold any of them in the clear (the keys are hashed; the rest sealed or masked).
    stored = [(table, column) for table, column, value in every_value(get_engine()) for secret in secrets
              if secret.lower() in value]
    assert stored == []
    # What an admin is shown instead: masks.
    channels = httpx.Response(200, text=seen["/api/v1/channels"]).json()
    # Scheme, host and the last characters of a long path; nothing of a short one (`/hook`).
    assert {c["kind"]: c["target"].split("127.0.0.1:")[1].split("/", 1)[1] for c in channels} == {
        "slack": "…/••••9z8y", "webhook": "…/••••"}
    assert [c["secret"] for c in channels if c["kind"] == "webhook"] == ["••••3210"]
    connections = {c["crm"]: c for c in httpx.Response(200, text=seen["/api/v1/crm/connections"]).json()}
    assert connections["hubspot"]["token"] == "••••" + ENV_TOKEN[-4:]  # the environment wins over the stored one
    assert connections["hubspot"]["webhook_secret"] == "••••" + STORED_APP_SECRET[-4:]
    assert connections["salesforce"]["token"] == "••••" + ENV_SF_TOKEN[-4:]
    outbox = httpx.Response(200, text=seen["/api/v1/outbox?state=pending"]).json()["messages"]
    failed = [m for m in outbox if m["destination"].startswith("channel:") and m["last_error"]]
    assert failed and all("HTTP 404" in m["last_error"] and "••••" in m["last_error"] for m in failed)
