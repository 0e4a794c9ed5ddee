"""Closing handoffs whose person left the handoff path by another road than the rep's feedback.

A person disqualified by the engine or an operator, recycled, won or lost while their handoff is still open must
not stay in the rep's inbox on the SLA clock: the handoff ends `closed`, its clocks stop, the rep is told why, and
the move's audit row names the handoffs it closed. Feedback (accept, reject) settles its own handoff and is left
alone: its moves name the handoff they are made for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact import outbox, sla
from leadpact.clock import isoformat
from leadpact.db import select_in
from leadpact.handoff.models import Handoff
from leadpact.lifecycle import Move, Status

# Where a person stands while their open handoff still waits on the rep: qualified, or handed off.
WAITING = frozenset({Status.mql.value, Status.hot.value, Status.needs_context.value, Status.handed_off.value})
# The SLA, reassignment and feedback clocks all stop with the handoff.
CLOCKS = ("sla_breach", "reassign", "feedback_due")
# Reasons of a move worth repeating to the rep, in the order they read best.
TOLD = ("disqualified_by", "reason", "rule", "note")


def close_left_handoffs(session: Session, moves: list[Move], at: datetime, actor: str) -> None:
    """Close the open handoffs of people these moves took off the handoff path (a lifecycle listener)."""
    # Only a person standing where an open handoff waits can hold one: the engine's many moves between anonymous,
    # known and engaged never cost a query here.
    leaving = {m.person_id: m for m in moves if m.from_status in WAITING and m.to_status not in WAITING}
    if not leaving:
        return
    # Which handoffs first, on the driver's cursor: feedback's own moves (every rejection, win and loss) find only
    # the handoff they settle themselves, and SQLAlchemy's setup of loading it cost more than the move.
    session.flush()  # as the ORM query would have: handoffs opened in this transaction count
    rows = select_in(session.connection(), Handoff.__table__, ("id", "person_id", "state"), "person_id", leaving)
    # Feedback on this very handoff is left out: the caller records its own disposition.
    ids = [handoff_id for handoff_id, person_id, state in rows
           if state == "open" and leaving[person_id].reasons.get("handoff_id") != handoff_id]
    if not ids:
        return
    found = session.scalars(select(Handoff).where(Handoff.id.in_(ids)).order_by(Handoff.id)).all()
    for handoff in found:
        moved = leaving[handoff.person_id]
        close(session=session, handoff=handoff, moved=moved, at=at, actor=actor)
        moved.reasons.setdefault("closed_handoffs", []).append(handoff.id)


def close(*, session: Session, handoff: Handoff, moved: Move, at: datetime, actor: str) -> str:
    """Close one open handoff because its person moved; stop its clocks, tell the rep, and return why in words."""
    why = closing_reason(moved, actor)
    handoff.state = "closed"
    # Settled by whoever moved the person: when and who, as for a rep's disposition; the why travels below.
    handoff.disposition_at, handoff.disposition_actor = at, actor
    # Timers already due stay, as at a first touch: a breach that happened before the close is still recorded
    # (its effect chases nobody once the handoff is closed).
    sla.cancel_timers(session=session, handoff_id=handoff.id, kinds=CLOCKS, at=at, only_due_after=at)
    session.flush()
    payload: dict[str, Any] = outbox.handoff_payload(session=session, handoff=handoff)
    payload.update(closed_at=isoformat(at), closed_by=actor, closed_reason=why, status=moved.to_status, text=why)
    outbox.notify(session=session, topic="handoff.closed", payload=payload, now=at,
                  key=f"handoff.closed:{handoff.id}", rep_id=handoff.rep_id, handoff_id=handoff.id)
    return why


def closing_reason(moved: Move, actor: str) -> str:
    """Say why a handoff closed: where its person went, from where, who moved them and the move's own reasons."""
    told = []
    for key in TOLD:
        value = moved.reasons.get(key)
        if value:
            told.append(f"{key.replace('_', ' ')}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    detail = f" ({'; '.join(told)})" if told else ""
    return f"Closed: the person moved {moved.from_status} → {moved.to_status} by {actor}{detail}"
