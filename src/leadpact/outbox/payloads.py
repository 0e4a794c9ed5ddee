"""The payload a handoff notification carries: everything a message needs, so delivery never reads the database.

Shape (every key optional except `handoff_id`)::

    {"handoff_id": 7, "tier": "hot", "brief": "...", "routing_reason": "...", "criteria": {...},
     "timeline_url": "https://app/handoffs/7", "timeline": [{"at": "...", "event": "...", "name": "..."}],
     "created_at": "...Z", "sla_due_at": "...Z", "feedback_due_at": "...Z", "first_touch_at": null,
     "person": {"name", "email", "title", "phone", "company"}, "account": {"name", "domain", "industry", ...},
     "rep": {"id", "name", "email", "timezone"}, "team": {"key", "name", "timezone"}, "manager": {"name", "email"}}
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from leadpact.clock import isoformat
from leadpact.org.models import Rep, Team, User
from leadpact.outbox.settings import get_outbox_settings
from leadpact.people.models import Account, Person

TIMELINE_ITEMS = 10


def handoff_payload(*, session: Session, handoff: Any, base_url: str | None = None) -> dict[str, Any]:
    """Return the notification payload of a handoff: brief, person, account, rep, team, deadlines, timeline link."""
    base_url = (base_url or get_outbox_settings().base_url).rstrip("/")
    model = type(handoff)  # the Handoff table, without importing the handoff domain (it imports this one)
    rep_user, manager = aliased(User), aliased(User)
    # One round trip for everything around the handoff: timers fire one per transaction, each needing this.
    row = session.execute(
        select(Person, Account, Rep.id, Rep.timezone, rep_user, Team, manager)
        .select_from(model)
        .join(Person, Person.id == model.person_id)
        .outerjoin(Account, Account.id == model.account_id)
        .outerjoin(Rep, Rep.id == model.rep_id)
        .outerjoin(rep_user, rep_user.id == Rep.user_id)
        .outerjoin(Team, Team.id == func.coalesce(model.team_id, Rep.team_id))
        .outerjoin(manager, manager.id == Team.manager_user_id)
        .where(model.id == handoff.id)
    ).first()
    person, account, rep_id, rep_zone, rep, team, boss = row if row is not None else (None,) * 7
    events = (handoff.timeline or {}).get("events") or []
    return {
        "handoff_id": handoff.id,
        "tier": handoff.tier,
        "brief": handoff.brief,
        "routing_reason": handoff.routing_reason,
        "criteria": handoff.criteria or {},
        "timeline_url": f"{base_url}/handoffs/{handoff.id}",
        "timeline": events[:TIMELINE_ITEMS],
        "created_at": _iso(handoff.created_at),
        "sla_due_at": _iso(handoff.sla_due_at),
        "feedback_due_at": _iso(handoff.feedback_due_at),
        "first_touch_at": _iso(handoff.first_touch_at),
        "person": person_facts(person, account),
        "account": account_facts(account),
        "rep": {"id": rep_id, "name": rep.name, "email": rep.email, "timezone": rep_zone} if rep is not None else {},
        "team": {"id": team.id, "key": team.key, "name": team.name, "timezone": team.timezone} if team else {},
        "manager": {"name": boss.name, "email": boss.email} if boss is not None else {},
    }


def person_facts(person: Person | None, account: Account | None) -> dict[str, Any]:
    """Return who the lead is, as a message shows it."""
    if person is None:
        return {}
    name = " ".join(part for part in (person.first_name, person.last_name) if part) or person.email or "Unknown"
    return {
        "id": person.id,
        "name": name,
        "email": person.email,
        "title": person.title,
        "phone": person.phone,
        "company": (account.name if account else None) or person.company_name,
    }


def account_facts(account: Account | None) -> dict[str, Any]:
    """Return the company facts a message shows."""
    if account is None:
        return {}
    return {
        "id": account.id,
        "name": account.name,
        "domain": account.domain,
        "industry": account.industry,
        "employees": account.employees,
        "country": account.country,
    }


def rep_facts(*, session: Session, rep_id: int | None) -> dict[str, Any]:
    """Return the rep's id, name and email (empty when unassigned)."""
    if rep_id is None:
        return {}
    row = session.query(Rep.id, User.name, User.email).join(User, User.id == Rep.user_id).filter(Rep.id == rep_id)
    found = row.first()
    return {"id": found.id, "name": found.name, "email": found.email} if found else {}


def _iso(moment: Any) -> str | None:
    return isoformat(moment) if moment is not None else None
