"""What a fired timer does: record and escalate a breach, reassign an untouched handoff, ask for feedback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from leadpact.clock import isoformat
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, User
from leadpact.outbox import notify
from leadpact.outbox.payloads import handoff_payload, rep_facts
from leadpact.sla.models import Timer

log = logging.getLogger(__name__)
Effect = Callable[..., None]


def breach(*, session: Session, timer: Timer, now: datetime, worker_id: str) -> None:
    """Record the SLA breach at the deadline and, while still untouched, alert the rep's manager."""
    handoff = _locked_handoff(session, timer)
    if handoff is None:
        return
    touched = handoff.first_touch_at
    if touched is not None and touched <= timer.due_at:
        return  # touched in time: the timer outlived a cancellation that raced it
    if handoff.sla_breached_at is None:
        # The breach happened at the deadline, however late a worker got round to it.
        handoff.sla_breached_at = timer.due_at
    if touched is not None or handoff.state != "open":
        return  # touched late or already settled: recorded, but nobody needs chasing
    sent = notify(session=session, topic="sla.breached", payload=handoff_payload(session=session, handoff=handoff),
                  now=now, key=_key(timer), rep_id=handoff.rep_id, handoff_id=handoff.id)
    if sent:
        handoff.escalated_at = now
    else:
        log.warning("handoff #%s breached its SLA but nobody hears sla.breached (no manager, no channel)", handoff.id)


def reassign(*, session: Session, timer: Timer, now: datetime, worker_id: str) -> None:
    """Move a handoff still untouched after the second window to the team's least-loaded available rep."""
    handoff = _locked_handoff(session, timer)
    if handoff is None or handoff.first_touch_at is not None or handoff.state != "open":
        return
    rep_id = next_rep(session=session, handoff=handoff, now=now)
    if rep_id is None:
        log.warning("handoff #%s is due for reassignment but its team has no other available rep", handoff.id)
        return
    previous = handoff.rep_id
    handoff.rep_id = rep_id
    handoff.reassigned_at = now
    handoff.reassigned_from_rep_id = previous
    session.flush()
    payload = handoff_payload(session=session, handoff=handoff)
    payload["reassigned_from"] = rep_facts(session=session, rep_id=previous)
    notify(session=session, topic="handoff.reassigned", payload=payload, now=now, key=_key(timer),
           rep_id=rep_id, handoff_id=handoff.id)


def feedback_due(*, session: Session, timer: Timer, now: datetime, worker_id: str) -> None:
    """Ask the rep for a disposition on a handoff that still has none."""
    handoff = _locked_handoff(session, timer)
    if handoff is None or handoff.disposition_at is not None or handoff.state != "open":
        return
    notify(session=session, topic="feedback.due", payload=handoff_payload(session=session, handoff=handoff),
           now=now, key=_key(timer), rep_id=handoff.rep_id, handoff_id=handoff.id)


def unknown(*, session: Session, timer: Timer, now: datetime, worker_id: str) -> None:
    """Fire a timer of a kind this version does not know, doing nothing (so it does not come back every pass)."""
    log.warning("timer #%s has unknown kind %r; fired with no effect", timer.id, timer.kind)


def next_rep(*, session: Session, handoff: Any, now: datetime) -> int | None:
    """Return the team's available rep with the fewest open handoffs, other than the current one (None: nobody)."""
    team_id = handoff.team_id
    if team_id is None and handoff.rep_id is not None:
        team_id = session.scalar(select(Rep.team_id).where(Rep.id == handoff.rep_id))
    if team_id is None:
        return None
    open_count = (
        select(func.count(Handoff.id))
        .where(Handoff.rep_id == Rep.id, Handoff.state == "open")
        .correlate(Rep)
        .scalar_subquery()
    )
    candidates = (
        select(Rep.id, Rep.capacity, open_count.label("open"))
        .join(User, User.id == Rep.user_id)
        .where(Rep.team_id == team_id, or_(Rep.is_away.is_(False), Rep.away_until <= now), User.is_active.is_(True))
        .order_by(open_count, Rep.id)
    )
    if handoff.rep_id is not None:
        candidates = candidates.where(Rep.id != handoff.rep_id)
    for rep_id, capacity, open_handoffs in session.execute(candidates):
        if capacity is None or open_handoffs < capacity:
            return rep_id
    return None


def _key(timer: Timer) -> str:
    # The deadline is part of the key: clocks restarted on the same handoff (one timer per kind) notify again.
    return f"timer:{timer.id}:{isoformat(timer.due_at)}"


def _locked_handoff(session: Session, timer: Timer) -> Handoff | None:
    # Row lock on PostgreSQL: a rep accepting or touching the handoff meanwhile waits instead of being overwritten.
    return session.get(Handoff, timer.handoff_id, with_for_update=True)


EFFECTS: dict[str, Effect] = {"sla_breach": breach, "reassign": reassign, "feedback_due": feedback_due}


def effect_of(kind: str) -> Effect:
    """Return what a timer of `kind` does when it fires."""
    return EFFECTS.get(kind, unknown)
