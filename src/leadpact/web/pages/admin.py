"""The admin pages: users, API keys, notification channels and CRM connections (secrets never shown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.crm.settings import stored_connection
from leadpact.keys.models import ApiKey
from leadpact.org.service import list_users
from leadpact.outbox.models import OutboxMessage
from leadpact.outbox.operations import list_channels

CRMS = ("hubspot", "salesforce")


@dataclass(frozen=True)
class CrmStatus:
    """A CRM connection as the admin sees it: where, last pull, pushes by state, the last error."""

    crm: str
    connected: bool
    base_url: str | None
    last_pull_at: Any
    last_error: str | None
    pushes: dict[str, int]


def masked(target: str) -> str:
    """A channel's target without its secret part: an address as is, a URL as scheme and host only (Slack and
    webhook URLs carry their credential in the path)."""
    if "://" not in target:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def crm_statuses(*, session: Session) -> list[CrmStatus]:
    """Return each CRM's stored connection and its pushes by state."""
    counts = session.execute(select(OutboxMessage.destination, OutboxMessage.state, func.count())
                             .where(OutboxMessage.kind == "crm")
                             .group_by(OutboxMessage.destination, OutboxMessage.state)).all()
    result = []
    for crm in CRMS:
        row = stored_connection(session=session, crm=crm)
        pushes = {state: n for destination, state, n in counts if destination == crm}
        result.append(CrmStatus(crm, row is not None, masked(row.base_url) if row and row.base_url else None,
                                row.last_pull_at if row else None, row.last_error if row else None, pushes))
    return result


def admin_overview(*, session: Session) -> dict[str, Any]:
    """Return users (with team), keys, channels (targets masked) and CRM connections."""
    channels = [{**channel, "target": masked(channel["target"])} for channel in list_channels(session=session)]
    return {
        "users": list_users(session=session),
        "keys": list(session.scalars(select(ApiKey).order_by(ApiKey.id))),
        "channels": channels,
        "crms": crm_statuses(session=session),
    }
