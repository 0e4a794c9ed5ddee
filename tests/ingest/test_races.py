"""Several server processes on PostgreSQL meeting the same new people and accounts at the same moment: every
request answered 200, every message stored once, each identity and account created once."""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections import Counter

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from leadpact.db import session_scope
from leadpact.people.models import Account, Identity
from tests.conftest import free_port
from tests.ingest.helpers import event_count, launch_server, wait_until_up

ON_POSTGRES = bool(os.environ.get("LEADPACT_TEST_DATABASE_URL"))
SERVERS = 4
SENDERS = 4
ROUNDS = 80
PEOPLE_PER_ROUND = 5


def round_batch(round_number: int, sender: int) -> list[dict]:
    """The people and companies of one round, new to the database, in this sender's own order: visitors who fill
    in a form with their work email (no userId), each on their own device, and their companies' group calls."""
    messages = []
    for j in range(PEOPLE_PER_ROUND):
        domain = f"co{round_number}-{j}.example"
        messages.append(
            {
                "type": "identify",
                "anonymousId": f"anon-{round_number}-{j}-{sender}",
                "messageId": str(uuid.uuid4()),
                "traits": {"email": f"p{j}@{domain}", "company": {"name": f"Company {round_number}-{j}"}},
            }
        )
        messages.append(
            {
                "type": "group",
                "anonymousId": f"anon-{round_number}-{j}-{sender}",
                "groupId": domain,
                "messageId": str(uuid.uuid4()),
                "traits": {"name": f"Company {round_number}-{j}", "website": f"https://{domain}"},
            }
        )
    # Each sender inserts the same new keys in its own order: the recipe for deadlocks as well as duplicates.
    random.Random(round_number * 31 + sender).shuffle(messages)
    return messages


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time: nothing races")
def test_processes_meeting_the_same_new_people_at_once_all_answer_200(database_url: str, write_key: str) -> None:
    ports = [free_port() for _ in range(SERVERS)]
    # Started together, then awaited: each takes seconds to import the application.
    servers = [launch_server(database_url, port=port, env={"LEADPACT_INGEST_RATE_LIMIT": "none"}) for port in ports]
    for server, port in zip(servers, ports, strict=True):
        wait_until_up(server, port)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(SENDERS)

    def sender(number: int) -> None:
        url = f"http://127.0.0.1:{ports[number % SERVERS]}"
        with httpx.Client(base_url=url, auth=(write_key, ""), timeout=120) as client:
            for round_number in range(ROUNDS):
                batch = round_batch(round_number, number)
                start_together.wait(timeout=300)
                try:
                    response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
                except httpx.TransportError as error:  # a server that closed the connection after a failure
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code != 200 or b'"rejected":[]' not in response.content:
                        failures.append(f"{response.status_code} {response.text[:300]}")
                    else:
                        sent.extend(m["messageId"] for m in batch)

    try:
        threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    assert failures == [], f"{statuses}: {failures[:3]}"
    assert statuses == {200: SENDERS * ROUNDS}
    assert event_count() == len(set(sent)) == SENDERS * ROUNDS * PEOPLE_PER_ROUND * 2
    with session_scope() as session:
        emails = session.scalar(select(func.count()).select_from(Identity).where(Identity.kind == "email"))
        assert emails == ROUNDS * PEOPLE_PER_ROUND
        domains = session.scalars(select(Account.domain)).all()
        assert sorted(domains) == sorted(f"co{r}-{j}.example" for r in range(ROUNDS) for j in range(PEOPLE_PER_ROUND))
