"""Signing HubSpot webhooks the way HubSpot does (v3), independently of the code under test, and posting them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from leadpact.crm.views import router
from tests.crm.servers.runner import ServerThread

WEBHOOK_PATH = "/api/v1/crm/hubspot/webhook"
WEBHOOK_URL = f"https://leadpact.example{WEBHOOK_PATH}"


def sign_v3(secret: str, method: str, uri: str, body: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, method + uri + body + timestamp)), as REFERENCE.md §2 describes."""
    digest = hmac.new(secret.encode(), f"{method}{uri}{body}{timestamp_ms}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(secret: str, body: str, sent_at: datetime, *, uri: str = WEBHOOK_URL) -> dict[str, str]:
    """The headers HubSpot sends with a v3-signed webhook."""
    timestamp = int(sent_at.timestamp() * 1000)
    return {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": str(timestamp),
            "X-HubSpot-Signature-v3": sign_v3(secret, "POST", uri, body, timestamp)}


def webhook_server() -> ServerThread:
    """leadpact's webhook route served on loopback (use as a context manager); `url` is its base URL."""
    app = FastAPI()
    app.include_router(router)
    return ServerThread(app)


def post_raw(server: ServerThread, body: str, headers: dict[str, str]) -> httpx.Response:
    """Post a body to the webhook route."""
    return httpx.post(server.url + WEBHOOK_PATH, content=body, headers=headers, timeout=30)


def post_events(server: ServerThread, events: list[dict[str, Any]], *, secret: str,
                sent_at: datetime) -> httpx.Response:
    """Post events signed with `secret` at `sent_at` for the route's own URL; return the response."""
    body = json.dumps(events)
    return post_raw(server, body, signed_headers(secret, body, sent_at, uri=server.url + WEBHOOK_PATH))
