"""Writing side effects into the outbox, inside the caller's transaction: one row per delivery."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from leadpact.db import session_rows
from leadpact.org.models import Rep, Team, User
from leadpact.outbox.models import NotificationChannel, OutboxMessage

KINDS = ("email", "slack", "webhook", "crm")
# Topics addressed to the handoff's rep by email; everything else reaches reps only through their own channels.
REP_TOPICS = frozenset({"handoff.created", "handoff.reassigned", "handoff.closed", "feedback.due"})
# Topics addressed to the manager of the rep's team by email.
MANAGER_TOPICS = frozenset({"sla.breached"})
TOPICS = ("handoff.created", "handoff.reassigned", "handoff.closed", "sla.breached", "feedback.due",
          "readiness.missing")
# The addresses of a rep and of their team's manager, by rep id: on the driver's cursor, as SQLAlchemy's setup of
# the statement cost more than running it, on every handoff, inside the ingest transaction.
REP_AND_MANAGER = (
    f"SELECT rep_user.email, rep_user.is_active, manager.email, manager.is_active FROM {Rep.__tablename__} "
    f"JOIN {User.__tablename__} rep_user ON rep_user.id = {Rep.__tablename__}.user_id "
    f"LEFT JOIN {Team.__tablename__} ON {Team.__tablename__}.id = {Rep.__tablename__}.team_id "
    f"LEFT JOIN {User.__tablename__} manager ON manager.id = {Team.__tablename__}.manager_user_id "
    f"WHERE {Rep.__tablename__}.id = {{mark}}"
)
# Keys under this prefix travel with the row for the transport but never in a body (nor in the API).
PRIVATE_PREFIX = "_"
# A row for a notification channel names it (`channel:7`): its URL and signing secret stay sealed in the channel and
# the transport reads them at delivery, so no row copies a credential.
CHANNEL_PREFIX = "channel:"
# Set when a transaction that enqueued something commits: a worker in this process starts at once instead of at
# its next poll (the embedded default's notification latency is then the delivery's own).
_enqueued = threading.Event()


def enqueued_signal() -> threading.Event:
    """Return the event set whenever a transaction of this process commits new outbox rows."""
    return _enqueued


@event.listens_for(Session, "after_commit")
def _wake_workers(session: Session) -> None:
    express = session.info.pop("outbox_express", None)
    if express:
        _express().hand_over(express)
    if session.info.pop("outbox_enqueued", False):
        _enqueued.set()


@event.listens_for(Session, "after_rollback")
def _forget_enqueued(session: Session) -> None:
    session.info.pop("outbox_enqueued", None)
    session.info.pop("outbox_express", None)


def _express() -> Any:
    # Imported late: the express lane builds on the transports, which read this module.
    from leadpact.outbox import express

    return express


def enqueue(
    *,
    session: Session,
    kind: str,
    topic: str,
    destination: str,
    payload: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    handoff_id: int | None = None,
) -> OutboxMessage | None:
    """Add one delivery to the outbox in the caller's transaction; return it, or None when its key exists.

    With this process's express lane open, a notification is written leased to its worker and handed to it after
    the commit (see `leadpact.outbox.express`)."""
    values = {
        "kind": kind,
        "topic": topic,
        "destination": destination,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "handoff_id": handoff_id,
        "created_at": now,
    }
    lane = _express().lane_for(kind, session.get_bind())
    if lane is not None:
        values.update(locked_by=lane.worker_id, locked_until=now + lane.lease)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql_insert(OutboxMessage).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
    elif dialect == "sqlite":
        statement = sqlite_insert(OutboxMessage).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
    else:  # pragma: no cover - leadpact runs on SQLite and PostgreSQL only
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)):
            return None
        statement = insert(OutboxMessage).values(**values)
    # ON CONFLICT DO NOTHING keeps the caller's transaction usable when a concurrent writer holds the same key.
    message = session.scalars(statement.returning(OutboxMessage)).first()
    if message is not None:
        session.info["outbox_enqueued"] = True
        if lane is not None:
            # A snapshot, not the row object: after the commit a session may have expired it.
            snapshot = (lane.worker_id, message.id, kind, topic, destination, payload, idempotency_key, now)
            session.info.setdefault("outbox_express", []).append(snapshot)
    return message


def notify(
    *,
    session: Session,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    key: str,
    rep_id: int | None = None,
    handoff_id: int | None = None,
) -> list[OutboxMessage]:
    """Fan one notification out to every recipient of `topic` (rep, manager, channels); return the rows added."""
    added = []
    for kind, destination, extra in recipients(session=session, topic=topic, rep_id=rep_id):
        message = enqueue(
            session=session,
            kind=kind,
            topic=topic,
            destination=destination,
            payload={**payload, **extra} if extra else payload,
            idempotency_key=delivery_key(key, kind, destination),
            now=now,
            handoff_id=handoff_id,
        )
        if message is not None:
            added.append(message)
    return added


def delivery_key(key: str, kind: str, destination: str) -> str:
    """Return the idempotency key of one delivery of a notification (fits the 200-character column)."""
    full = f"{key}:{kind}:{destination}"
    if len(full) <= 200:
        return full
    import hashlib

    # A very long URL would overflow the column: keep the readable start and make the rest a digest.
    return f"{full[:150]}#{hashlib.sha256(full.encode()).hexdigest()[:40]}"


def recipients(*, session: Session, topic: str, rep_id: int | None) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (kind, destination, private payload) for everyone who should hear about `topic`, without repeats; a
    channel's destination is `channel:N`, never its URL."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    if rep_id is not None and (topic in REP_TOPICS or topic in MANAGER_TOPICS):
        rows = session_rows(session, REP_AND_MANAGER, (rep_id,))
        if rows:
            rep_email, rep_active, manager_email, manager_active = rows[0]
            if topic in REP_TOPICS and rep_email and rep_active:
                found.append(("email", rep_email, {}))
            if topic in MANAGER_TOPICS and manager_email and manager_active:
                found.append(("email", manager_email, {}))
    # Whether any channel is active, on the driver's cursor: most installations have none, and loading them through
    # the ORM for every notification cost more than the rest of the fan-out.
    active = session_rows(session, f"SELECT 1 FROM {NotificationChannel.__tablename__} WHERE is_active = {{mark}} "
                                   "LIMIT 1", (True,))
    channels = session.scalars(
        select(NotificationChannel).where(NotificationChannel.is_active.is_(True)).order_by(NotificationChannel.id)
    ) if active else []
    for channel in channels:
        if channel.rep_id is not None and channel.rep_id != rep_id:
            continue
        if not channel_hears(channel, topic):
            continue
        found.append((channel.kind, channel_destination(channel.id), {}))
    seen: set[tuple[str, str]] = set()
    unique = []
    for kind, destination, extra in found:
        if (kind, destination) not in seen:
            seen.add((kind, destination))
            unique.append((kind, destination, extra))
    return unique


def channel_destination(channel_id: int) -> str:
    """The destination of an outbox row for a notification channel."""
    return f"{CHANNEL_PREFIX}{channel_id}"


def channel_hears(channel: NotificationChannel, topic: str) -> bool:
    """Whether a channel is subscribed to `topic` (no topics listed: a rep's channel hears rep topics, others all)."""
    topics = (channel.topics or {}).get("topics") or []
    if not topics:
        return topic in REP_TOPICS if channel.rep_id is not None else True
    return topic in topics
