"""The erasure log: that an erasure happened, by whom and when, and how much it changed — never whose data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Erasure(Base):
    """One erasure of a person's personal data; append-only (the database refuses updates and deletes)."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    # Rows changed per table and the CRMs asked to delete: counts and names only.
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
