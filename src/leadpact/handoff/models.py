"""Tables for handoffs: a qualified person passed to a rep with a brief, on an SLA clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Handoff(Base):
    """A person passed to a rep: who, why this rep, the brief, the tier and its clocks, and the disposition."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_rep_state", "rep_id", "state"),
        Index("ix_handoffs_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    tier: Mapped[str] = mapped_column(String(16))  # hot | mql
    # open → accepted | rejected by feedback; open → closed when the person leaves the handoff path any other way
    # (disqualified, recycled, won or lost: see closing.py), with who and when in the disposition columns
    state: Mapped[str] = mapped_column(String(16), default="open")
    pact_version: Mapped[int | None]
    routing_rule: Mapped[int | None]
    routing_reason: Mapped[str] = mapped_column(Text)
    brief: Mapped[str] = mapped_column(Text)
    brief_facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the answers the brief is written from
    timeline: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"events": [...]} recent activity
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the pact criteria that fired
    created_at: Mapped[datetime]
    sla_due_at: Mapped[datetime | None]
    first_touch_at: Mapped[datetime | None]
    first_touch_source: Mapped[str | None] = mapped_column(String(32))  # leadpact | hubspot | salesforce | …
    sla_breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    reassigned_at: Mapped[datetime | None]
    reassigned_from_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    feedback_due_at: Mapped[datetime | None]
    disposition_at: Mapped[datetime | None]
    disposition_actor: Mapped[str | None] = mapped_column(String(320))
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    qualification: Mapped[dict[str, Any]] = mapped_column(default=dict)  # BANT / MEDDIC answers at SQL


class Opportunity(Base):
    """A deal: opened from a handoff (source "leadpact"), or history imported from a CRM export or pulled from a
    CRM (source "import", "hubspot", "salesforce") for a person, or for an account alone when no person is named."""

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_opportunities_source_external_id"),
        Index("ix_opportunities_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    amount: Mapped[float | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stage: Mapped[str] = mapped_column(String(16), default="open")  # open | won | lost
    opened_at: Mapped[datetime | None]  # unknown for history whose export has no created date
    closed_at: Mapped[datetime | None]
    lost_reason: Mapped[str | None] = mapped_column(String(120))
    crm_id: Mapped[str | None] = mapped_column(String(64))
    # Where the deal was recorded, and as what there: history keeps its own id, name, stage label and owner.
    source: Mapped[str] = mapped_column(String(16), default="leadpact", server_default="leadpact")
    external_id: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(255))
    source_stage: Mapped[str | None] = mapped_column(String(120))
    owner: Mapped[str | None] = mapped_column(String(320))
    recorded_at: Mapped[datetime | None]  # when history was imported or pulled
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the export's other columns
