"""From credentials to a Principal: a user with their rep row and teams, a personal token, a project key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.access.errors import NotSignedIn
from leadpact.access.principal import Principal
from leadpact.keys.service import find_key
from leadpact.org.models import Rep, Team, User


def principal_of_user(
    *, session: Session, user: User, key_id: int | None = None, session_id: int | None = None,
    csrf_token: str | None = None,
) -> Principal:
    """Return the principal a user acts as: their role, their rep row, and their team (rep) or teams (manager)."""
    rep_id, team_ids = None, frozenset[int]()
    if user.role == "rep":
        row = session.execute(select(Rep.id, Rep.team_id).where(Rep.user_id == user.id)).first()
        if row is not None:
            rep_id = row[0]
            team_ids = frozenset({row[1]}) if row[1] is not None else frozenset()
    elif user.role == "manager":
        team_ids = frozenset(session.scalars(select(Team.id).where(Team.manager_user_id == user.id)))
    return Principal(kind="user", role=user.role, name=user.name, label=user.email, user_id=user.id,
                     email=user.email, key_id=key_id, rep_id=rep_id, team_ids=team_ids, session_id=session_id,
                     csrf_token=csrf_token)


def principal_for_token(*, session: Session, token: str) -> Principal:
    """Return the principal of a bearer token (personal token or project key); NotSignedIn when it is refused."""
    key = find_key(session=session, secret=token)
    if key is None:
        raise NotSignedIn("invalid API key: no live key or personal token matches it")
    if key.user_id is not None:
        user = session.get(User, key.user_id)
        if user is None or not user.is_active:
            raise NotSignedIn("this personal token's user is disabled: its tokens no longer work")
        return principal_of_user(session=session, user=user, key_id=key.id)
    return Principal(kind="key", role=key.scope, name=key.name, label=f"key:{key.name}", key_id=key.id)
