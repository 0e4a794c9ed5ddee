"""Tables of sign-in: server-side sessions, failed sign-ins (for throttling) and the cookie-signing secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class UserSession(Base):
    """A signed-in browser: whose, until when, and the CSRF token its state-changing requests must carry."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash of the cookie's secret part is kept: a copy of the table cannot be replayed as cookies.
    secret_hash: Mapped[str] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Set at sign-out, when the user is disabled or their password changes: the session is dead from then on.
    ended_at: Mapped[datetime | None]
    ended_because: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))


class SignInFailure(Base):
    """One failed sign-in, counted against a key ("account:EMAIL" or "address:IP") for throttling."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime]
    # When the fixed window this failure was counted in closes (`limits`' fixed-window strategies read it).
    expires_at: Mapped[datetime]


class InstallationSecret(Base):
    """A random secret made once per installation (e.g. the session cookie's signing key when none is set)."""

    __tablename__ = "installation_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
