"""Every HTTP request gets an id (the caller's `X-Request-ID` when it is a sane one, else a new one), echoed in the
response and carried by every log line written while it is served; it is timed, counted and logged once."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from leadpact.telemetry import observe_request, request_id

HEADER = "x-request-id"
# An id from the caller is kept when it is short and plain: it goes into logs and a response header as it is.
SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
log = logging.getLogger("leadpact.http")

Scope = dict[str, Any]


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's id: its `X-Request-ID` when sane, else a new random one."""
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1").strip()
            if SANE.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestTelemetry:
    """ASGI middleware: request id in and out, latency and status counted by route, one access log line."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope.get("headers") or [])
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            observe_request(route=route, method=method, status=status, seconds=seconds)
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %s", method, scope.get("path", ""), status,
                         extra={"method": method, "path": scope.get("path", ""), "route": route, "status": status,
                                "duration_ms": round(seconds * 1000, 2)})
            request_id.reset(token)
