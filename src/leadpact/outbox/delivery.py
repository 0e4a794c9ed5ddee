"""Working the outbox: claim due rows under a lease (`leadpact.outbox.leases`), deliver outside any transaction,
record the outcome.

Delivery is at least once: a worker that dies after the receiver accepted a message but before it recorded the
success leaves the row pending; when its lease lapses another worker sends it again with the same idempotency key
(the email's Message-ID, the webhooks' X-Leadpact-Idempotency-Key), and the receiver drops the repeat. At-least-once
delivery plus an idempotency key is an exactly-once effect."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from leadpact.clock import Clock
from leadpact.outbox.leases import Leases
from leadpact.outbox.models import OutboxMessage
from leadpact.outbox.settings import OutboxSettings, get_outbox_settings
from leadpact.outbox.transports import Delivery, DeliveryError, get_transport

log = logging.getLogger(__name__)
outbox = OutboxMessage.__table__


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(
    *, engine: Engine, now: datetime, worker_id: str, clock: Clock | None = None,
    settings: OutboxSettings | None = None, leases: Leases | None = None,
) -> DeliveryReport:
    """Claim one batch of due rows, deliver each and record the outcome; return what happened. The rows' leases are
    renewed while the batch is delivered: by the worker's own `leases` when given, else for this call."""
    settings = settings or get_outbox_settings()
    if leases is None:
        own = worker_leases(engine=engine, worker_id=worker_id, now=clock.now if clock is not None else lambda: now,
                            settings=settings)
        with own.renewing():
            return deliver_due(engine=engine, now=now, worker_id=worker_id, clock=clock, settings=settings,
                               leases=own)
    report = DeliveryReport()
    for delivery in leases.claim(limit=settings.outbox_batch_size, now=now):
        report.claimed += 1
        outcome = deliver_one(delivery)
        finished = clock.now() if clock is not None else now
        state = record_outcome(engine=engine, delivery=delivery, error=outcome, now=finished, worker_id=worker_id,
                               settings=settings)
        leases.let_go([delivery])
        if state == "delivered":
            report.delivered += 1
        elif state == "dead":
            report.dead += 1
        elif state == "pending":
            report.retried += 1
        if outcome is not None:
            report.errors.append(f"#{delivery.id} {delivery.kind} {delivery.destination}: {outcome}")
    return report


def worker_leases(*, engine: Engine, worker_id: str, now: Callable[[], datetime],
                  settings: OutboxSettings | None = None) -> Leases:
    """The leases of one worker as the settings size them (LEADPACT_OUTBOX_LEASE_SECONDS, _MAX_HOLD_SECONDS)."""
    settings = settings or get_outbox_settings()
    return Leases(engine=engine, worker_id=worker_id, lease=timedelta(seconds=settings.outbox_lease_seconds),
                  max_hold=timedelta(seconds=settings.outbox_max_hold_seconds), now=now)


def deliver_one(delivery: Delivery) -> DeliveryError | None:
    """Hand the delivery to its transport; return the error of a failed attempt, or None on success."""
    try:
        get_transport(delivery.kind)(delivery)
    except DeliveryError as error:
        return error
    except Exception as error:  # a transport bug must cost one attempt, not the worker
        log.exception("transport %s failed on outbox #%s", delivery.kind, delivery.id)
        return DeliveryError(f"{type(error).__name__}: {error}")
    return None


def record_outcome(
    *, engine: Engine, delivery: Delivery, error: DeliveryError | None, now: datetime, worker_id: str,
    settings: OutboxSettings,
) -> str | None:
    """Mark the row delivered, due again after a backoff, or dead; return its new state (None: someone else's)."""
    state, statement = outcome_statement(delivery=delivery, error=error, now=now, worker_id=worker_id,
                                         settings=settings)
    with engine.begin() as connection:
        changed = connection.execute(statement).rowcount
    return state if changed else None


def record_outcomes(
    *, engine: Engine, outcomes: list[tuple[Delivery, DeliveryError | None, datetime]], worker_id: str,
    settings: OutboxSettings,
) -> list[str | None]:
    """Record many outcomes in one transaction (one write lock for a burst); return each row's new state."""
    if not outcomes:
        return []
    states = []
    with engine.begin() as connection:
        for delivery, error, now in outcomes:
            state, statement = outcome_statement(delivery=delivery, error=error, now=now, worker_id=worker_id,
                                                 settings=settings)
            states.append(state if connection.execute(statement).rowcount else None)
    return states


def outcome_statement(
    *, delivery: Delivery, error: DeliveryError | None, now: datetime, worker_id: str, settings: OutboxSettings,
) -> tuple[str, Any]:
    """Return the row's new state after this attempt and the guarded UPDATE that records it."""
    attempts = delivery.attempt
    if error is None:
        # No lease check: the receiver has the message, so it is delivered even if our lease lapsed meanwhile.
        statement = (
            update(outbox)
            .where(outbox.c.id == delivery.id, outbox.c.state == "pending")
            .values(state="delivered", delivered_at=now, attempts=attempts, locked_by=None, locked_until=None,
                    last_error=None)
        )
        state = "delivered"
    else:
        # An attempt that does not count (no relay configured yet) leaves the attempts where they were.
        attempts = attempts if error.counts else attempts - 1
        dead = error.permanent or (error.counts and attempts >= settings.outbox_max_attempts)
        state = "dead" if dead else "pending"
        delay = error.retry_after if error.retry_after is not None else backoff(attempts, settings)
        statement = (
            update(outbox)
            .where(outbox.c.id == delivery.id, outbox.c.state == "pending", outbox.c.locked_by == worker_id)
            .values(state=state, attempts=attempts, last_error=str(error)[:2000], locked_by=None, locked_until=None,
                    next_attempt_at=now + timedelta(seconds=delay))
        )
    return state, statement


def backoff(attempts: int, settings: OutboxSettings, rng: random.Random | None = None) -> float:
    """Return seconds to wait after `attempts` failures: exponential, capped, with jitter so retries spread out."""
    ceiling = min(settings.outbox_backoff_cap_seconds, settings.outbox_backoff_base_seconds * 2 ** (attempts - 1))
    # "Equal jitter": at least half the exponential delay, so a receiver that is down is not hammered.
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def outbox_row(message: OutboxMessage) -> dict[str, Any]:
    """Return a row of the outbox as JSON-ready data, without the private delivery keys (a webhook's secret)."""
    return {
        "id": message.id,
        "kind": message.kind,
        "topic": message.topic,
        "destination": message.destination,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat(),
        "last_error": message.last_error,
        "idempotency_key": message.idempotency_key,
        "handoff_id": message.handoff_id,
        "created_at": message.created_at.isoformat(),
        "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
        "payload": {k: v for k, v in (message.payload or {}).items() if not k.startswith("_")},
    }
