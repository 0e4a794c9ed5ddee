"""Tables of enrichment: the built-in provider's firmographics file, and where each enriched account value came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base


class Firmographic(Base):
    """One company of a loaded firmographics file: what it says about the domain, and which file said it."""

    __tablename__ = "firmographics"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime]


class AccountEnrichment(Base):
    """An account value enrichment supplied (it only ever fills a gap): the value, the provider, its source and when."""

    __tablename__ = "account_enrichments"
    __table_args__ = (UniqueConstraint("account_id", "field", name="uq_account_enrichments_account_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))  # name | industry | employees | country
    value: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))  # file | http | a plug-in's name
    source: Mapped[str] = mapped_column(String(500))  # the file loaded, or the URL asked
    enriched_at: Mapped[datetime]
