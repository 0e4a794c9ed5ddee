"""Tables for users, sales teams and reps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base

ROLES = ("admin", "marketing", "manager", "rep")


class User(Base):
    """Someone who signs in: admin, marketing, manager or rep."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Team(Base):
    """A sales team (territory or segment) with its manager."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    manager_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]


class Rep(Base):
    """A sales rep in a team: routing weight, capacity of open handoffs, availability."""

    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    weight: Mapped[int] = mapped_column(default=1)
    capacity: Mapped[int | None]
    is_away: Mapped[bool] = mapped_column(default=False)
    away_until: Mapped[datetime | None]  # back on this date: routing counts them available from then on
    availability_changed_by: Mapped[str | None] = mapped_column(String(320))
    availability_changed_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    crm_owner_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
