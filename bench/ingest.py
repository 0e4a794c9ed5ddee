"""Ingest throughput: sustained events/s through POST /v1/batch (100-message batches, concurrent senders) on
SQLite and PostgreSQL, beside the raw rate of inserting the same rows directly in one transaction, same run.
The events are the demo company's (anonymous browsing, identifies with company traits, groups, tracks), in
time order.

The server is `leadpact serve --workers N` with one process per core by default (SQLite still has one writer at
a time: the processes take turns through a file lock while the others parse requests).

Sustained means the server sets the pace, not the senders' round trips: each sender waits for its answer, which
comes after the commit, so with few senders the server idles between commits while their next batches travel.
The default of 16 senders keeps batches queued (measured on 2 cores: 4 senders leave the writer waiting for
work). The first --warmup events (server start-up, first connections) are sent before the clock starts and are
stored and checked like the rest.

Reproduce: `.venv/bin/python bench/ingest.py [--people 3000] [--senders 16] [--workers 1 2]` (as root, it starts
its own throwaway PostgreSQL 15; or set LEADPACT_BENCH_POSTGRES_URL)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import create_write_key, leadpact_server, throwaway_postgres  # noqa: E402
from leadpact.db import make_engine, migrate, normalise_url  # noqa: E402
from leadpact.demo import generate_company  # noqa: E402
from leadpact.ingest.models import Event  # noqa: E402
from leadpact.ingest.service import parse_batch  # noqa: E402


def send_batches(
    url: str, key: str, messages: list[dict], *, batch_size: int, senders: int, warmup: int = 0
) -> float:
    """Send every message through /v1/batch with `senders` concurrent clients; return the events/s of all but
    the first `warmup` messages, which are sent before the clock starts."""
    if warmup:
        send_batches(url, key, messages[:warmup], batch_size=batch_size, senders=senders)
        messages = messages[warmup:]
    batches = [orjson.dumps({"batch": messages[i : i + batch_size]}) for i in range(0, len(messages), batch_size)]
    errors: list[str] = []

    def send(share: list[bytes]) -> None:
        with httpx.Client(base_url=url, auth=(key, ""), timeout=120) as client:
            for body in share:
                response = client.post("/v1/batch", content=body, headers={"Content-Type": "application/json"})
                if response.status_code != 200 or response.json()["rejected"]:
                    errors.append(response.text[:200])

    threads = [threading.Thread(target=send, args=(batches[i::senders],)) for i in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"ingest failed: {errors[:3]}")
    return len(messages) / elapsed


def through_api(
    database_url: str, messages: list[dict], *, batch_size: int, senders: int, workers: int = 1, warmup: int = 0
) -> float:
    """Send every message through /v1/batch of a `leadpact serve` on `database_url`; return the events/s after
    the first `warmup` messages."""
    migrate(make_engine(database_url))
    key = create_write_key(database_url)
    with leadpact_server(database_url, workers=workers) as url:
        rate = send_batches(url, key, messages, batch_size=batch_size, senders=senders, warmup=warmup)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
    engine.dispose()
    if stored != len(messages):
        raise SystemExit(f"stored {stored} events, sent {len(messages)}")
    return rate


def raw_insert(database_url: str, messages: list[dict]) -> float:
    """Insert the same events as plain rows in one transaction (no API, no identity): the reference."""
    engine = make_engine(database_url)
    migrate(engine)
    parsed, _ = parse_batch(messages, received_at=datetime.now(UTC))
    rows = [{"message_id": m.message_id, "type": m.type, "event": m.event, "name": m.name, "person_id": None,
             "anonymous_id": m.anonymous_id, "user_id": m.user_id, "timestamp": m.timestamp,
             "received_at": m.received_at, "properties": m.properties, "context": m.context, "traits": m.traits,
             "path": m.path, "asset_id": m.asset_id, "channel": m.channel, "utm_source": m.utm_source,
             "utm_medium": m.utm_medium, "utm_campaign": m.utm_campaign} for m in parsed]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(Event.__table__.insert(), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(rows) / elapsed


def fresh_postgres_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return normalise_url(server_url).rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    """Run the benchmark and print the figures beside their references."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=3_000, help="identified people of the demo company")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--senders", type=int, default=16, help="concurrent clients, each waiting for its answer")
    parser.add_argument("--warmup", type=int, default=2_000, help="events sent before the clock starts")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1],
                        help="leadpact serve process counts to measure (SQLite); PostgreSQL uses the first")
    args = parser.parse_args()
    messages = list(generate_company(people=args.people, accounts=max(10, args.people // 4)).iter_events())
    print(f"{len(messages):,} demo events ({args.people:,} identified people and their anonymous visitors), "
          f"batches of {args.batch_size}, {args.senders} concurrent senders, "
          f"the first {args.warmup:,} untimed")
    with tempfile.TemporaryDirectory() as directory:
        raw = raw_insert(f"sqlite:///{directory}/raw.db", messages)
        for workers in dict.fromkeys(args.workers):
            api = through_api(f"sqlite:///{directory}/api-{workers}.db", messages, batch_size=args.batch_size,
                              senders=args.senders, workers=workers, warmup=args.warmup)
            print(f"SQLite      /v1/batch: {api:>9,.0f} events/s   raw insert: {raw:>9,.0f} rows/s   "
                  f"ratio {api / raw:.2f}   serve --workers {workers}   (target ≥ 10,000 events/s)")
    with throwaway_postgres() as server:
        if server is None:
            print("PostgreSQL: skipped (not root and LEADPACT_BENCH_POSTGRES_URL unset)")
            return
        workers = args.workers[0]
        api = through_api(fresh_postgres_database(server), messages, batch_size=args.batch_size,
                          senders=args.senders, workers=workers, warmup=args.warmup)
        raw = raw_insert(fresh_postgres_database(server), messages)
        print(f"PostgreSQL  /v1/batch: {api:>9,.0f} events/s   raw insert: {raw:>9,.0f} rows/s   "
              f"ratio {api / raw:.2f}   serve --workers {workers}")


if __name__ == "__main__":
    main()
