"""Speed to lead: from a hot signal entering POST /v1/batch to the rep's notification accepted by an SMTP server,
p50/p99, under 1,000 events/s of background tracking load asked (the rate the background actually reached while
the leads were timed is printed beside it), beside the reference: the same path with no load. Target: p99 at
most 1 s on SQLite.

The server is the embedded default (`leadpact serve`: API, live evaluation, handoffs and the worker in one
process) on SQLite, or on PostgreSQL with --postgres. Each hot lead has its context (identify, two pages) sent
beforehand; the timed request carries only its `Demo Requested` track. The SMTP server records when the email
naming the lead arrives.

Reproduce: `.venv/bin/python bench/speed_to_lead.py [--leads 40] [--load 1000] [--postgres]`."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import create_write_key, free_port, throwaway_postgres  # noqa: E402
from leadpact.db import make_engine, migrate, session_factory  # noqa: E402

LEAD_EMAIL = re.compile(r"hot-[0-9a-f]+-\d+@acme\.example")


class Inbox:
    """An aiosmtpd handler that notes when the email naming each hot lead arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.time()
        body = message_from_bytes(envelope.content, policy=default)
        text = body.get_body(("plain",)).get_content() if body.is_multipart() else body.get_content()
        self.count += 1
        for email in LEAD_EMAIL.findall(f"{body['Subject']}\n{text}"):
            self.arrivals.setdefault(email, arrived)
        return "250 OK"


def serve(port: int) -> None:
    """The server process: the app with live evaluation, handoffs and the embedded worker."""
    import uvicorn

    from leadpact.app import create_app

    app = create_app()  # the composition root: live evaluation, handoffs and the embedded worker
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def build_world(database_url: str) -> None:
    """Activate the Northwind pact with its catalog, and a North America team with two reps and a manager."""
    from tests.handoff.factories import NORTHWIND, activate, add_catalog, make_rep, make_team, make_user

    engine = make_engine(database_url)
    migrate(engine)
    with session_factory(engine)() as session:
        activate(session, NORTHWIND)
        add_catalog(session)
        manager = make_user(session, "mia@nw.example", "Mia Manager", "manager")
        north = make_team(session, "north_america", manager=manager, timezone="America/New_York")
        make_team(session, "global")
        make_rep(session, "sam@nw.example", "Sam Park", north)
        make_rep(session, "kim@nw.example", "Kim Ode", north)
        session.commit()
    engine.dispose()


def stamp(moment: datetime) -> str:
    """An ISO timestamp as Segment sends it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def context_messages(email: str, user_id: str, now: datetime) -> list[dict[str, Any]]:
    """What makes a lead's context complete: who they are and what they read, over the last days."""
    company = {"name": "Acme", "industry": "software", "employee_count": 800, "country": "US"}
    traits = {"email": email, "firstName": "Jo", "lastName": "Smith", "title": "VP Data", "department": "data",
              "seniority": "vp", "company": company}
    identify = {"type": "identify", "userId": user_id, "messageId": f"i-{user_id}",
                "timestamp": stamp(now - timedelta(days=3)), "traits": traits}
    pages = [{"type": "page", "userId": user_id, "messageId": f"p-{user_id}-{n}",
              "timestamp": stamp(now - timedelta(days=days)), "properties": {"path": path}}
             for n, (path, days) in enumerate((("/guides/cutting-warehouse-cost", 2), ("/pricing", 1)))]
    return [identify, *pages]


def demo_request(user_id: str) -> dict[str, Any]:
    """The hot signal."""
    return {"type": "track", "userId": user_id, "event": "Demo Requested", "messageId": f"d-{user_id}",
            "timestamp": stamp(datetime.now(UTC)), "properties": {"form": "demo"},
            "context": {"page": {"path": "/demo"}}}


class BackgroundLoad:
    """Anonymous browsing sent through /v1/batch at a target rate by a few senders, until stopped."""

    def __init__(self, url: str, key: str, rate: int, senders: int = 4, batch: int = 100) -> None:
        self.url, self.key, self.rate, self.senders, self.batch = url, key, rate, senders, batch
        self.stop = threading.Event()
        self.sent = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._send, args=(n,), daemon=True) for n in range(senders)]

    def _send(self, sender: int) -> None:
        interval = self.batch * self.senders / self.rate  # seconds between this sender's batches
        with httpx.Client(base_url=self.url, auth=(self.key, ""), timeout=60) as client:
            next_at = time.monotonic() + sender * interval / self.senders
            while not self.stop.is_set():
                now = stamp(datetime.now(UTC))
                batch = [{"type": "page", "anonymousId": f"anon-{sender}-{n % 500}", "messageId": uuid.uuid4().hex,
                          "timestamp": now, "properties": {"path": f"/blog/post-{n % 40}"}}
                         for n in range(self.batch)]
                response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}),
                                        headers={"Content-Type": "application/json"})
                if response.status_code == 200:
                    with self.lock:
                        self.sent += self.batch
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> BackgroundLoad:
        for thread in self.threads:
            thread.start()
        time.sleep(2)  # let the load settle before timing anything
        return self

    def mark(self) -> tuple[float, int]:
        """The moment and the events stored so far: where a timed window starts."""
        with self.lock:
            return time.monotonic(), self.sent

    def rate_since(self, mark: tuple[float, int]) -> float:
        """Events/s stored from `mark` until now: the load the timed window actually ran under."""
        started, sent = mark
        with self.lock:
            return (self.sent - sent) / (time.monotonic() - started)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def time_leads(url: str, key: str, inbox: Inbox, leads: int, run: str) -> tuple[list[float], list[float]]:
    """Send each lead's context, then time its hot signal to its email; return the latencies in ms, and the
    request's own (ingest, evaluation, handoff and outbox row, committed) for comparison."""
    now = datetime.now(UTC)
    people = [(f"hot-{run}-{n}@acme.example", f"hot-{run}-{n}") for n in range(leads)]
    latencies, requests = [], []
    with httpx.Client(base_url=url, auth=(key, ""), timeout=60) as client:
        for email, user_id in people:
            client.post("/v1/batch", json={"batch": context_messages(email, user_id, now)}).raise_for_status()
        time.sleep(1)
        for email, user_id in people:
            sent = time.time()
            client.post("/v1/batch", json={"batch": [demo_request(user_id)]}).raise_for_status()
            requests.append((time.time() - sent) * 1000)
            deadline = time.monotonic() + 30
            while email not in inbox.arrivals and time.monotonic() < deadline:
                time.sleep(0.002)
            if email not in inbox.arrivals:
                raise SystemExit(f"no notification for {email} within 30 s: is the hot lead handed off?")
            latencies.append((inbox.arrivals[email] - sent) * 1000)
            time.sleep(0.2)
    return latencies, requests


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile, interpolated between ranks."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(database_url: str, leads: int, load: int) -> None:
    """Run the reference and the loaded measurement against one server and print both."""
    from aiosmtpd.controller import Controller

    build_world(database_url)
    key = create_write_key(database_url)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = {**os.environ, "LEADPACT_DATABASE_URL": database_url, "LEADPACT_SMTP_HOST": "127.0.0.1",
           "LEADPACT_SMTP_PORT": str(smtp.port), "LEADPACT_EMBEDDED_WORKER": "true"}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        reference, reference_requests = time_leads(url, key, inbox, leads, uuid.uuid4().hex[:6])
        with BackgroundLoad(url, key, load) as background:
            window = background.mark()
            loaded, loaded_requests = time_leads(url, key, inbox, leads, uuid.uuid4().hex[:6])
            achieved = background.rate_since(window)
        report("no background load (reference)", reference, reference_requests)
        report(f"background {achieved:,.0f} ev/s (asked {load:,})", loaded, loaded_requests)
        if achieved < 0.95 * load:
            print(f"  note: while the leads were timed the background load reached {achieved:,.0f} of the {load:,} "
                  "events/s asked (the server or this machine could not keep up)")
    finally:
        server.terminate()
        server.wait(30)
        smtp.stop()


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait for the server's health check."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("the server did not come up")
        time.sleep(0.1)


def report(label: str, latencies: list[float], requests: list[float]) -> None:
    """Print p50 / p99 / max of a run, then its two legs: the request (ingest, evaluation, handoff and outbox row,
    committed) and what came after its response (worker, SMTP; below zero when the email beat the response)."""
    after = [total - request for total, request in zip(latencies, requests, strict=True)]
    print(f"  {label:<34} p50 {statistics.median(latencies):>6.0f} ms  p99 {percentile(latencies, 0.99):>6.0f} ms"
          f"  max {max(latencies):>6.0f} ms   ({len(latencies)} hot leads)")
    print(f"  {'':<34} request alone p50 {statistics.median(requests):>4.0f} ms  p99 {percentile(requests, 0.99):>4.0f}"
          f" ms; after its response p50 {statistics.median(after):>4.0f} ms  p99 {percentile(after, 0.99):>4.0f} ms")


def main() -> None:
    """Run the benchmark and print the figures beside their reference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=40, help="hot leads timed per run")
    parser.add_argument("--load", type=int, default=1000, help="background events per second")
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print("hot signal (POST /v1/batch) → rep's email accepted by SMTP, embedded worker")
    with tempfile.TemporaryDirectory() as directory:
        print("SQLite")
        measure(f"sqlite:///{directory}/speed.db", args.leads, args.load)
    if args.postgres:
        with throwaway_postgres() as server:
            if server is None:
                print("PostgreSQL: skipped (not root and LEADPACT_BENCH_POSTGRES_URL unset)")
                return
            from bench.ingest import fresh_postgres_database

            print("PostgreSQL")
            measure(fresh_postgres_database(server), args.leads, args.load)


if __name__ == "__main__":
    main()
