"""Tables for stored pact versions, their sign-offs, activations and each person's current evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class PactVersion(Base):
    """One version of the pact: its YAML exactly as written, and where it stands (draft → approved → active →
    retired)."""

    __tablename__ = "pact_versions"
    # Exactly one active version, enforced by the database itself.
    __table_args__ = (
        Index(
            "uq_pact_versions_one_active",
            "state",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class PactApproval(Base):
    """A sign-off on a pact version by a marketing user or a sales manager."""

    __tablename__ = "pact_approvals"
    __table_args__ = (UniqueConstraint("pact_version_id", "side", name="uq_pact_approvals_version_side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pact_version_id: Mapped[int] = mapped_column(ForeignKey("pact_versions.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(16))  # marketing | sales
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(255))
    user_email: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime]


class PactActivation(Base):
    """The record of activating a version: who, when, and how many people it moved."""

    __tablename__ = "pact_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    pact_version_id: Mapped[int] = mapped_column(ForeignKey("pact_versions.id"), index=True)
    previous_version: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime]
    people_evaluated: Mapped[int] = mapped_column(default=0)
    people_moved: Mapped[int] = mapped_column(default=0)
    moves: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Evaluation(Base):
    """A person's latest evaluation under the active pact: scores, grade, persona, matched criteria, missing
    context."""

    __tablename__ = "evaluations"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    pact_version: Mapped[int]
    fit_score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(8))
    engagement_score: Mapped[float] = mapped_column(Float)
    persona: Mapped[str | None] = mapped_column(String(64))
    buying_role: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(32))
    matched: Mapped[dict[str, Any]] = mapped_column(default=dict)
    missing: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evaluated_at: Mapped[datetime]
