"""Users, sales teams and reps: create, find and list. Services flush; the caller owns the transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.org.models import ROLES, Rep, Team, User

TEAM_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class OrgError(ValueError):
    """Bad input for a user or team, with what is wrong in words."""


@dataclass(frozen=True)
class TeamSummary:
    """A team as listed: its row, its manager's email and how many reps it has."""

    team: Team
    manager_email: str | None
    reps: int


def normalise_email(email: str) -> str:
    """Return the form emails are stored and looked up in (trimmed, lower case)."""
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def get_team(*, session: Session, key: str) -> Team | None:
    """Return the team with this key, or None."""
    return session.scalar(select(Team).where(Team.key == key))


def create_user(
    *, session: Session, email: str, name: str, role: str, team: str | None = None, now: datetime
) -> User:
    """Create a user; a rep also gets a Rep row, in `team` when given. Raise OrgError on bad input."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise OrgError(f"{email!r} is not an email address")
    if not name.strip():
        raise OrgError("a user needs a name")
    if role not in ROLES:
        raise OrgError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if get_user_by_email(session=session, email=email) is not None:
        raise OrgError(f"a user with email {email} already exists")
    team_row = None
    if team is not None:
        if role != "rep":
            # Only reps sit in a team; a manager is attached to a team as its manager instead.
            raise OrgError(f"only reps belong to a team; for a {role}, leave out --team "
                           "(a manager is named with `teams create KEY --manager EMAIL`)")
        team_row = get_team(session=session, key=team)
        if team_row is None:
            raise OrgError(f"no team with key {team!r}; create it first with `leadpact teams create`")
    user = User(email=email, name=name.strip(), role=role, is_active=True, created_at=now)
    session.add(user)
    session.flush()
    if role == "rep":
        timezone = team_row.timezone if team_row else "UTC"
        session.add(Rep(user_id=user.id, team_id=team_row.id if team_row else None, timezone=timezone,
                        weight=1, is_away=False, created_at=now))
        session.flush()
    return user


def list_users(*, session: Session) -> list[tuple[User, str | None]]:
    """Return every user with the key of their team (reps only; None otherwise), in creation order."""
    rows = session.execute(
        select(User, Team.key).outerjoin(Rep, Rep.user_id == User.id).outerjoin(Team, Team.id == Rep.team_id)
        .order_by(User.id)
    )
    return [(user, key) for user, key in rows]


def create_team(
    *, session: Session, key: str, name: str, manager: str | None = None, timezone: str = "UTC", now: datetime
) -> Team:
    """Create a sales team, optionally with its manager (a user with role manager). Raise OrgError on bad input."""
    if not TEAM_KEY.match(key):
        raise OrgError(f"team key {key!r} must be 1-64 letters, digits, _ or - (pact routing refers to it)")
    if not name.strip():
        raise OrgError("a team needs a name")
    if get_team(session=session, key=key) is not None:
        raise OrgError(f"a team with key {key!r} already exists")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrgError(f"unknown timezone {timezone!r}; use an IANA name such as Europe/Berlin") from None
    manager_id = None
    if manager is not None:
        user = require_user(session=session, email=manager)
        if user.role != "manager":
            raise OrgError(f"{user.email} is a {user.role}; a team's manager must have role manager")
        manager_id = user.id
    team = Team(key=key, name=name.strip(), manager_user_id=manager_id, timezone=timezone, created_at=now)
    session.add(team)
    session.flush()
    return team


def list_teams(*, session: Session) -> list[TeamSummary]:
    """Return every team with its manager's email and number of reps, by key."""
    reps = select(Rep.team_id, func.count(Rep.id).label("reps")).group_by(Rep.team_id).subquery()
    rows = session.execute(
        select(Team, User.email, reps.c.reps)
        .outerjoin(User, User.id == Team.manager_user_id)
        .outerjoin(reps, reps.c.team_id == Team.id)
        .order_by(Team.key)
    )
    return [TeamSummary(team=team, manager_email=email, reps=count or 0) for team, email, count in rows]


def require_user(*, session: Session, email: str) -> User:
    """Return the user with this email; raise OrgError naming the address when there is none."""
    user = get_user_by_email(session=session, email=email)
    if user is None:
        raise OrgError(f"no user with email {normalise_email(email)}; create them with `leadpact users create`")
    return user
