"""The lifecycle audit trail: one appended row per move, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Transition(Base):
    """A person's move between lifecycle states: who moved them, under which pact version, and why."""

    __tablename__ = "lifecycle_transitions"
    __table_args__ = (Index("ix_lifecycle_transitions_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    # No foreign key on purpose: the trail outlives merges and erasure of the person row.
    person_id: Mapped[int]
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    pact_version: Mapped[int | None]
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    triggering_message_id: Mapped[str | None] = mapped_column(String(255))
