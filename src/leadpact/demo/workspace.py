"""Loading the demo company's sales org, CRM accounts and content catalog into a leadpact workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.db import insert_rows
from leadpact.demo.company import DemoCompany
from leadpact.org.models import Rep, User
from leadpact.org.service import create_team, create_user
from leadpact.people.models import Account, ContentAsset
from leadpact.people.traits import name_key

MARKETING_EMAIL = "marketing.ops@leadpact-demo.example"
ADMIN_EMAIL = "revops@leadpact-demo.example"


def load_sales_org(session: Session, company: DemoCompany, *, now: datetime) -> dict[str, int]:
    """Create the admin, marketing user, managers, teams and reps; return rep email → Rep id."""
    create_user(session=session, email=ADMIN_EMAIL, name="RevOps Admin", role="admin", now=now)
    create_user(session=session, email=MARKETING_EMAIL, name="Marketing Ops", role="marketing", now=now)
    people = {member.id: member for member in company.reps}
    for team in company.teams:
        manager = people[team.manager_id]
        create_user(session=session, email=manager.email, name=manager.name, role="manager", now=now)
        create_team(session=session, key=team.id, name=team.name, manager=manager.email, timezone=team.timezone,
                    now=now)
    rep_ids: dict[str, int] = {}
    for member in company.reps:
        if member.role != "rep":
            continue
        user = create_user(session=session, email=member.email, name=member.name, role="rep", team=member.team,
                           now=now)
        rep = session.query(Rep).filter(Rep.user_id == user.id).one()
        rep.weight = max(1, round(member.weight))
        rep.capacity = member.capacity
        rep.timezone = member.timezone
        rep_ids[member.email] = rep.id
    session.flush()
    return rep_ids


def load_crm_accounts(session: Session, company: DemoCompany, rep_ids: dict[str, int], *, now: datetime) -> int:
    """Insert the accounts the CRM already holds (firmographics and named-account owners)."""
    rows = [
        {"domain": a.domain, "group_id": None, "name": a.name, "name_key": name_key(a.name), "industry": a.industry,
         "employees": a.employees, "country": a.country, "owner_rep_id": rep_ids.get(a.owner or ""),
         "traits": {"website": a.website}, "created_at": now, "updated_at": now}
        for a in company.accounts
    ]
    insert_rows(session.connection(), Account.__table__, rows)
    return len(rows)


def load_content(session: Session, company: DemoCompany, *, now: datetime) -> int:
    """Insert marketing's content catalog."""
    rows = [
        {"id": c.id, "title": c.title, "path": c.path, "topic": c.topic, "problem": c.problem,
         "funnel_stage": c.funnel_stage, "created_at": now, "updated_at": now}
        for c in company.content
    ]
    insert_rows(session.connection(), ContentAsset.__table__, rows)
    return len(rows)


def user_by_email(session: Session, email: str) -> User:
    """Return the user with this email (the demo created it)."""
    return session.query(User).filter(User.email == email).one()
