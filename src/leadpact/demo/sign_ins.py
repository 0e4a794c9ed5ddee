"""The demo's people get passwords, so the web app can be opened on the demo workspace as any of them; the story
ends with the address and a rep's, a manager's and a marketer's sign-in."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.access import set_password
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, Team, User

ROLES = ("rep", "manager", "marketing", "admin")


def give_passwords(session: Session, *, now: datetime) -> dict[str, dict[str, str]]:
    """Give every demo user a fresh random password; return the sign-in (email, password) of the rep with the most
    open handoffs, their manager, a marketer and the admin, by role."""
    passwords: dict[str, str] = {}
    for user in session.scalars(select(User).order_by(User.id)):
        passwords[user.email] = secrets.token_urlsafe(9)
        set_password(session=session, user=user, password=passwords[user.email], now=now, actor="leadpact demo")
    busiest = session.execute(select(Rep.user_id, Rep.team_id).join(Handoff, Handoff.rep_id == Rep.id)
                              .where(Handoff.state.in_(("open", "accepted"))).group_by(Rep.id)
                              .order_by(func.count().desc(), Rep.id).limit(1)).first()
    chosen: dict[str, User | None] = {role: session.scalars(select(User).where(User.role == role)
                                                            .order_by(User.id)).first() for role in ROLES}
    if busiest is not None:
        chosen["rep"] = session.get(User, busiest.user_id)
        manager_id = session.scalar(select(Team.manager_user_id).where(Team.id == busiest.team_id))
        chosen["manager"] = session.get(User, manager_id) if manager_id else chosen["manager"]
    return {role: {"email": user.email, "password": passwords[user.email], "name": user.name}
            for role, user in chosen.items() if user is not None}
