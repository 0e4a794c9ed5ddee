"""Shared pieces of the benchmarks: a throwaway PostgreSQL, a `leadpact serve` subprocess, message mixes."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port() -> int:
    """Return a TCP port free on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Start a PostgreSQL 15 in a temporary directory (as the postgres user) and yield its URL.

    Uses LEADPACT_BENCH_POSTGRES_URL when set; yields None when neither is possible."""
    if os.environ.get("LEADPACT_BENCH_POSTGRES_URL"):
        yield os.environ["LEADPACT_BENCH_POSTGRES_URL"]
        return
    if os.geteuid() != 0 or not os.path.exists(f"{PG_BIN}/initdb"):
        yield None
        return
    directory = tempfile.mkdtemp(prefix="leadpact-bench-pg.")
    shutil.chown(directory, "postgres", "postgres")
    port = free_port()
    run = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run, f"{PG_BIN}/initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "leadpact"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"
    subprocess.run([*run, f"{PG_BIN}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-o", options,
                    "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://leadpact@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run, f"{PG_BIN}/pg_ctl", "-D", f"{directory}/data", "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def leadpact_server(database_url: str) -> Iterator[str]:
    """Run `leadpact serve` on `database_url` in a subprocess and yield its base URL."""
    port = free_port()
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "leadpact.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("leadpact serve did not come up")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def create_write_key(database_url: str) -> str:
    """Create an ingest key through the CLI, exactly as an operator would."""
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url}
    output = subprocess.run([sys.executable, "-m", "leadpact.cli", "keys", "create", "--scope", "ingest"],
                            env=env, check=True, capture_output=True, text=True).stdout
    return output.strip().splitlines()[-1]


def message_mix(count: int, *, people: int, seed: int = 1) -> list[dict[str, Any]]:
    """A realistic mix of Segment messages: page views and tracks from anonymous visitors, a share of
    whom identify (with traits and a company), some groups; timestamps spread over 60 days."""
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    domains = [f"company{i}.example" for i in range(max(1, people // 5))]
    identified: set[int] = set()
    messages = []
    for i in range(count):
        visitor = rng.randrange(people)
        when = (start + timedelta(seconds=i * 60 * 86400 // max(count, 1))).isoformat().replace("+00:00", "Z")
        base: dict[str, Any] = {"anonymousId": f"anon-{visitor}", "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
                                "timestamp": when}
        if visitor in identified:
            base["userId"] = f"user-{visitor}"
        roll = rng.random()
        if roll < 0.03 and visitor not in identified:
            identified.add(visitor)
            domain = domains[visitor % len(domains)]
            messages.append({**base, "type": "identify", "userId": f"user-{visitor}", "traits": {
                "email": f"person{visitor}@{domain}", "firstName": "Sam", "title": "Director of Data",
                "company": {"name": domain.split(".")[0].title(), "industry": "software", "employee_count": 800}}})
        elif roll < 0.60:
            path = rng.choice(["/blog/pipelines", "/pricing", "/product/lineage", "/guides/warehouse-cost", "/"])
            messages.append({**base, "type": "page", "name": path, "properties": {"path": path},
                             "context": {"page": {"path": path},
                                         "campaign": {"source": "google", "medium": "cpc", "name": "brand"}}})
        else:
            event = rng.choice(["Content Downloaded", "Email Opened", "Email Clicked", "Webinar Attended"])
            messages.append({**base, "type": "track", "event": event,
                             "properties": {"asset_id": f"asset-{rng.randrange(60)}"}})
    return messages
