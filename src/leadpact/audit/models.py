"""The audit trail's table: one appended row per act, never updated or deleted (the database refuses)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class AuditEntry(Base):
    """Who (the authenticated principal), did what, to what, when, and on whose behalf."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_subject", "subject", "action"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime]
    # What the trail shows: "ada@x.io", "key:ci-bot", "cli", "system".
    actor: Mapped[str] = mapped_column(String(320))
    # No foreign keys on purpose: the trail outlives the users and keys it names.
    actor_user_id: Mapped[int | None]
    actor_key_id: Mapped[int | None]
    # Set when an admin acted for someone: the user the act was done as.
    on_behalf_of: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))  # e.g. pact.signed, user.disabled, session.started
    subject: Mapped[str] = mapped_column(String(120))  # e.g. pact:3, user:7, key:12
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
