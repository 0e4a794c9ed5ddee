"""Factories for handoff and feedback tests: the sales org, accounts, people, a catalog, an active pact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from leadpact.handoff import Handoff
from leadpact.org.models import Rep, Team, User
from leadpact.outbox import NotificationChannel
from leadpact.pact.models import PactVersion
from leadpact.people.models import Account, ContentAsset, Person

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NORTHWIND = (Path(__file__).parents[2] / "examples" / "northwind.yaml").read_text()

# A small catalog: each asset speaks to a problem at a funnel stage.
CATALOG = [
    ("blog-cost-lessons", "Lessons from runaway warehouse costs", "/blog/cost-lessons", "cost of warehouse",
     "awareness"),
    ("guide-cost", "Cutting warehouse cost", "/guides/cutting-warehouse-cost", "cost of warehouse", "consideration"),
    ("blog-quality-checklist", "A 10-point data test checklist", "/blog/quality-checklist", "data quality",
     "awareness"),
    ("page-pricing", "Pricing", "/pricing", None, "decision"),
    ("page-demo", "Book a demo", "/demo", None, "decision"),
]


def make_user(session: Session, email: str, name: str, role: str) -> User:
    """Add a user."""
    user = User(email=email, name=name, role=role, is_active=True, created_at=NOW)
    session.add(user)
    session.flush()
    return user


def make_team(session: Session, key: str, *, manager: User | None = None, timezone: str = "UTC") -> Team:
    """Add a sales team."""
    team = Team(key=key, name=key.replace("_", " ").title(), manager_user_id=manager.id if manager else None,
                timezone=timezone, created_at=NOW)
    session.add(team)
    session.flush()
    return team


def make_rep(session: Session, email: str, name: str, team: Team | None = None, *, weight: int = 1,
             capacity: int | None = None, away: bool = False) -> Rep:
    """Add a rep (and their user) in a team."""
    user = make_user(session, email, name, "rep")
    rep = Rep(user_id=user.id, team_id=team.id if team else None, weight=weight, capacity=capacity, is_away=away,
              timezone=team.timezone if team else "UTC", created_at=NOW)
    session.add(rep)
    session.flush()
    return rep


def make_account(session: Session, name: str, domain: str, *, owner: Rep | None = None, country: str = "US",
                 industry: str = "software", employees: int = 800) -> Account:
    """Add an account."""
    account = Account(name=name, domain=domain, industry=industry, employees=employees, country=country,
                      owner_rep_id=owner.id if owner else None, traits={}, created_at=NOW, updated_at=NOW)
    session.add(account)
    session.flush()
    return account


def make_person(session: Session, email: str, account: Account | None, *, first: str = "Jo", last: str = "Smith",
                title: str = "VP Data", status: str = "hot", **columns: Any) -> Person:
    """Add a person at an account."""
    person = Person(email=email, account_id=account.id if account else None, first_name=first, last_name=last,
                    title=title, department="data", seniority="vp", traits={}, status=status, created_at=NOW,
                    updated_at=NOW, **columns)
    session.add(person)
    session.flush()
    return person


def make_handoff(session: Session, person: Person, rep: Rep | None, *, state: str = "open") -> Handoff:
    """Add a handoff as routing would have made it."""
    handoff = Handoff(person_id=person.id, account_id=person.account_id, rep_id=rep.id if rep else None,
                      team_id=rep.team_id if rep else None, tier="mql", state=state, routing_reason="test",
                      brief="test", created_at=NOW)
    session.add(handoff)
    session.flush()
    return handoff


def add_catalog(session: Session) -> None:
    """Add the small content catalog."""
    for asset_id, title, path, problem, stage in CATALOG:
        session.add(ContentAsset(id=asset_id, title=title, path=path, topic=None, problem=problem,
                                 funnel_stage=stage, created_at=NOW, updated_at=NOW))
    session.flush()


def activate(session: Session, source: str = NORTHWIND, version: int = 1) -> PactVersion:
    """Store a pact version as the active one (approval is the pact domain's concern)."""
    row = PactVersion(version=version, name="test", source=source, state="active", created_by="test",
                      created_at=NOW, activated_at=NOW)
    session.add(row)
    session.flush()
    return row


def listen_everywhere(session: Session) -> NotificationChannel:
    """Add a webhook channel that hears every topic, so each notification leaves an outbox row to look at."""
    channel = NotificationChannel(kind="webhook", target="http://127.0.0.1:9/hook", secret="s3cret", topics={},
                                  is_active=True, created_at=NOW)
    session.add(channel)
    session.flush()
    return channel
