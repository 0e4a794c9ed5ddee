"""CRM push throughput: handoffs pushed per minute to the HubSpot contract server while it enforces HubSpot's
private-app limit (190 requests per rolling 10 s, 429 beyond), batched through `deliver_due_pushes`, beside the
same pushes delivered one outbox row at a time (no batching) in the same run, and the limit's own ceilings.

Reproduce: `.venv/bin/python bench/crm_push.py [--handoffs 1000] [--unbatched 200]` (SQLite in a temporary
directory; set LEADPACT_BENCH_POSTGRES_URL to run on PostgreSQL)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from leadpact.clock import SimulatedClock, set_clock  # noqa: E402
from leadpact.config import get_settings  # noqa: E402

REQUESTS_PER_HANDOFF_UNBATCHED = 4  # read contact, create contact, create note, create task


def prepare_database(url: str | None, directory: str) -> str:
    """A fresh migrated database (the migrations create the CRM tables); installed as LEADPACT_DATABASE_URL."""
    url = url or f"sqlite:///{directory}/bench.db"
    os.environ["LEADPACT_DATABASE_URL"] = url
    get_settings.cache_clear()
    from leadpact.db import get_engine, migrate

    migrate(get_engine())
    return url


def queue_handoffs(count: int, start: int, now: datetime) -> list[int]:
    """`count` handed-off people at one account, each queued for a HubSpot push."""
    from tests.crm.factories import make_handoffs, sales_rep

    from leadpact.crm import enqueue_push
    from leadpact.db import session_scope

    rep_id = sales_rep(owner_id="101", email=f"rep{start}@northwind.example")
    ids = make_handoffs(count, rep_id=rep_id, start=start)
    with session_scope() as session:
        for handoff_id in ids:
            enqueue_push(session=session, crm="hubspot", handoff_id=handoff_id, now=now)
    return ids


def run(batched: bool, count: int, start: int, clock: SimulatedClock) -> tuple[float, int, int]:
    """Push `count` handoffs to a fresh contract server; return (seconds, requests answered, 429s)."""
    from tests.crm.servers.hubspot_app import create_app
    from tests.crm.servers.hubspot_portal import HubSpotPortal
    from tests.crm.servers.runner import ServerThread

    from leadpact.crm.delivery import deliver_due_pushes
    from leadpact.crm.hubspot import HubSpotConnector
    from leadpact.crm.settings import forget_connectors
    from leadpact.db import get_engine
    from leadpact.outbox.delivery import deliver_due

    portal = HubSpotPortal(rate_limit=190, window=10.0, now=clock.now)
    queue_handoffs(count, start, clock.now())
    with ServerThread(create_app(portal)) as server:
        os.environ |= {"LEADPACT_HUBSPOT_TOKEN": portal.token, "LEADPACT_HUBSPOT_BASE_URL": server.url}
        forget_connectors()
        started = time.perf_counter()
        if batched:
            connector = HubSpotConnector(token=portal.token, base_url=server.url)
            report = deliver_due_pushes(worker_id="bench", clock=clock, connector_factory=lambda _crm: connector)
            assert report.delivered == count, report.errors[:3]
        else:
            delivered = 0
            while delivered < count:  # the outbox worker's own loop: one transport call per row
                report = deliver_due(engine=get_engine(), now=clock.now(), worker_id="bench")
                assert not report.errors, report.errors[:3]
                delivered += report.delivered
        elapsed = time.perf_counter() - started
    assert len(portal.records("contacts")) == count and len(portal.records("tasks")) == count
    return elapsed, len(portal.log), portal.refused


def main() -> None:
    """Run both, print handoffs per minute beside the reference and the rate-limit ceilings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=1000, help="handoffs pushed with batching")
    parser.add_argument("--unbatched", type=int, default=200, help="handoffs pushed one outbox row at a time")
    args = parser.parse_args()
    clock = SimulatedClock(datetime.now(UTC) - timedelta(minutes=1))
    set_clock(clock)
    with tempfile.TemporaryDirectory(prefix="leadpact-crm-bench.") as directory:
        url = prepare_database(os.environ.get("LEADPACT_BENCH_POSTGRES_URL"), directory)
        import leadpact.crm  # noqa: F401 - registers the outbox's crm transport

        print(f"database: {url.split('@')[-1]}; HubSpot contract server enforcing 190 requests / 10 s")
        batched = run(True, args.handoffs, 0, clock)
        unbatched = run(False, args.unbatched, args.handoffs, clock)
    ceiling = 190 / 10 * 60 / REQUESTS_PER_HANDOFF_UNBATCHED
    for label, count, (seconds, requests, refused) in (("batched", args.handoffs, batched),
                                                        ("one row at a time", args.unbatched, unbatched)):
        print(f"{label:>18}: {count} handoffs in {seconds:6.1f} s = {count / seconds * 60:8.0f} handoffs/min "
              f"({requests} requests, {refused} answered 429)")
    print(f"{'reference':>18}: the limit allows {ceiling:.0f} handoffs/min one at a time "
          f"({REQUESTS_PER_HANDOFF_UNBATCHED} requests each); target: {args.handoffs} handoffs in under 120 s")
    speedup = (args.handoffs / batched[0]) / (args.unbatched / unbatched[0])
    verdict = "met" if batched[0] < 120 else "MISSED"
    print(f"{'target':>18}: {verdict}; batching pushes {speedup:.0f}× as many handoffs per minute")


if __name__ == "__main__":
    main()
