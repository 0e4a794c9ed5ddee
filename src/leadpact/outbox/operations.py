"""What operators do to the outbox: look at rows (the dead letters first), send a row again, manage channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.masking import mask, mask_secret, redact
from leadpact.org.models import Rep, User
from leadpact.outbox.channels import forget_channels
from leadpact.outbox.delivery import outbox_row
from leadpact.outbox.models import NotificationChannel, OutboxMessage
from leadpact.outbox.service import TOPICS
from leadpact.sealing import SecretsKeyError

CHANNEL_KINDS = ("email", "slack", "webhook")
STATES = ("pending", "delivered", "dead")


class OutboxError(ValueError):
    """An operator's request that cannot be done, with the reason in words."""


def list_messages(*, session: Session, state: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """Return outbox rows, newest first, optionally only those in `state`."""
    if state is not None and state not in STATES:
        raise OutboxError(f"unknown state {state!r}; use one of {', '.join(STATES)}")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    return list(session.scalars(query))


def count_by_state(*, session: Session) -> dict[str, int]:
    """Return how many outbox rows are pending, delivered and dead."""
    rows = session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: n for state, n in rows})
    return counts


def retry_message(*, session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """Make a dead (or waiting) row due now with a fresh set of attempts; return it."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise OutboxError(f"no outbox message #{message_id}")
    if message.state == "delivered":
        raise OutboxError(f"outbox message #{message_id} was delivered at {message.delivered_at:%Y-%m-%d %H:%M} UTC")
    message.state = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    message.locked_by = None
    message.locked_until = None
    session.flush()
    return message


def add_channel(
    *,
    session: Session,
    kind: str,
    target: str,
    now: datetime,
    secret: str | None = None,
    topics: list[str] | None = None,
    rep_email: str | None = None,
) -> NotificationChannel:
    """Add a notification channel (no topics: every topic, or a rep's topics for a rep's channel); return it."""
    if kind not in CHANNEL_KINDS:
        raise OutboxError(f"unknown channel kind {kind!r}; use one of {', '.join(CHANNEL_KINDS)}")
    if kind in ("slack", "webhook") and not target.startswith(("http://", "https://")):
        raise OutboxError(f"a {kind} channel needs an http(s) URL, got {target!r}")
    if kind == "email" and "@" not in target:
        raise OutboxError(f"an email channel needs an address, got {target!r}")
    if secret and kind != "webhook":
        raise OutboxError("only a webhook channel is signed with a secret")
    unknown = [topic for topic in topics or [] if topic not in TOPICS]
    if unknown:
        raise OutboxError(f"unknown topic {unknown[0]!r}; use any of {', '.join(TOPICS)}")
    rep_id = None
    if rep_email is not None:
        rep_id = session.scalar(
            select(Rep.id).join(User, User.id == Rep.user_id).where(User.email == rep_email.strip().lower())
        )
        if rep_id is None:
            raise OutboxError(f"no rep with email {rep_email}")
    channel = NotificationChannel(kind=kind, target=target, secret=secret or None, topics={"topics": topics or []},
                                  rep_id=rep_id, is_active=True, created_at=now)
    session.add(channel)
    session.flush()
    forget_channels()
    return channel


def shown_target(channel: NotificationChannel) -> str:
    """A channel's target as people see it: an email address as it is, a URL masked."""
    try:
        target = channel.target
    except SecretsKeyError:
        return "•••• (sealed under another key)"
    return target if channel.kind == "email" else mask(target)


def shown_secret(channel: NotificationChannel) -> str | None:
    """A channel's signing secret as people see it: masked."""
    if channel.sealed_secret is None:
        return None
    try:
        return mask_secret(channel.secret)
    except SecretsKeyError:
        return "•••• (sealed under another key)"


def channel_secrets(*, session: Session) -> list[str]:
    """Every channel URL (and its path: a Slack URL's path is its credential) and signing secret in the clear, what
    shown rows must not contain; unreadable ones are left out, as they cannot leak either."""
    found: list[str] = []
    for channel in session.scalars(select(NotificationChannel)):
        try:
            found += [channel.secret or ""]
            if channel.kind != "email":
                path = urlsplit(channel.target).path
                found += [channel.target, path if len(path) > 1 else ""]
        except SecretsKeyError:
            continue
    return [value for value in found if value]


def shown_row(message: OutboxMessage, secrets: list[str]) -> dict[str, Any]:
    """An outbox row as the API and the CLI show it: no private payload keys, and no URL or secret anywhere
    (rows written before channels were referenced carried the URL in their destination and idempotency key)."""
    row = outbox_row(message)
    secrets = [*secrets, message.destination] if "://" in message.destination else secrets
    for key in ("destination", "idempotency_key", "last_error"):
        row[key] = redact(row[key], secrets)
    return row


def list_channels(*, session: Session) -> list[dict[str, Any]]:
    """Return every channel with its topics and rep email, oldest first (URLs and secrets masked)."""
    rows = session.execute(
        select(NotificationChannel, User.email)
        .outerjoin(Rep, Rep.id == NotificationChannel.rep_id)
        .outerjoin(User, User.id == Rep.user_id)
        .order_by(NotificationChannel.id)
    )
    return [
        {
            "id": channel.id,
            "kind": channel.kind,
            "target": shown_target(channel),
            "signed": channel.sealed_secret is not None,
            "secret": shown_secret(channel),
            "topics": (channel.topics or {}).get("topics") or [],
            "rep": rep_email,
            "is_active": channel.is_active,
            "created_at": channel.created_at.isoformat(),
        }
        for channel, rep_email in rows
    ]
