"""Real receivers on loopback for the delivery tests: an SMTP server (aiosmtpd) and a webhook receiver (http.server).

Both record every message they accept and dedupe on the idempotency key the way a careful receiver does, so the
tests can assert on what was received (at least once) and on what took effect (exactly once)."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Mailbox:
    """An aiosmtpd handler that keeps every accepted email; `gate` (when given) holds the 250 reply until set."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.received: list[EmailMessage] = []
        self.arrived = threading.Event()
        self.quits = 0
        self.gate = gate
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self._lock:
            self.received.append(message)  # type: ignore[arg-type]
        self.arrived.set()
        if self.gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.quits += 1
        return "221 Bye"

    @property
    def effects(self) -> dict[str, EmailMessage]:
        """The emails that took effect: one per idempotency key, however often it arrived."""
        with self._lock:
            return {str(m["X-Leadpact-Idempotency-Key"]): m for m in self.received}


class StallingMailbox(Mailbox):
    """A Mailbox whose first MAIL FROM waits (up to `hold` seconds) with no reply: a delivery caught mid-way, before
    the message is handed over, so a worker killed meanwhile has sent nothing."""

    def __init__(self, hold: float = 60.0) -> None:
        super().__init__()
        self.hold = hold
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
                          ) -> str:
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, self.hold)
            return "421 Service not available, closing transmission channel"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class SmtpServer:
    """An SMTP server on a free loopback port, delivering into a Mailbox."""

    def __init__(self, mailbox: Mailbox | None = None) -> None:
        self.mailbox = mailbox or Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mailbox.gate is not None:
            self.mailbox.gate.set()
        if isinstance(self.mailbox, StallingMailbox):
            self.mailbox.release.set()
        self.controller.stop()


@dataclass
class Hook:
    """A webhook request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None
    status: int

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP receiver in a thread: answers with `statuses` in turn (then 200), verifies signatures with `secret`."""

    secret: str | None = None
    statuses: list[int] = field(default_factory=list)
    requests: list[Hook] = field(default_factory=list)
    retry_after: str | None = None

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(Hook(self.path, headers, body, receiver.verify(headers, body), status))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if status in (429, 503) and receiver.retry_after is not None:
                    self.send_header("Retry-After", receiver.retry_after)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver error")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, headers: dict[str, str], body: bytes) -> bool | None:
        """Check the signature the way a receiver would: HMAC-SHA256 of `timestamp.body` under the shared secret."""
        if self.secret is None:
            return None
        timestamp = headers.get("x-leadpact-timestamp", "")
        digest = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        expected = "sha256=" + digest
        return hmac.compare_digest(expected, headers.get("x-leadpact-signature", ""))

    @property
    def effects(self) -> dict[str, Hook]:
        """Accepted (2xx) requests, one per idempotency key."""
        return {hook.headers["x-leadpact-idempotency-key"]: hook for hook in self.requests if hook.status < 300}

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until `condition()` is true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@contextmanager
def serving(web: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on loopback (lifespan included) for the duration of the block; yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
