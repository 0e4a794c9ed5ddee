"""Handoffs ready to push: a rep with CRM owner ids, people at an account, their evaluations and briefs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from leadpact.db import session_scope
from leadpact.handoff import Handoff
from leadpact.org.models import Rep
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, Person
from tests.handoff.factories import make_account, make_person, make_rep, make_team

CREATED = datetime.fromisoformat("2026-10-01T09:00:00+00:00")
BRIEF = ("Jo Smith is VP Data at Acme (software, 800 employees). VP Data is a buying role. They read 'Cutting "
         "warehouse cost' and the pricing page twice this week. Likely problem: cost of warehouse. Urgency: "
         "requested a demo today.")


def sales_rep(*, owner_id: str | None = "101", email: str = "rob@northwind.example") -> int:
    """A rep in a New York team whose CRM owner id is `owner_id`; returns the rep's id."""
    with session_scope() as session:
        team = make_team(session, f"team_{email.split('@')[0]}", timezone="America/New_York")
        rep = make_rep(session, email, "Rob Rep", team)
        rep.crm_owner_id = owner_id
        return rep.id


def set_owner(rep_id: int, owner_id: str | None) -> None:
    """Change a rep's CRM owner id."""
    with session_scope() as session:
        session.get(Rep, rep_id).crm_owner_id = owner_id  # type: ignore[union-attr]


def make_handoffs(count: int, *, rep_id: int | None, start: int = 0, email: str | None = None,
                  tier: str = "hot", minutes: int = 15) -> list[int]:
    """`count` people at Acme, each evaluated and handed off to the rep; returns the handoff ids."""
    ids = []
    with session_scope() as session:
        account = session.scalar(select(Account).where(Account.domain == "acme.example")) or \
            make_account(session, "Acme", "acme.example")
        rep = session.get(Rep, rep_id) if rep_id else None
        for n in range(start, start + count):
            person = make_person(session, email or f"buyer{n}@acme.example", account, first="Jo", last=f"Smith{n}",
                                 status="handed_off")
            session.add(Evaluation(person_id=person.id, pact_version=1, fit_score=31.5 + n % 3, grade="A",
                                   engagement_score=42.0, persona="data_leader", buying_role=True, status=tier,
                                   matched={}, missing={}, evaluated_at=CREATED))
            handoff = Handoff(person_id=person.id, account_id=account.id, rep_id=rep_id,
                              team_id=rep.team_id if rep else None, tier=tier, state="open",
                              routing_reason="account owner", brief=BRIEF, created_at=CREATED,
                              sla_due_at=CREATED + timedelta(minutes=minutes))
            session.add(handoff)
            session.flush()
            ids.append(handoff.id)
    return ids


def person_of(handoff_id: int) -> Person:
    """The person of a handoff."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return session.get(Person, handoff.person_id)  # type: ignore[union-attr,return-value]


def count_handoffs() -> int:
    """How many handoffs the test's database holds."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Handoff)) or 0
