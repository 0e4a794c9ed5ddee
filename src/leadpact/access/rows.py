"""Row-level access: which handoffs and people a principal may see or act on.

A rep sees their own handoffs and the people on them; a manager their teams'; marketing, admins and read or admin
keys see all. Acting (feedback, outcomes) is for the handoff's rep, its team's manager, or an admin: never marketing
and never a read key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from leadpact.access.errors import AccessDenied, NotFound
from leadpact.access.principal import Principal
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep
from leadpact.people.models import Person

SEES_ALL = frozenset({("user", "admin"), ("user", "marketing"), ("key", "admin"), ("key", "read")})
ACTS_ON_ALL = frozenset({("user", "admin"), ("key", "admin")})


def _sees_all(principal: Principal) -> bool:
    return (principal.kind, principal.role) in SEES_ALL


def handoff_clause(principal: Principal) -> ColumnElement[bool]:
    """The condition on `Handoff` that keeps the rows the principal may see."""
    if _sees_all(principal):
        return true()
    if principal.kind == "user" and principal.role == "rep" and principal.rep_id is not None:
        return Handoff.rep_id == principal.rep_id
    if principal.kind == "user" and principal.role == "manager" and principal.team_ids:
        # A handoff belongs to the team it was routed to, or to the team of the rep who holds it now.
        rep_in_team = select(Rep.id).where(Rep.team_id.in_(principal.team_ids))
        return or_(Handoff.team_id.in_(principal.team_ids), Handoff.rep_id.in_(rep_in_team))
    return false()


def visible_handoffs(statement: Any, principal: Principal) -> Any:
    """Return `statement` (a select over Handoff) limited to the handoffs the principal may see."""
    return statement.where(handoff_clause(principal))


def person_clause(principal: Principal) -> ColumnElement[bool]:
    """The condition on `Person` that keeps the people the principal may see (those on a handoff they may see)."""
    if _sees_all(principal):
        return true()
    return exists(select(Handoff.id).where(Handoff.person_id == Person.id, handoff_clause(principal)))


def visible_people(statement: Any, principal: Principal) -> Any:
    """Return `statement` (a select over Person) limited to the people the principal may see."""
    return statement.where(person_clause(principal))


def _may_act(session: Session, principal: Principal, handoff: Handoff) -> bool:
    if (principal.kind, principal.role) in ACTS_ON_ALL:
        return True
    if principal.kind != "user" or principal.role not in ("rep", "manager"):
        return False
    return session.scalar(select(Handoff.id).where(Handoff.id == handoff.id, handoff_clause(principal))) is not None


def _refuse(principal: Principal, act: bool, what: str) -> AccessDenied:
    if act and principal.role == "marketing":
        return AccessDenied(f"{principal.label} is marketing: marketing never acts on a rep's lead")
    if act and principal.kind == "key":
        return AccessDenied(f"a {principal.role} key cannot act on a lead")
    return AccessDenied(f"{principal.label} ({principal.role}) cannot {'act on' if act else 'see'} {what}: only its "
                        "rep, the manager of its team or an admin can")


def require_handoff(*, session: Session, principal: Principal, handoff_id: int, act: bool = False) -> Handoff:
    """Return the handoff if the principal may see it (or act on it, with `act`); raise NotFound or AccessDenied."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound(f"no handoff {handoff_id}")
    allowed = _may_act(session, principal, handoff) if act else (
        _sees_all(principal)
        or session.scalar(select(Handoff.id).where(Handoff.id == handoff_id, handoff_clause(principal))) is not None)
    if not allowed:
        raise _refuse(principal, act, f"handoff {handoff_id}")
    return handoff


def require_person(*, session: Session, principal: Principal, person_id: int, act: bool = False) -> Person:
    """Return the person if the principal may see them (or act on them, with `act`: through their latest handoff);
    raise NotFound or AccessDenied."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    if act:
        if (principal.kind, principal.role) in ACTS_ON_ALL:
            return person
        latest = session.scalar(select(Handoff).where(Handoff.person_id == person_id)
                                .order_by(Handoff.id.desc()).limit(1))
        if latest is None or not _may_act(session, principal, latest):
            raise _refuse(principal, act, f"person {person_id}")
        return person
    if not _sees_all(principal) and session.scalar(
            select(Person.id).where(Person.id == person_id, person_clause(principal))) is None:
        raise _refuse(principal, act, f"person {person_id}")
    return person
