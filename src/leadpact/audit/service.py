"""Write to and read the audit trail. Services flush; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.audit.models import AuditEntry


def record(
    *, session: Session, actor: str, action: str, subject: str, at: datetime, actor_user_id: int | None = None,
    actor_key_id: int | None = None, on_behalf_of: str | None = None, details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail and return it."""
    entry = AuditEntry(at=at, actor=actor, actor_user_id=actor_user_id, actor_key_id=actor_key_id,
                       on_behalf_of=on_behalf_of, action=action, subject=subject, details=details or {})
    session.add(entry)
    session.flush()
    return entry


def entries(*, session: Session, subject: str, action: str | None = None) -> list[AuditEntry]:
    """Return the trail of one subject (optionally one action), oldest first."""
    query = select(AuditEntry).where(AuditEntry.subject == subject)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query.order_by(AuditEntry.at, AuditEntry.id)))
