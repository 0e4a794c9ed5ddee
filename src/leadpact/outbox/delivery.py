"""Working the outbox: claim due rows under a lease, deliver outside any transaction, record the outcome.

Delivery is at least once: a worker that dies after the receiver accepted a message but before it recorded the
success leaves the row pending; when its lease lapses another worker sends it again with the same idempotency key
(the email's Message-ID, the webhooks' X-Leadpact-Idempotency-Key), and the receiver drops the repeat. At-least-once
delivery plus an idempotency key is an exactly-once effect."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from leadpact.clock import Clock
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


def any_due(*, engine: Engine, now: datetime, kind: str | None = None) -> bool:
    """Whether a row (of `kind`, when given) is due and free to claim: one read, in its own transaction."""
    free = or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)
    due = select(outbox.c.id).where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now, free).limit(1)
    if kind is not None:
        due = due.where(outbox.c.kind == kind)
    with engine.connect() as connection:
        return connection.execute(due).first() is not None


def claim_due(*, engine: Engine, now: datetime, worker_id: str, limit: int, lease: timedelta) -> list[Delivery]:
    """Lease up to `limit` due rows to `worker_id` and return them; a row leased to a live worker is never returned."""
    # A read first: an idle pass then never asks SQLite for its one write lock, which the ingest writer holds
    # most of the time under load and behind which a claim waits for seconds.
    if not any_due(engine=engine, now=now):
        return []
    free = or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)
    due = (
        select(outbox.c.id)
        .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now, free)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        # Concurrent workers take disjoint rows instead of queueing behind each other's locks.
        due = due.with_for_update(skip_locked=True)
    # One statement: on SQLite it is the compare-and-set (`free` re-checked under the single writer lock), on
    # PostgreSQL the rows are already locked by the sub-select.
    claim = (
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.state == "pending", free)
        .values(locked_by=worker_id, locked_until=now + lease)
        .returning(outbox.c.id, outbox.c.kind, outbox.c.topic, outbox.c.destination, outbox.c.payload,
                   outbox.c.idempotency_key, outbox.c.attempts)
    )
    with engine.begin() as connection:
        rows = connection.execute(claim).all()
    return sorted(
        (
            Delivery(id=row.id, kind=row.kind, topic=row.topic, destination=row.destination, payload=row.payload or {},
                     idempotency_key=row.idempotency_key, attempt=row.attempts + 1, now=now)
            for row in rows
        ),
        key=lambda delivery: delivery.id,
    )


def deliver_due(
    *, engine: Engine, now: datetime, worker_id: str, clock: Clock | None = None, settings: OutboxSettings | None = None
) -> DeliveryReport:
    """Claim one batch of due rows, deliver each and record the outcome; return what happened."""
    settings = settings or get_outbox_settings()
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    report = DeliveryReport()
    for delivery in claim_due(engine=engine, now=now, worker_id=worker_id, limit=settings.outbox_batch_size,
                              lease=lease):
        report.claimed += 1
        outcome = deliver_one(delivery)
        finished = clock.now() if clock is not None else now
        state = record_outcome(engine=engine, delivery=delivery, error=outcome, now=finished, worker_id=worker_id,
                               settings=settings)
        if state == "delivered":
            report.delivered += 1
        elif state == "dead":
            report.dead += 1
        elif state == "pending":
            report.retried += 1
        if outcome is not None:
            report.errors.append(f"#{delivery.id} {delivery.kind} {delivery.destination}: {outcome}")
    return report


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


def still_leased(*, engine: Engine, deliveries: list[Delivery], worker_id: str) -> list[Delivery]:
    """Return the deliveries whose rows exist, pending and leased to `worker_id`, under the same key (one read)."""
    if not deliveries:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.id, outbox.c.idempotency_key)
            .where(outbox.c.id.in_([d.id for d in deliveries]), outbox.c.state == "pending",
                   outbox.c.locked_by == worker_id)
        ).all()
    found = {(row.id, row.idempotency_key) for row in rows}
    return [d for d in deliveries if (d.id, d.idempotency_key) in found]


def release(*, engine: Engine, deliveries: list[Delivery], worker_id: str) -> int:
    """Give back the leases of rows this worker will not send (it is stopping), so any worker claims them now."""
    if not deliveries:
        return 0
    with engine.begin() as connection:
        return connection.execute(
            update(outbox)
            .where(outbox.c.id.in_([d.id for d in deliveries]), outbox.c.state == "pending",
                   outbox.c.locked_by == worker_id)
            .values(locked_by=None, locked_until=None)
        ).rowcount


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
        dead = error.permanent or attempts >= settings.outbox_max_attempts
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
