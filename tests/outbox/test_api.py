"""The outbox API: dead letters listed with counts, and sent again by an admin."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.outbox import enqueue
from leadpact.outbox.views import router
from tests.outbox.servers import serving


def test_dead_letters_are_listed_and_can_be_sent_again(database_url) -> None:
    now = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    with session_scope() as session:
        _, read = create_key(session=session, scope="read", name="r", now=now)
        _, admin = create_key(session=session, scope="admin", name="a", now=now)
        dead = enqueue(session=session, kind="webhook", topic="handoff.created", destination="http://127.0.0.1:9/x",
                       payload={"brief": "b", "_secret": "hidden"}, idempotency_key="k1", now=now)
        dead.state, dead.attempts, dead.last_error = "dead", 8, "HTTP 500"
        enqueue(session=session, kind="email", topic="handoff.created", destination="a@b.test", payload={},
                idempotency_key="k2", now=now)
        dead_id = dead.id
    web = FastAPI()
    web.include_router(router)
    with serving(web) as url:
        client = httpx.Client(base_url=url)
        listed = client.get("/api/v1/outbox", params={"state": "dead"}, headers={"Authorization": f"Bearer {read}"})
        assert listed.status_code == 200
        body = listed.json()
        assert body["counts"] == {"pending": 1, "delivered": 0, "dead": 1}
        [row] = body["messages"]
        assert (row["id"], row["attempts"], row["last_error"]) == (dead_id, 8, "HTTP 500")
        assert "_secret" not in row["payload"]
        refused = client.post(f"/api/v1/outbox/{dead_id}/retry", headers={"Authorization": f"Bearer {read}"})
        assert refused.status_code == 403
        retried = client.post(f"/api/v1/outbox/{dead_id}/retry", headers={"Authorization": f"Bearer {admin}"})
        assert retried.status_code == 200 and retried.json()["state"] == "pending"
        assert retried.json()["attempts"] == 0
        missing = client.post("/api/v1/outbox/999/retry", headers={"Authorization": f"Bearer {admin}"})
        assert missing.status_code == 404
        assert client.get("/api/v1/outbox").status_code == 401
