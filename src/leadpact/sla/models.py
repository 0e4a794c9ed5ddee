"""Timers as rows: an SLA breach, a reassignment window or a feedback reminder, each firing exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Timer(Base):
    """Something due at a moment for a handoff; a worker fires it once (`fired_at` set by compare-and-set)."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "fired_at", "due_at"),
        # The next timer to fire: by (fired_at, due_at) alone a worker stepped over every cancelled timer already
        # due, which grow with every first touch (the demo's sales floor asks thousands of times).
        Index("ix_timers_pending", "fired_at", "cancelled_at", "due_at"),
        UniqueConstraint("handoff_id", "kind", name="uq_timers_handoff_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # sla_breach | reassign | feedback_due
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    fired_by: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
