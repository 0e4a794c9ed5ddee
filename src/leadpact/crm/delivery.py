"""CRM pushes through the outbox: enqueued with the handoff, delivered by the `crm` transport one row at a time,
or claimed and pushed in batches (`deliver_due_pushes`) so a thousand handoffs cost tens of requests, not thousands."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.clock import Clock, get_clock, isoformat
from leadpact.crm.base import CrmAuthError, CrmConnector, CrmError, CrmRateLimited
from leadpact.crm.mapping import CRMS
from leadpact.crm.models import CrmConnection
from leadpact.crm.push import push_handoffs
from leadpact.crm.settings import connector_for, get_crm_settings
from leadpact.db import get_engine, session_rows, session_scope
from leadpact.outbox import Delivery, DeliveryError, Leases, OutboxMessage, enqueue, record_outcome, worker_leases
from leadpact.outbox.settings import get_outbox_settings

log = logging.getLogger("leadpact.crm")
KIND = "crm"
# A refused token needs a person; retry slowly so pushes flow again once the connection is fixed, without dying.
AUTH_RETRY_SECONDS = 900.0


def push_key(crm: str, handoff_id: int, topic: str, now: datetime) -> str:
    """The outbox key of a push: one per handoff and CRM when created; later pushes are told apart by time."""
    suffix = "" if topic == "handoff.created" else f":{isoformat(now)}"
    return f"crm:{crm}:handoff:{handoff_id}:{topic}{suffix}"


def enqueue_push(*, session: Session, crm: str, handoff_id: int, now: datetime,
                 topic: str = "handoff.created") -> OutboxMessage | None:
    """Add a push of one handoff to one CRM to the outbox, in the caller's transaction (None: already queued)."""
    return enqueue(session=session, kind=KIND, topic=topic, destination=crm, payload={"handoff_id": handoff_id},
                   idempotency_key=push_key(crm, handoff_id, topic, now), now=now, handoff_id=handoff_id)


def connected_crms(*, session: Session) -> list[str]:
    """The CRMs leadpact pushes to: those with a token in the environment or a stored connection."""
    settings = get_crm_settings()
    # On the driver's cursor: every handoff asks, and SQLAlchemy's setup of the statement cost more than running it.
    stored = {row[0] for row in session_rows(session, f"SELECT crm FROM {CrmConnection.__tablename__} "
                                                      "WHERE token IS NOT NULL")}
    configured = {"hubspot"} if settings.hubspot_token else set()
    configured |= {"salesforce"} if settings.salesforce_token else set()
    return [crm for crm in CRMS if crm in stored | configured]


def enqueue_handoff_pushes(*, session: Session, handoff_id: int, now: datetime,
                           topic: str = "handoff.created") -> list[OutboxMessage]:
    """Queue a push of the handoff to every connected CRM (call it where the handoff is created or reassigned)."""
    queued = [enqueue_push(session=session, crm=crm, handoff_id=handoff_id, now=now, topic=topic)
              for crm in connected_crms(session=session)]
    return [message for message in queued if message is not None]


def on_handoff_opened(session: Session, handoff_id: int, now: datetime) -> None:
    """The wiring's listener to new handoffs: queue the handoff's push to every connected CRM."""
    enqueue_handoff_pushes(session=session, handoff_id=handoff_id, now=now)


def delivery_error(error: CrmError) -> DeliveryError:
    """The outbox's view of a CRM failure: when to try again, or never."""
    if isinstance(error, CrmRateLimited):
        return DeliveryError(str(error), retry_after=error.retry_after)
    if isinstance(error, CrmAuthError):
        return DeliveryError(str(error), retry_after=AUTH_RETRY_SECONDS)
    return DeliveryError(str(error), permanent=not error.retryable)


def deliver(delivery: Delivery) -> None:
    """The outbox's `crm` transport: push the row's handoff to the CRM it names, or raise DeliveryError."""
    handoff_id = delivery.payload.get("handoff_id")
    if not isinstance(handoff_id, int):
        raise DeliveryError(f"crm push #{delivery.id} has no handoff_id", permanent=True)
    try:
        with session_scope() as session:
            connector = connector_for(delivery.destination, session=session)
    except CrmError as error:
        raise delivery_error(error) from error
    outcome = push_handoffs(connector=connector, handoff_ids=[handoff_id])
    if handoff_id in outcome.failed:
        raise delivery_error(outcome.failed[handoff_id])


@dataclass
class PushReport:
    """What one batched pass over the due CRM pushes did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due_pushes(*, worker_id: str, engine: Engine | None = None, clock: Clock | None = None,
                       limit: int = 1000, connector_factory: Callable[[str], CrmConnector] | None = None,
                       leases: Leases | None = None) -> PushReport:
    """Claim the due CRM pushes and push them per CRM in batches; record each row's outcome in the outbox. The rows'
    leases are renewed while they are pushed: by the worker's own `leases` when given, else for this call."""
    engine, clock = engine or get_engine(), clock or get_clock()
    settings = get_outbox_settings()
    if leases is None:
        own = worker_leases(engine=engine, worker_id=worker_id, now=clock.now, settings=settings)
        with own.renewing():
            return deliver_due_pushes(worker_id=worker_id, engine=engine, clock=clock, limit=limit,
                                      connector_factory=connector_factory, leases=own)
    claimed = leases.claim(limit=limit, kind=KIND, now=clock.now())
    report = PushReport(claimed=len(claimed))
    by_crm: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        by_crm[delivery.destination].append(delivery)
    for crm, deliveries in by_crm.items():
        errors: dict[int, DeliveryError] = {}
        try:
            if connector_factory is not None:
                connector = connector_factory(crm)
            else:
                with session_scope(engine) as session:
                    connector = connector_for(crm, session=session)
            ids = [d.payload.get("handoff_id") for d in deliveries]
            outcome = push_handoffs(connector=connector, handoff_ids=[i for i in ids if isinstance(i, int)],
                                    engine=engine)
            errors = {h: delivery_error(e) for h, e in outcome.failed.items()}
        except CrmError as error:
            errors = {d.payload.get("handoff_id"): delivery_error(error) for d in deliveries}  # type: ignore[misc]
        except Exception as error:  # a bug must cost these rows one attempt, not stop the worker
            log.exception("CRM push to %s failed", crm)
            failure = DeliveryError(f"{type(error).__name__}: {error}")
            errors = {d.payload.get("handoff_id"): failure for d in deliveries}  # type: ignore[misc]
        for delivery in deliveries:
            handoff_id = delivery.payload.get("handoff_id")
            error = errors.get(handoff_id) if isinstance(handoff_id, int) else \
                DeliveryError(f"crm push #{delivery.id} has no handoff_id", permanent=True)
            state = record_outcome(engine=engine, delivery=delivery, error=error, now=clock.now(),
                                   worker_id=worker_id, settings=settings)
            leases.let_go([delivery])
            report.delivered += state == "delivered"
            report.retried += state == "pending"
            report.dead += state == "dead"
            if error is not None:
                report.errors.append(f"#{delivery.id} {crm} handoff {handoff_id}: {error}")
    return report
