"""The API keys table: only a hash of each key is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base

SCOPES = ("ingest", "read", "admin")
# A personal token acts as its user, with the user's role; it has no scope of its own.
PERSONAL = "personal"


class ApiKey(Base):
    """An API key: a project key with one scope (write keys, scope `ingest`, can only send events), or a user's
    personal token (scope `personal`, `user_id` set), which acts as that user."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
