"""Reassigning a handoff by hand: a manager (or an admin) gives it to another rep of its team, with who and when.

The SLA timer's automatic reassignment lives in `leadpact.sla.effects`; both notify `handoff.reassigned`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact import outbox
from leadpact.clock import isoformat
from leadpact.handoff.models import Handoff
from leadpact.handoff.service import HandoffNotFound
from leadpact.org.availability import is_away
from leadpact.org.models import Rep, User
from leadpact.outbox.payloads import handoff_payload, rep_facts

WORKED = ("open", "accepted")  # the states in which a rep still works a handoff


class ReassignRefused(ValueError):
    """A reassignment that cannot be made, with why in words."""


class HandoffNotInYourTeam(PermissionError):
    """The handoff is not in a team the acting manager manages."""


def team_of(*, session: Session, handoff: Handoff) -> int | None:
    """Return the handoff's team: the one it was routed to, else its rep's."""
    if handoff.team_id is not None or handoff.rep_id is None:
        return handoff.team_id
    return session.scalar(select(Rep.team_id).where(Rep.id == handoff.rep_id))


def reassign(*, session: Session, handoff_id: int, to_rep_id: int, by: str, now: datetime,
             team_ids: Collection[int] | None = None) -> Handoff:
    """Give an open or accepted handoff to another rep of its team, record who moved it and when, tell the new rep
    and push the new owner to connected CRMs. `team_ids` limits it to those teams (a manager's); None: any."""
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    team_id = team_of(session=session, handoff=handoff)
    if team_ids is not None and team_id not in team_ids:
        raise HandoffNotInYourTeam(f"handoff {handoff_id} is not in a team you manage")
    if handoff.state not in WORKED:
        raise ReassignRefused(f"handoff {handoff_id} is {handoff.state}: only an open or accepted handoff can be "
                              "reassigned")
    found = session.execute(select(Rep, User).join(User, User.id == Rep.user_id).where(Rep.id == to_rep_id)).first()
    if found is None:
        raise ReassignRefused(f"no rep {to_rep_id}")
    rep, user = found
    if rep.id == handoff.rep_id:
        raise ReassignRefused(f"{user.name} already has handoff {handoff_id}")
    if team_id is not None and rep.team_id != team_id:
        raise ReassignRefused(f"{user.name} is not in this handoff's team: reassign within the team")
    if not user.is_active:
        raise ReassignRefused(f"{user.name} is deactivated")
    if is_away(rep, at=now):
        back = f" until {rep.away_until:%Y-%m-%d}" if rep.away_until else ""
        raise ReassignRefused(f"{user.name} is away{back}")
    previous = handoff.rep_id
    handoff.rep_id, handoff.team_id = rep.id, team_id
    handoff.reassigned_at, handoff.reassigned_from_rep_id, handoff.reassigned_by = now, previous, by
    session.flush()
    payload = handoff_payload(session=session, handoff=handoff)
    payload["reassigned_from"] = rep_facts(session=session, rep_id=previous)
    payload["reassigned_by"] = by
    outbox.notify(session=session, topic="handoff.reassigned", payload=payload, now=now, rep_id=rep.id,
                  handoff_id=handoff.id, key=f"handoff.reassigned:{handoff.id}:{rep.id}:{isoformat(now)}")
    # Imported here: the CRM package builds on handoffs, so it cannot be imported while this module loads.
    from leadpact.crm.delivery import enqueue_handoff_pushes

    enqueue_handoff_pushes(session=session, handoff_id=handoff.id, now=now, topic="handoff.reassigned")
    return handoff
