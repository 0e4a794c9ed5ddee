"""Generic and Slack webhooks against a real HTTP receiver: signatures, retries with backoff, dead letters."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.clock import SimulatedClock
from leadpact.outbox import NotificationChannel, OutboxMessage, notify
from leadpact.outbox.channels import forget_channels
from leadpact.outbox.delivery import deliver_due
from leadpact.outbox.transports import verify
from tests.outbox.servers import WebhookReceiver
from tests.sla.factories import make_handoff, make_org

SECRET = "whsec_test_0123456789"


def _channel(session: Session, kind: str, url: str, secret: str | None = None, topics: list[str] | None = None
             ) -> None:
    session.add(NotificationChannel(kind=kind, target=url, secret=secret, topics={"topics": topics or []},
                                    is_active=True, created_at=session.info.get("now")))
    session.flush()


def _announce(session: Session, clock: SimulatedClock, key: str = "handoff.created:1") -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    notify(session=session, topic="handoff.created", now=clock.now(), key=key, handoff_id=handoff.id,
           payload={"handoff_id": handoff.id, "tier": "hot", "brief": "Ada runs engineering.",
                    "person": {"name": "Ada"}, "sla_due_at": "2026-10-01T09:15:00.000Z",
                    "timeline_link": f"/handoffs/{handoff.id}"})
    session.commit()


def _rows(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)
                                .execution_options(populate_existing=True)))


def test_a_signed_webhook_verifies_with_the_secret_and_not_with_another(engine, session, clock) -> None:
    with WebhookReceiver(secret=SECRET) as receiver:
        session.info["now"] = clock.now()
        _channel(session, "webhook", receiver.url, secret=SECRET)
        _announce(session, clock)
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1

    [hook] = receiver.requests
    assert hook.verified is True
    assert hook.headers["x-leadpact-timestamp"] == str(int(clock.now().timestamp()))
    # The row names the channel: its URL and secret are read at delivery, never copied into the row or its key.
    assert hook.headers["x-leadpact-idempotency-key"] == "handoff.created:1:webhook:channel:1"
    [row] = _rows(session)
    assert row.destination == "channel:1" and row.payload.get("_secret") is None
    assert receiver.url not in json.dumps(row.payload) + row.idempotency_key and SECRET not in json.dumps(row.payload)
    timestamp, signature = hook.headers["x-leadpact-timestamp"], hook.headers["x-leadpact-signature"]
    assert signature.startswith("sha256=")
    assert verify(SECRET, timestamp, hook.body, signature)
    assert not verify("another secret", timestamp, hook.body, signature)
    assert not verify(SECRET, str(int(timestamp) + 1), hook.body, signature)  # a replayed, re-stamped body fails
    assert not verify(SECRET, timestamp, hook.body.replace(b"Ada", b"Eve"), signature)
    body = hook.json
    assert body["topic"] == "handoff.created" and body["id"] == hook.headers["x-leadpact-idempotency-key"]
    assert body["data"]["brief"] == "Ada runs engineering."
    assert "_secret" not in body["data"] and SECRET.encode() not in hook.body


def test_a_receiver_with_the_wrong_secret_rejects_the_signature(engine, session, clock) -> None:
    with WebhookReceiver(secret="not the channel's secret") as receiver:
        session.info["now"] = clock.now()
        _channel(session, "webhook", receiver.url, secret=SECRET)
        _announce(session, clock)
        deliver_due(engine=engine, now=clock.now(), worker_id="w1")
    assert [hook.verified for hook in receiver.requests] == [False]


def test_a_failing_receiver_is_retried_with_growing_backoff_until_it_accepts(engine, session, clock) -> None:
    with WebhookReceiver(secret=SECRET, statuses=[500, 500, 503]) as receiver:
        session.info["now"] = clock.now()
        _channel(session, "webhook", receiver.url, secret=SECRET)
        _announce(session, clock)
        waits = []
        for _ in range(4):
            report = deliver_due(engine=engine, now=clock.now(), worker_id="w1")
            assert report.claimed == 1
            [row] = _rows(session)
            if row.state == "pending":
                waits.append((row.next_attempt_at - clock.now()).total_seconds())
                assert deliver_due(engine=engine, now=row.next_attempt_at - timedelta(seconds=1),
                                   worker_id="w1").claimed == 0
                clock.set(row.next_attempt_at)
    [row] = _rows(session)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 4, None)
    assert [hook.status for hook in receiver.requests] == [500, 500, 503, 200]
    # Equal jitter on 30 s doubling: each wait lies in [base·2ⁿ⁻¹/2, base·2ⁿ⁻¹].
    for attempt, wait in enumerate(waits, start=1):
        ceiling = 30 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling
    # Every attempt carried the same idempotency key and signed body id: one effect at the receiver.
    assert len({hook.headers["x-leadpact-idempotency-key"] for hook in receiver.requests}) == 1
    assert len(receiver.effects) == 1 and all(hook.verified for hook in receiver.requests)


def test_retry_after_from_the_receiver_is_honoured(engine, session, clock) -> None:
    with WebhookReceiver(statuses=[429]) as receiver:
        session.info["now"] = clock.now()
        _channel(session, "webhook", receiver.url)
        _announce(session, clock)
        receiver.retry_after = "120"
        deliver_due(engine=engine, now=clock.now(), worker_id="w1")
    [row] = _rows(session)
    assert row.state == "pending"
    assert row.next_attempt_at == clock.now() + timedelta(seconds=120)


def test_after_the_last_attempt_the_row_is_dead_and_listed_by_the_cli(engine, session, clock, monkeypatch) -> None:
    monkeypatch.setenv("LEADPACT_OUTBOX_MAX_ATTEMPTS", "3")
    with WebhookReceiver(statuses=[500] * 10) as receiver:
        session.info["now"] = clock.now()
        _channel(session, "webhook", receiver.url, secret=SECRET)
        _announce(session, clock)
        states = []
        for _ in range(5):
            deliver_due(engine=engine, now=clock.now(), worker_id="w1")
            [row] = _rows(session)
            states.append((row.state, row.attempts))
            clock.advance(timedelta(hours=1))
    assert states == [("pending", 1), ("pending", 2), ("dead", 3), ("dead", 3), ("dead", 3)]
    assert len(receiver.requests) == 3

    runner = CliRunner()
    listed = runner.invoke(app, ["outbox", "list", "--state", "dead", "--json"])
    assert listed.exit_code == 0, listed.output
    [dead] = json.loads(listed.output)
    assert dead["state"] == "dead" and dead["attempts"] == 3 and "HTTP 500" in dead["last_error"]
    assert dead["destination"] == "channel:1" and "_secret" not in dead["payload"]
    assert receiver.url not in listed.output and SECRET not in listed.output
    text = runner.invoke(app, ["outbox", "list", "--state", "dead"])
    assert f"#{dead['id']}" in text.output and "dead" in text.output and "HTTP 500" in text.output
    assert runner.invoke(app, ["outbox", "list", "--state", "pending", "--json"]).output.strip() == "[]"

    with WebhookReceiver(secret=SECRET) as healthy:
        retried = runner.invoke(app, ["outbox", "retry", str(dead["id"])])
        assert retried.exit_code == 0 and "due again now" in retried.output
        channel = session.scalars(select(NotificationChannel)).one()
        channel.target = healthy.url  # the operator fixed the channel's address: every row of it follows
        session.commit()
        forget_channels()
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1
    assert _rows(session)[0].state == "delivered"
    again = runner.invoke(app, ["outbox", "retry", str(dead["id"])])
    assert again.exit_code == 2 and "was delivered" in again.output


def test_slack_gets_text_and_blocks(engine, session, clock) -> None:
    with WebhookReceiver() as slack:
        session.info["now"] = clock.now()
        _channel(session, "slack", slack.url, topics=["handoff.created"])
        _announce(session, clock)
        deliver_due(engine=engine, now=clock.now(), worker_id="w1")
    [hook] = slack.requests
    body = hook.json
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith("New HOT lead: Ada, respond by Thu 01 Oct 09:15 UTC")
    assert "Ada runs engineering." in body["text"] and "http://127.0.0.1:8000/handoffs/" in body["text"]
    assert body["blocks"][0]["type"] == "header"
    assert any("Timeline" in json.dumps(block) for block in body["blocks"])
