"""Rate limits per write key: 429 with Retry-After past the budget, which the official clients honour and retry
until every event is stored once; several server processes together never let a key past its budget."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import orjson
import pytest
import segment.analytics as segment_analytics
import segment.analytics.request as segment_request

from leadpact.config import Settings
from leadpact.ingest.ratelimit import budget_for, forget_budgets
from tests.conftest import free_port
from tests.ingest.helpers import event_count, start_server, stored_message_ids, track


@pytest.fixture(autouse=True)
def _full_budgets() -> Iterator[None]:
    forget_budgets()
    yield
    forget_budgets()


def limit(monkeypatch: pytest.MonkeyPatch, rule: str) -> None:
    from leadpact.config import get_settings

    monkeypatch.setenv("LEADPACT_INGEST_RATE_LIMIT", rule)
    get_settings.cache_clear()


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> None:
    """100 messages per second for each write key, in this process: a client that waits gets through soon."""
    limit(monkeypatch, "100/second")


@pytest.fixture
def limited_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """100 messages per minute for each write key: spent, it stays spent for the rest of the test."""
    limit(monkeypatch, "100/minute")


@pytest.fixture
def statuses() -> Iterator[Counter[int]]:
    """The status of every answer the Segment client receives (a hook on its own HTTP session)."""
    seen: Counter[int] = Counter()

    def record(response: object, *args: object, **kwargs: object) -> None:
        seen[response.status_code] += 1  # type: ignore[attr-defined]

    hooks = segment_request._session.hooks["response"]
    hooks.append(record)
    yield seen
    hooks.remove(record)


def test_segment_client_waits_out_429_and_every_event_is_stored_once(limited, live_server, write_key, statuses):
    client = segment_analytics.Client(write_key, host=live_server.url, upload_size=50, max_retries=3)
    sent = [f"rl-{i}" for i in range(400)]
    for message_id in sent:
        client.track("user-1", "Content Downloaded", {"asset_id": message_id}, message_id=message_id)
    client.flush()
    client.shutdown()
    assert statuses[429] >= 1, statuses
    assert statuses[200] >= 8
    assert set(statuses) <= {200, 429}
    assert stored_message_ids() == set(sent)
    assert event_count() == 400


def test_rudderstack_client_retries_429_and_every_event_is_stored_once(limited, live_server, write_key):
    from rudderstack.analytics.client import Client

    client = Client(write_key=write_key, host=live_server.url, upload_size=50, max_retries=10)
    sent = [f"rs-{i}" for i in range(300)]
    for message_id in sent:
        client.track("user-1", "Content Downloaded", {"asset_id": message_id}, message_id=message_id)
    client.flush()
    client.join()
    assert stored_message_ids() == set(sent)
    assert event_count() == 300


def test_past_the_budget_the_answer_is_429_with_retry_after_and_nothing_stored(
    limited_per_minute, live_server, write_key
):
    url = f"{live_server.url}/v1/batch"
    first = httpx.post(url, content=orjson.dumps({"batch": [track() for _ in range(90)]}), auth=(write_key, ""))
    assert first.status_code == 200 and first.json()["stored"] == 90
    refused = httpx.post(url, content=orjson.dumps({"batch": [track() for _ in range(20)]}), auth=(write_key, ""))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["code"] == "rate_limited" and "rate limit" in body["message"] and "retry in" in body["message"]
    assert event_count() == 90


def test_each_key_has_its_own_budget(limited_per_minute, live_server, write_key):
    from datetime import UTC, datetime

    from leadpact.db import session_scope
    from leadpact.keys.service import create_key

    with session_scope() as session:
        _key, other = create_key(session=session, scope="ingest", name="other", now=datetime.now(UTC))
    url = f"{live_server.url}/v1/batch"
    spent = httpx.post(url, content=orjson.dumps({"batch": [track() for _ in range(100)]}), auth=(write_key, ""))
    assert spent.status_code == 200
    assert httpx.post(url, content=orjson.dumps({"batch": [track()]}), auth=(write_key, "")).status_code == 429
    assert httpx.post(url, content=orjson.dumps({"batch": [track()]}), auth=(other, "")).status_code == 200


def test_each_process_enforces_its_share_of_the_budget() -> None:
    budget = budget_for(Settings(ingest_rate_limit="1000/minute", server_processes=4))
    assert budget is not None and budget.item.amount == 250 and budget.item.get_expiry() == 60
    assert budget_for(Settings(ingest_rate_limit="none")) is None
    # A batch larger than the whole budget costs the whole budget: it passes when the key is quiet.
    small = budget_for(Settings(ingest_rate_limit="10/minute"))
    assert small is not None and small.refuse(1, 2_500) is None and small.refuse(1, 1) is not None


def test_two_server_processes_together_stay_within_the_budget(database_url: str, write_key: str) -> None:
    port = free_port()
    # 200 a minute for the key in all; `serve --workers 2` tells each process it is one of two.
    server = start_server(database_url, port=port, workers=2, env={"LEADPACT_INGEST_RATE_LIMIT": "200/minute"})
    answers: Counter[int] = Counter()
    lock = threading.Lock()

    def send() -> None:
        for _ in range(4):
            # A fresh connection each time, so that the kernel spreads them over both processes.
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/batch",
                content=orjson.dumps({"batch": [track() for _ in range(25)]}),
                auth=(write_key, ""),
                headers={"Connection": "close"},
                timeout=60,
            )
            with lock:
                answers[response.status_code] += 1

    try:
        senders = [threading.Thread(target=send) for _ in range(4)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    # 16 requests of 25: each process lets 100 through (four requests), so at most 200 are stored in all.
    assert answers[200] + answers[429] == 16
    assert answers[429] >= 8, answers
    assert event_count() == 25 * answers[200] <= 200
