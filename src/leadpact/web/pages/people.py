"""The account page (everyone known at a company, their engagement, handoffs and outcomes) and the person page
(identity, evaluation with matched criteria and points, missing context, the lifecycle audit trail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff import readiness_items
from leadpact.handoff.brief import full_name
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.lifecycle import history
from leadpact.lifecycle.models import Transition
from leadpact.org.models import Rep, User
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, ContentAsset, Identity, Person
from leadpact.web.pages.inbox import Visible

READ_SHOWN = 15


@dataclass(frozen=True)
class Member:
    """A person of the account with their latest evaluation."""

    person: Person
    name: str
    evaluation: Evaluation | None


@dataclass(frozen=True)
class Read:
    """An asset people of the account engaged with: how many people, how often, and when last."""

    title: str
    stage: str | None
    problem: str | None
    people: int
    times: int
    last_at: datetime


@dataclass(frozen=True)
class AccountPage:
    """Everything the account page shows."""

    account: Account
    owner: str | None
    members: list[Member]
    engagement: float
    buying_roles: int
    reads: list[Read]
    handoffs: list[tuple[Handoff, str, str | None]]
    opportunities: list[Opportunity]


@dataclass(frozen=True)
class PersonPage:
    """Everything the person page shows."""

    person: Person
    name: str
    account: Account | None
    identities: list[Identity]
    evaluation: Evaluation | None
    criteria: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    trail: list[Transition]
    handoffs: list[tuple[Handoff, str | None]]


def may_see_account(*, session: Session, account_id: int, visible: Visible, rep_id: int | None) -> bool:
    """Whether the reader may open this account: it has a handoff they may see, or it is theirs to own."""
    if rep_id is not None and session.scalar(select(Account.id).where(Account.id == account_id,
                                                                       Account.owner_rep_id == rep_id)):
        return True
    return session.scalar(visible(select(Handoff.id).where(Handoff.account_id == account_id)).limit(1)) is not None


def _rep_names(session: Session, rep_ids: set[int]) -> dict[int, str]:
    if not rep_ids:
        return {}
    rows = session.execute(select(Rep.id, User.name).join(User, User.id == Rep.user_id).where(Rep.id.in_(rep_ids)))
    return {rep_id: name for rep_id, name in rows}


def account_page(*, session: Session, account: Account, visible: Visible) -> AccountPage:
    """Return the account's people (role, persona, status, scores), combined engagement, what they read, its
    handoffs the reader may see with their outcomes, and the owner."""
    rows = session.execute(select(Person, Evaluation).outerjoin(Evaluation, Evaluation.person_id == Person.id)
                           .where(Person.account_id == account.id).order_by(Person.last_name, Person.id)).all()
    members = [Member(person, full_name(person), evaluation) for person, evaluation in rows]
    ids = [m.person.id for m in members]
    asset = ContentAsset
    reads_query = (select(asset.title, asset.funnel_stage, asset.problem, func.count(func.distinct(Event.person_id)),
                          func.count(Event.id), func.max(Event.timestamp))
                   .join(asset, asset.id == Event.asset_id)
                   .where(Event.person_id.in_(ids)).group_by(asset.id, asset.title, asset.funnel_stage, asset.problem)
                   .order_by(func.count(Event.id).desc()).limit(READ_SHOWN))
    reads = [Read(*row) for row in session.execute(reads_query)] if ids else []
    handoffs = list(session.scalars(visible(select(Handoff).where(Handoff.account_id == account.id)
                                            .order_by(Handoff.created_at.desc()))))
    owner = {account.owner_rep_id} if account.owner_rep_id is not None else set()
    names = _rep_names(session, {h.rep_id for h in handoffs if h.rep_id is not None} | owner)
    by_person = {m.person.id: m.name for m in members}
    seen = {h.person_id for h in handoffs}
    opportunities = [o for o in session.scalars(select(Opportunity).where(Opportunity.account_id == account.id)
                                                .order_by(Opportunity.opened_at.desc())) if o.person_id in seen]
    return AccountPage(
        account=account, owner=names.get(account.owner_rep_id) if account.owner_rep_id else None, members=members,
        engagement=round(sum(m.evaluation.engagement_score for m in members if m.evaluation), 2),
        buying_roles=sum(1 for m in members if m.evaluation and m.evaluation.buying_role),
        reads=reads,
        handoffs=[(h, by_person.get(h.person_id, f"Person {h.person_id}"), names.get(h.rep_id) if h.rep_id else None)
                  for h in handoffs],
        opportunities=opportunities,
    )


def person_page(*, session: Session, person: Person, visible: Visible) -> PersonPage:
    """Return the person's identity, evaluation, missing context, audit trail and the handoffs the reader sees."""
    evaluation = session.get(Evaluation, person.id)
    handoffs = list(session.scalars(visible(select(Handoff).where(Handoff.person_id == person.id)
                                            .order_by(Handoff.created_at.desc()))))
    names = _rep_names(session, {h.rep_id for h in handoffs if h.rep_id})
    criteria = sorted(((evaluation.matched or {}).get("criteria") or []) if evaluation else [],
                      key=lambda c: (-c.get("points", 0), c.get("section", ""), c.get("id", "")))
    return PersonPage(
        person=person, name=full_name(person),
        account=session.get(Account, person.account_id) if person.account_id else None,
        identities=list(session.scalars(select(Identity).where(Identity.person_id == person.id)
                                        .order_by(Identity.id))),
        evaluation=evaluation, criteria=criteria,
        missing=readiness_items(list((evaluation.missing or {}).get("items", []))) if evaluation else [],
        trail=history(session=session, person_id=person.id),
        handoffs=[(h, names.get(h.rep_id) if h.rep_id else None) for h in handoffs],
    )
