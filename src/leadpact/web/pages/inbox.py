"""The inbox: the handoffs a rep (or a manager's team) still works, the SLA's next deadline first, hot first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.handoff.brief import full_name
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, User
from leadpact.people.models import Account, Person

# A principal's row filter: takes a select over handoffs, gives it back limited to the rows they may see.
Visible = Callable[[Any], Any]
WORKED = ("open", "accepted")
# Where a handoff sits in the inbox: waiting for the first touch, then for a decision, then accepted (to qualify).
STAGES = ("waiting for first touch", "waiting for your decision", "accepted: qualify or close")
FAR = datetime.max.replace(tzinfo=None)


@dataclass(frozen=True)
class HandoffLine:
    """The columns of a handoff the inbox shows (not its brief, facts or timeline: each row would decode them)."""

    id: int
    person_id: int
    tier: str
    state: str
    created_at: datetime
    sla_due_at: datetime | None
    feedback_due_at: datetime | None
    first_touch_at: datetime | None
    sla_breached_at: datetime | None
    escalated_at: datetime | None


LINE_COLUMNS = (Handoff.id, Handoff.person_id, Handoff.tier, Handoff.state, Handoff.created_at, Handoff.sla_due_at,
          Handoff.feedback_due_at, Handoff.first_touch_at, Handoff.sla_breached_at, Handoff.escalated_at)


@dataclass(frozen=True)
class InboxRow:
    """One handoff as the inbox lists it."""

    handoff: HandoffLine
    name: str
    title: str | None
    company: str | None
    rep: str | None
    stage: int

    @property
    def deadline(self) -> datetime | None:
        """The clock that matters now: the SLA until the first touch, then the feedback deadline."""
        return self.handoff.sla_due_at if self.stage == 0 else self.handoff.feedback_due_at


def _stage(handoff: HandoffLine) -> int:
    if handoff.state == "accepted":
        return 2
    return 0 if handoff.first_touch_at is None else 1


def inbox_statement() -> Any:
    """The inbox's one query, before the reader's row filter: worked handoffs with person, account and rep."""
    return (select(*LINE_COLUMNS, Person.first_name, Person.last_name, Person.email, Person.title, Person.company_name,
                   Account.name, User.name)
            .join(Person, Person.id == Handoff.person_id)
            .outerjoin(Account, Account.id == Handoff.account_id)
            .outerjoin(Rep, Rep.id == Handoff.rep_id)
            .outerjoin(User, User.id == Rep.user_id)
            .where(Handoff.state.in_(WORKED)))


def inbox(*, session: Session, visible: Visible, limit: int = 500) -> list[InboxRow]:
    """Return the handoffs still worked that the reader may see: untouched ones first, hot before MQL, then by the
    deadline that runs (SLA, then feedback); the overdue first within each."""
    rows = session.execute(visible(inbox_statement()).order_by(Handoff.sla_due_at, Handoff.id).limit(limit)).all()
    found = []
    for row in rows:
        handoff = HandoffLine(*row[:len(LINE_COLUMNS)])
        first, last, email, title, company_name, account_name, rep_name = row[len(LINE_COLUMNS):]
        name = " ".join(p for p in (first, last) if p) or email or f"Person {handoff.person_id}"
        found.append(InboxRow(handoff, name, title, account_name or company_name, rep_name, _stage(handoff)))

    def order(row: InboxRow) -> tuple[int, int, datetime, int]:
        deadline = row.deadline
        return (row.stage, 0 if row.handoff.tier == "hot" else 1,
                deadline.replace(tzinfo=None) if deadline else FAR, row.handoff.id)

    return sorted(found, key=order)


__all__ = ["STAGES", "InboxRow", "Visible", "full_name", "inbox", "inbox_statement"]
