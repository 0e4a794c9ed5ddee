"""Tables of the CRM connectors: each CRM's connection and pull cursor, and the CRM ids of what leadpact pushed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadpact.db import Base
from leadpact.sealing import Sealed


class CrmConnection(Base):
    """How to reach one CRM (environment variables override these), and how far its pull has read. The token and the
    webhook secret are stored sealed (`leadpact.sealing`): `token` and `webhook_secret` read and write them in the
    clear, the `sealed_` columns hold what the database keeps."""

    __tablename__ = "crm_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    crm: Mapped[str] = mapped_column(String(16), unique=True)  # hubspot | salesforce
    base_url: Mapped[str | None] = mapped_column(Text)
    # prefer LEADPACT_HUBSPOT_TOKEN / LEADPACT_SALESFORCE_TOKEN
    sealed_token: Mapped[str | None] = mapped_column("token", Text)
    sealed_webhook_secret: Mapped[str | None] = mapped_column("webhook_secret", Text)
    ca_bundle: Mapped[str | None] = mapped_column(Text)
    mapping_file: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pull_cursor: Mapped[datetime | None]  # the CRM's own modification time the next pull reads after
    last_pull_at: Mapped[datetime | None]
    last_pull_changes: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    token = Sealed("sealed_token")
    webhook_secret = Sealed("sealed_webhook_secret")


class CrmLink(Base):
    """The CRM id of something leadpact pushed: a person's contact or lead, a handoff's note or task."""

    # `state` is `pending` while an attempt to create it is in flight: a worker killed before the CRM answered
    # leaves it so, and the next attempt looks for what the first may have created before creating it again.
    __tablename__ = "crm_links"
    __table_args__ = (
        UniqueConstraint("crm", "kind", "local_id", name="uq_crm_links_crm_kind_local"),
        Index("ix_crm_links_remote", "crm", "kind", "crm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crm: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # person | note | task
    local_id: Mapped[int]  # people.id for a person, handoffs.id for a note or task
    crm_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | synced
    status: Mapped[str | None] = mapped_column(String(80))  # a person's lead status as last pushed or pulled
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class CrmWebhookSignature(Base):
    """A signed webhook request already received: the same signature again within its window is a replay."""

    __tablename__ = "crm_webhook_signatures"
    __table_args__ = (
        UniqueConstraint("crm", "signature", name="uq_crm_webhook_signatures_crm_signature"),
        Index("ix_crm_webhook_signatures_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crm: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]
