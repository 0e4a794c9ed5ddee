"""The evidence a proposal stands on: every handoff with a disposition, the facts at the moment it was made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.engine.inputs import CatalogCache, account_facts, load_histories, person_facts
from leadpact.handoff import Handoff, Opportunity
from leadpact.pact import Catalog, CompiledPact, Evaluation, evaluate
from leadpact.people.models import Account, Person


@dataclass
class Decided:
    """A handoff sales decided on: accepted or rejected (with the reason), won or not, and what was known then."""

    handoff_id: int
    person_id: int
    handed_off_at: datetime
    accepted: bool
    rejection_reason: str | None
    won: bool
    person: dict[str, Any]
    account: dict[str, Any] | None
    events: list[dict[str, Any]]

    def evaluated(self, compiled: CompiledPact, catalog: Catalog) -> Evaluation:
        """The live evaluator's verdict on this person under `compiled` at the moment of the handoff."""
        return evaluate(
            compiled,
            person=self.person,
            account=self.account,
            events=self.events,
            content=catalog,
            as_of=self.handed_off_at,
        )


def decided_handoffs(session: Session) -> tuple[list[Decided], Catalog]:
    """Every accepted or rejected handoff with its person's facts and history, and the content catalog."""
    won = set(session.scalars(select(Opportunity.person_id).where(Opportunity.stage == "won")))
    rows = session.execute(
        select(Handoff, Person, Account)
        .join(Person, Person.id == Handoff.person_id)
        .outerjoin(Account, Account.id == Person.account_id)
        .where(Handoff.state.in_(["accepted", "rejected"]))
        .order_by(Handoff.id)
    ).all()
    histories = load_histories(session, [person.id for _handoff, person, _account in rows])
    decided = [
        Decided(
            handoff_id=handoff.id,
            person_id=person.id,
            handed_off_at=handoff.created_at,
            accepted=handoff.state == "accepted",
            rejection_reason=handoff.rejection_reason,
            won=person.id in won,
            person=person_facts(person),
            account=account_facts(account),
            # Only what had happened by the handoff counts: the evaluator ignores later events at that as_of.
            events=histories.get(person.id, []),
        )
        for handoff, person, account in rows
    ]
    return decided, CatalogCache().get(session)
