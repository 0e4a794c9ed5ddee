"""Signed webhook requests already received: the same signature twice within its window is a replay.

Kept in the database, so every server process refuses the second copy whichever one received the first; the
unique key decides between two copies arriving at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadpact.crm.models import CrmWebhookSignature


def first_receipt(*, session: Session, crm: str, signature: str, window: timedelta, now: datetime) -> bool:
    """Record a verified signature; return False when it was already received (a replay). Signatures are kept
    twice the window: a timestamp may be up to `window` ahead of `now`, and stays valid `window` after itself."""
    session.execute(delete(CrmWebhookSignature).where(CrmWebhookSignature.received_at < now - 2 * window))
    try:
        with session.begin_nested():
            session.add(CrmWebhookSignature(crm=crm, signature=signature, received_at=now))
    except IntegrityError:
        return False
    return True
