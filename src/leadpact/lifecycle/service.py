"""The one transition function: every lifecycle move goes through it and appends its audit row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.lifecycle.models import Transition
from leadpact.lifecycle.states import Status, is_allowed
from leadpact.people.models import Person

SYSTEM = "system"


class TransitionRefused(ValueError):
    """A move the lifecycle table does not allow, with the reason in words."""


def move(
    *,
    session: Session,
    person: Person,
    to: Status | str,
    at: datetime,
    actor: str = SYSTEM,
    pact_version: int | None = None,
    reasons: dict[str, Any] | None = None,
    triggering_message_id: str | None = None,
) -> Transition:
    """Move a person to `to` and append the audit row in the caller's transaction; refuse moves not in the table."""
    source, target = Status(person.status), Status(to)
    automatic = actor == SYSTEM
    if source == target or not is_allowed(source, target, automatic=automatic):
        kind = "automatic" if automatic else "manual"
        raise TransitionRefused(f"{kind} move {source} → {target} is not allowed for person {person.id}")
    person.status = target.value
    person.updated_at = at
    row = Transition(
        person_id=person.id, from_status=source.value, to_status=target.value, at=at, actor=actor,
        pact_version=pact_version, reasons=reasons or {}, triggering_message_id=triggering_message_id,
    )
    session.add(row)
    return row


def history(*, session: Session, person_id: int) -> list[Transition]:
    """Return a person's audit trail, oldest first."""
    return list(
        session.scalars(select(Transition).where(Transition.person_id == person_id).order_by(Transition.id))
    )
