"""Tables for accounts, people, their identities and the content catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Account(Base):
    """A company: domain, name, firmographics, owner and any other traits."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str | None] = mapped_column(String(255), unique=True)
    group_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    name_key: Mapped[str | None] = mapped_column(String(255), index=True)
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(64))
    owner_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Person(Base):
    """A lead or contact, possibly still anonymous, linked to an account when one is known."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(255))
    seniority: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(64))
    company_name: Mapped[str | None] = mapped_column(String(255))
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(32), default="anonymous", index=True)
    # How many events the person has: lets a process trust its cached history only while nobody else wrote.
    event_count: Mapped[int] = mapped_column(default=0)
    # First-touch attribution: the campaign of the person's earliest event.
    first_touch_channel: Mapped[str | None] = mapped_column(String(64))
    first_touch_source: Mapped[str | None] = mapped_column(String(120))
    first_touch_medium: Mapped[str | None] = mapped_column(String(120))
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    identified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set when the person's personal data was erased: the row stays, anonymous, for the aggregates it carries.
    erased_at: Mapped[datetime | None]


class Identity(Base):
    """One identifier of a person: an anonymous id, a user id or an email; unique per kind."""

    __tablename__ = "identities"
    # value first: identity lookups ask for a set of values at once.
    __table_args__ = (UniqueConstraint("value", "kind", name="uq_identities_value_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class ContentAsset(Base):
    """A page or piece of content: what it is about and the problem it speaks to."""

    __tablename__ = "content_assets"
    __table_args__ = (Index("ix_content_assets_path", "path"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    path: Mapped[str | None] = mapped_column(String(500))
    topic: Mapped[str | None] = mapped_column(String(200))
    problem: Mapped[str | None] = mapped_column(String(500))
    funnel_stage: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
