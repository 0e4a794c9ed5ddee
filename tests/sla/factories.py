"""Factories for the SLA and outbox tests: a team with its manager, reps, people and open handoffs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, Team, User
from leadpact.org.service import create_team, create_user
from leadpact.pact.schema import SlaTier
from leadpact.people.models import Account, Person

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
_serial = itertools.count(1)


@dataclass
class Org:
    """A team with a manager and its reps."""

    team: Team
    manager: User
    reps: list[Rep] = field(default_factory=list)


def make_org(session: Session, *, reps: int = 2, timezone: str = "UTC", key: str | None = None) -> Org:
    """Create a team (with a manager) and `reps` reps in it."""
    n = next(_serial)
    key = key or f"team{n}"
    manager = create_user(session=session, email=f"manager{n}@seller.test", name=f"Manager {n}", role="manager",
                          now=NOW)
    team = create_team(session=session, key=key, name=f"Team {n}", manager=manager.email, timezone=timezone, now=NOW)
    org = Org(team=team, manager=manager)
    for i in range(reps):
        user = create_user(session=session, email=f"rep{n}-{i}@seller.test", name=f"Rep {n}-{i}", role="rep",
                           team=key, now=NOW)
        org.reps.append(session.query(Rep).filter_by(user_id=user.id).one())
    return org


def email_of(session: Session, rep: Rep) -> str:
    """The email address of a rep."""
    return session.get(User, rep.user_id).email


def make_handoff(session: Session, *, rep: Rep, tier: str = "hot", now: datetime = NOW) -> Handoff:
    """Create a person at an account and an open handoff of them to `rep`."""
    n = next(_serial)
    account = Account(domain=f"buyer{n}.test", name=f"Buyer {n} GmbH", industry="Software", employees=800,
                      country="DE", traits={}, created_at=now, updated_at=now)
    session.add(account)
    session.flush()
    person = Person(account_id=account.id, email=f"ada{n}@buyer{n}.test", first_name="Ada", last_name=f"Lovelace{n}",
                    title="VP Engineering", traits={}, status="handed_off", event_count=3, created_at=now,
                    updated_at=now)
    session.add(person)
    session.flush()
    handoff = Handoff(person_id=person.id, account_id=account.id, rep_id=rep.id, team_id=rep.team_id, tier=tier,
                      state="open", routing_reason="round robin in team", brief="Ada runs engineering at Buyer GmbH.",
                      brief_facts={}, timeline={"events": []}, criteria={}, qualification={}, created_at=now)
    session.add(handoff)
    session.flush()
    return handoff


def tier(respond_within: str = "15m", *, business_hours: bool = False, reassign_after: str | None = None) -> SlaTier:
    """An SLA tier as the pact writes it."""
    return SlaTier.model_validate({"respond_within": respond_within, "escalate_to": "manager",
                                   "business_hours": business_hours, "reassign_after": reassign_after})


def minutes(n: float) -> timedelta:
    """`n` minutes."""
    return timedelta(minutes=n)
