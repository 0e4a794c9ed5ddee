"""Small builders for Segment messages used by the ingest tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from leadpact.db import session_scope
from leadpact.ingest.models import Event


def track(event: str = "Content Downloaded", **fields: Any) -> dict[str, Any]:
    """A valid track message with a fresh messageId."""
    return {
        "type": "track",
        "event": event,
        "anonymousId": "anon-1",
        "messageId": str(uuid.uuid4()),
        "timestamp": "2026-09-30T10:00:00Z",
        "properties": {},
        **fields,
    }


def stored_message_ids() -> set[str]:
    """The messageIds stored in the current test database."""
    with session_scope() as session:
        return set(session.scalars(select(Event.message_id)))


def event_count() -> int:
    """How many events the current test database holds."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


def start_server(
    database_url: str, *, port: int, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `leadpact serve` on `database_url` in a subprocess and return it once /healthz answers."""
    return wait_until_up(launch_server(database_url, port=port, workers=workers, env=env), port)


def launch_server(
    database_url: str, *, port: int, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `leadpact serve` on `database_url` in a subprocess, without waiting for it."""
    environment = {**os.environ, "LEADPACT_DATABASE_URL": database_url, "LEADPACT_EMBEDDED_WORKER": "0", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "leadpact.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=environment,
    )


def wait_until_up(process: subprocess.Popen[bytes], port: int) -> subprocess.Popen[bytes]:
    """Return the server process once its /healthz answers (stopping it and failing if it never does)."""
    # Generous: on a loaded machine, importing the application in each worker takes tens of seconds.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=30)
    raise AssertionError("leadpact serve did not come up")
