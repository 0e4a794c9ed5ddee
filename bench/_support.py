"""Shared pieces of the benchmarks: a throwaway PostgreSQL, a `leadpact serve` subprocess, message mixes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
def leadpact_server(database_url: str, *, workers: int = 1) -> Iterator[str]:
    """Run `leadpact serve` on `database_url` in a subprocess and yield its base URL."""
    port = free_port()
    # One write key sends the whole load: a budget it never reaches, so that the limiter runs (its cost is
    # measured) but never refuses.
    env = {"LEADPACT_INGEST_RATE_LIMIT": "1000000000/minute", **os.environ, "LEADPACT_DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "leadpact.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port), "--workers", str(workers)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
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
