"""The transactional outbox: side effects written with the change that causes them, delivered by workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base
from leadpact.sealing import Sealed


class OutboxMessage(Base):
    """One delivery to make (an email, a Slack post, a webhook, a CRM push), retried until delivered or dead."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # email | slack | webhook | crm
    topic: Mapped[str] = mapped_column(String(64))  # handoff.created | sla.breached | readiness.missing | …
    # an address, a connector name, or `channel:N` (the channel's URL and secret are read at delivery)
    destination: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class NotificationChannel(Base):
    """Where notifications go: an SMTP mailbox per rep (from the user's email), a Slack incoming webhook, or a
    generic webhook signed with HMAC-SHA256; each subscribed to some topics. The target (a Slack URL is itself a
    credential) and the secret are stored sealed (`leadpact.sealing`): `target` and `secret` read and write them in
    the clear."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # email | slack | webhook
    sealed_target: Mapped[str] = mapped_column("target", Text)  # an address or a URL
    sealed_secret: Mapped[str | None] = mapped_column("secret", Text)  # HMAC key of a generic webhook
    topics: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"topics": ["handoff.created", …]}
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    target = Sealed("sealed_target")
    secret = Sealed("sealed_secret")
