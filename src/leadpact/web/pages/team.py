"""The manager's view: each team's SLA compliance by rep, open risks, breaches and escalations, feedback overdue,
and every rep's availability (away, return date, capacity, routing weight)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.org.availability import is_away
from leadpact.org.models import Rep, Team, User
from leadpact.people.models import Account, Person
from leadpact.sla import SpeedToLead, speed_to_lead, speed_to_lead_by
from leadpact.web.pages.inbox import LINE_COLUMNS, HandoffLine, Visible

WINDOW = timedelta(days=30)  # compliance, breaches and escalations over the last 30 days
RISK_AHEAD = timedelta(hours=4)  # untouched handoffs due within this are at risk


@dataclass(frozen=True)
class Member:
    """A rep of the team: availability, open handoffs and speed-to-lead over the window."""

    rep: Rep
    user: User
    away: bool
    open_handoffs: int
    speed: SpeedToLead


@dataclass(frozen=True)
class Listed:
    """A handoff in one of the manager's lists."""

    handoff: HandoffLine
    name: str
    company: str | None
    rep: str | None


@dataclass(frozen=True)
class TeamView:
    """One team as its manager sees it."""

    team: Team
    manager: str | None
    members: list[Member]
    speed: SpeedToLead
    risks: list[Listed]
    breaches: list[Listed]
    feedback_overdue: list[Listed]


def _listed(session: Session, visible: Visible, team_id: int, *where: Any, order: Any) -> list[Listed]:
    query = (select(*LINE_COLUMNS, Person.first_name, Person.last_name, Person.email, Account.name, User.name)
             .join(Person, Person.id == Handoff.person_id).outerjoin(Account, Account.id == Handoff.account_id)
             .outerjoin(Rep, Rep.id == Handoff.rep_id).outerjoin(User, User.id == Rep.user_id)
             .where(Handoff.team_id == team_id, *where).order_by(order).limit(100))
    found = []
    for row in session.execute(visible(query)):
        handoff = HandoffLine(*row[:len(LINE_COLUMNS)])
        first, last, email, company, rep = row[len(LINE_COLUMNS):]
        name = " ".join(p for p in (first, last) if p) or email or f"Person {handoff.person_id}"
        found.append(Listed(handoff, name, company, rep))
    return found


def team_view(*, session: Session, team: Team, visible: Visible, now: datetime) -> TeamView:
    """Return one team's figures and lists as of `now`."""
    since = now - WINDOW
    clocks = session.execute(visible(
        select(Handoff.rep_id, Handoff.created_at, Handoff.first_touch_at, Handoff.sla_due_at,
               Handoff.sla_breached_at, Handoff.escalated_at)
        .where(Handoff.team_id == team.id, Handoff.created_at >= since, Handoff.state != "closed"))).mappings().all()
    by_rep = speed_to_lead_by(clocks, "rep_id", as_of=now)
    opened = dict(session.execute(select(Handoff.rep_id, func.count()).where(Handoff.state == "open")
                                  .group_by(Handoff.rep_id)).all())
    reps = session.execute(select(Rep, User).join(User, User.id == Rep.user_id).where(Rep.team_id == team.id)
                           .order_by(User.name)).all()
    members = [Member(rep, user, is_away(rep, at=now), int(opened.get(rep.id, 0)),
                      by_rep.get(rep.id) or speed_to_lead([], as_of=now)) for rep, user in reps]
    manager = session.scalar(select(User.name).where(User.id == team.manager_user_id)) if team.manager_user_id else None
    untouched_open = (Handoff.state == "open", Handoff.first_touch_at.is_(None))
    return TeamView(
        team=team, manager=manager, members=members, speed=speed_to_lead(clocks, as_of=now),
        risks=_listed(session, visible, team.id, *untouched_open, Handoff.sla_due_at <= now + RISK_AHEAD,
                      order=Handoff.sla_due_at),
        breaches=_listed(session, visible, team.id, or_(Handoff.sla_breached_at >= since,
                                                        Handoff.escalated_at >= since),
                         order=Handoff.sla_due_at.desc()),
        feedback_overdue=_listed(session, visible, team.id, Handoff.state == "open",
                                 Handoff.disposition_at.is_(None), Handoff.feedback_due_at < now,
                                 order=Handoff.feedback_due_at),
    )


def teams_of(*, session: Session, team_ids: Collection[int] | None) -> list[Team]:
    """Return these teams (None: every team), by name."""
    query = select(Team).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(list(team_ids)))
    return list(session.scalars(query))
