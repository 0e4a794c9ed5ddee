"""Counts of what a workspace holds, for `leadpact stats` and the demo summary."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from leadpact.ingest.models import Event
from leadpact.people.models import Account, ContentAsset, Person


def workspace_counts(session: Session) -> dict[str, int]:
    """Return counts of accounts, people, identified people, events and content assets."""
    count = func.count()
    return {
        "accounts": session.scalar(select(count).select_from(Account)) or 0,
        "people": session.scalar(select(count).select_from(Person)) or 0,
        "identified_people": session.scalar(
            select(count).select_from(Person).where(or_(Person.email.is_not(None), Person.user_id.is_not(None)))
        )
        or 0,
        "events": session.scalar(select(count).select_from(Event)) or 0,
        "content_assets": session.scalar(select(count).select_from(ContentAsset)) or 0,
    }


def channel_counts(session: Session) -> dict[str, int]:
    """Return how many people arrived through each first-touch channel."""
    rows = session.execute(select(Person.first_touch_channel, func.count()).group_by(Person.first_touch_channel))
    return {channel or "unknown": n for channel, n in sorted(rows, key=lambda r: -r[1])}
