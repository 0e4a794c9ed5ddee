"""`/metrics`: counters kept in-process (requests, latency, 5xx, messages ingested and rejected by reason) and
figures read from the database at scrape time (outbox depth and oldest age, open handoffs, SLA breaches); with
PROMETHEUS_MULTIPROC_DIR set, as `leadpact serve --workers N` sets it, every process's counters add up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta

from fastapi import HTTPException
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from leadpact.api import Anyone
from leadpact.app import create_app
from leadpact.outbox import enqueue
from leadpact.telemetry import reason_label
from tests.sla.factories import make_handoff, make_org


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return response.text


def test_ingested_and_rejected_messages_are_counted_by_outcome_and_reason(database_url, write_key) -> None:
    good = {"type": "track", "userId": "u1", "event": "Signed Up", "messageId": "m1"}
    bad = {"type": "track", "userId": "u1", "messageId": "m2"}  # no event name
    with TestClient(create_app()) as client:
        before = scrape(client)
        client.post("/v1/batch", json={"batch": [good, bad]}, auth=(write_key, "")).raise_for_status()
        client.post("/v1/batch", json={"batch": [good]}, auth=(write_key, "")).raise_for_status()
        client.post("/v1/batch", content=b"{not json", auth=(write_key, ""))
        after = scrape(client)
    delta = {outcome: value(after, "leadpact_ingest_messages_total", outcome=outcome)
             - value(before, "leadpact_ingest_messages_total", outcome=outcome)
             for outcome in ("stored", "duplicate", "rejected")}
    assert delta == {"stored": 1, "duplicate": 1, "rejected": 2}
    missing_event = "track requires event: the name of the event"
    assert value(after, "leadpact_ingest_rejected_messages_total", reason=missing_event) - value(
        before, "leadpact_ingest_rejected_messages_total", reason=missing_event) == 1
    # The request refused whole (invalid JSON) is counted under its reason, with the parser's positions taken out.
    refused = {dict(labels)["reason"]: count for (name, labels), count in samples(after).items()
               if name == "leadpact_ingest_rejected_messages_total" and dict(labels)["reason"].startswith("invalid")}
    earlier = {dict(labels)["reason"]: count for (name, labels), count in samples(before).items()
               if name == "leadpact_ingest_rejected_messages_total"}
    assert sum(count - earlier.get(reason, 0) for reason, count in refused.items()) == 1
    assert all(not any(c.isdigit() for c in reason) for reason in refused)


def test_rejection_reasons_become_few_labels_however_many_values_are_sent() -> None:
    assert reason_label("message is 40000 bytes; the limit is 32768 bytes (32 KB)") == \
        reason_label("message is 33001 bytes; the limit is 32768 bytes (32 KB)") == \
        "message is … bytes; the limit is … bytes (… KB)"
    assert reason_label("type must be one of track, page; got 'hack'") == "type must be one of track, page; got …"


def test_requests_latency_and_server_errors_are_counted_by_route(database_url) -> None:
    app = create_app()

    @app.get("/broken/{n}")
    def broken(n: int, _: Anyone) -> None:  # a route with its access rule, as every route has
        raise HTTPException(503, "down for the test")

    with TestClient(app) as client:
        before = scrape(client)
        for n in range(3):
            client.get(f"/broken/{n}")
        client.get("/healthz")
        after = scrape(client)
    route = {"route": "/broken/{n}"}
    assert value(after, "leadpact_http_server_errors_total", **route) - value(
        before, "leadpact_http_server_errors_total", **route) == 3
    assert value(after, "leadpact_http_requests_total", method="GET", status="503", **route) - value(
        before, "leadpact_http_requests_total", method="GET", status="503", **route) == 3
    assert value(after, "leadpact_http_request_seconds_count", method="GET", **route) - value(
        before, "leadpact_http_request_seconds_count", method="GET", **route) == 3
    assert value(after, "leadpact_http_server_errors_total", route="/healthz") == value(
        before, "leadpact_http_server_errors_total", route="/healthz")


def test_outbox_depth_and_age_and_sla_breaches_are_read_from_the_database(database_url, session, clock) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0], now=clock.now())
    handoff.sla_breached_at = clock.now()
    for n, kind in enumerate(("email", "email", "webhook")):
        enqueue(session=session, kind=kind, topic="handoff.created", destination="x", payload={},
                idempotency_key=f"k{n}", now=clock.now())
    dead = enqueue(session=session, kind="slack", topic="handoff.created", destination="x", payload={},
                   idempotency_key="dead", now=clock.now())
    dead.state = "dead"
    session.commit()
    clock.advance(timedelta(minutes=7))
    with TestClient(create_app()) as client:
        text = scrape(client)
    assert value(text, "leadpact_database_up") == 1
    assert value(text, "leadpact_outbox_pending", kind="email") == 2
    assert value(text, "leadpact_outbox_pending", kind="webhook") == 1
    assert value(text, "leadpact_outbox_dead", kind="slack") == 1
    assert value(text, "leadpact_outbox_oldest_pending_seconds") == 420
    assert value(text, "leadpact_handoffs_open") == 1
    assert value(text, "leadpact_sla_breaches_total") == 1


COUNTING = """
import sys
from leadpact.telemetry import observe_ingest
observe_ingest(stored=int(sys.argv[1]), duplicates=0, rejected=["batch has 3000 messages; at most 2500 are allowed"])
"""
SCRAPING = """
from leadpact.db import get_engine
from leadpact.operations import render_metrics
print(render_metrics(get_engine()).decode())
"""


def test_every_process_counts_into_one_scrape_in_multiprocess_mode(database_url, tmp_path) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "LEADPACT_DATABASE_URL": database_url}
    for stored in ("3", "4"):
        subprocess.run([sys.executable, "-c", COUNTING, stored], env=env, check=True, timeout=120)
    text = subprocess.run([sys.executable, "-c", SCRAPING], env=env, check=True, capture_output=True, timeout=120,
                          ).stdout.decode()
    assert value(text, "leadpact_ingest_messages_total", outcome="stored") == 7
    assert value(text, "leadpact_ingest_rejected_messages_total",
                 reason="batch has … messages; at most … are allowed") == 2
    assert value(text, "leadpact_database_up") == 1


def test_serve_shares_one_metrics_directory_and_clears_only_the_clients_files(tmp_path, monkeypatch) -> None:
    from leadpact.operator_commands import share_metrics_between_processes

    (tmp_path / "leadpact.db").write_bytes(b"SQLite format 3\x00")  # an operator's unlucky choice of directory
    (tmp_path / "counter_4242.db").write_bytes(b"stale counts")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert share_metrics_between_processes() == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leadpact.db"]
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    fresh = share_metrics_between_processes()
    try:
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == fresh and os.path.isdir(fresh)
    finally:
        shutil.rmtree(fresh)
