"""A manager gives an open handoff to another rep of the team (an admin to any rep); the new rep is told."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from fastapi import status
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.handoff import Handoff, HandoffNotFound
from leadpact.org.models import Rep, User
from leadpact.org.service import normalise_email
from leadpact.outbox import notify
from leadpact.outbox.payloads import handoff_payload, rep_facts


class ReassignRefused(ValueError):
    """A reassignment that cannot be made, with the HTTP status that says why (409 state, 422 the rep)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def reassign_to(
    *, session: Session, handoff_id: int, rep_email: str, within_teams: Set[int] | None, now: datetime
) -> tuple[int | None, int]:
    """Give an open handoff to the rep with this email, who must be in one of `within_teams` (None: any team);
    return (previous rep id, new rep id)."""
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    if handoff.state != "open":
        raise ReassignRefused(f"handoff {handoff_id} is {handoff.state}: only an open handoff is reassigned",
                              status.HTTP_409_CONFLICT)
    row = session.execute(select(Rep.id, Rep.team_id, User.is_active).join(User, User.id == Rep.user_id)
                          .where(User.email == normalise_email(rep_email))).first()
    if row is None:
        raise ReassignRefused(f"no rep with email {normalise_email(rep_email)}", status.HTTP_422_UNPROCESSABLE_CONTENT)
    rep_id, team_id, active = row
    if not active:
        raise ReassignRefused(f"{normalise_email(rep_email)} is disabled", status.HTTP_422_UNPROCESSABLE_CONTENT)
    if within_teams is not None and team_id not in within_teams:
        raise ReassignRefused(f"{normalise_email(rep_email)} is not in your team: a manager reassigns within their "
                              "team", status.HTTP_422_UNPROCESSABLE_CONTENT)
    if rep_id == handoff.rep_id:
        raise ReassignRefused(f"handoff {handoff_id} is already {normalise_email(rep_email)}'s",
                              status.HTTP_409_CONFLICT)
    previous = handoff.rep_id
    handoff.rep_id, handoff.reassigned_at, handoff.reassigned_from_rep_id = rep_id, now, previous
    session.flush()
    payload = handoff_payload(session=session, handoff=handoff)
    payload["reassigned_from"] = rep_facts(session=session, rep_id=previous)
    notify(session=session, topic="handoff.reassigned", payload=payload, now=now,
           key=f"reassign:{handoff_id}:{rep_id}:{now.isoformat()}", rep_id=rep_id, handoff_id=handoff_id)
    return previous, rep_id
