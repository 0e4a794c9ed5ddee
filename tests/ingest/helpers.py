"""Small builders for Segment messages used by the ingest tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from leadpact.db import session_scope
from leadpact.ingest.models import Event


def track(event: str = "Content Downloaded", **fields: Any) -> dict[str, Any]:
    """A valid track message with a fresh messageId."""
    return {
        "type": "track",
        "event": event,
        "anonymousId": "anon-1",
        "messageId": str(uuid.uuid4()),
        "timestamp": "2026-09-30T10:00:00Z",
        "properties": {},
        **fields,
    }


def stored_message_ids() -> set[str]:
    """The messageIds stored in the current test database."""
    with session_scope() as session:
        return set(session.scalars(select(Event.message_id)))


def event_count() -> int:
    """How many events the current test database holds."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0
