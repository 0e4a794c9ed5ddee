"""Handoff records: find, list and describe them; what a held lead is missing. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from leadpact.db import session_rows
from leadpact.handoff.models import Handoff
from leadpact.ingest.models import Event
from leadpact.org.models import Rep, Team, User
from leadpact.pact.models import Evaluation as EvaluationRow
from leadpact.people.models import Account, Identity, Person

STATES = ("open", "accepted", "rejected", "closed")
TIERS = ("hot", "mql")

# Each readiness item (SPEC §4) in words, and the form field that answers it when a form can ask for it at all.
READINESS_QUESTIONS: dict[str, tuple[str, str | None]] = {
    "company": ("Company name", "company.name"),
    "industry": ("Industry", "company.industry"),
    "company_size": ("Company size (employees)", "company.employee_count"),
    "role": ("Job title", "title"),
    "engagement": ("A visit to a named page or asset (behaviour: a form cannot supply it)", None),
    "problem": ("Engagement with catalog content that speaks to a problem (send them such content)", None),
}


class HandoffNotFound(LookupError):
    """No handoff has this id."""


@dataclass(frozen=True)
class HandoffView:
    """A handoff with the rows people read it by: the person, account, rep (and their user) and team."""

    handoff: Handoff
    person: Person
    account: Account | None
    rep: Rep | None
    rep_user: User | None
    team: Team | None


def get_handoff(*, session: Session, handoff_id: int, lock: bool = False) -> Handoff:
    """Return the handoff with this id (locked for update when asked); raise HandoffNotFound otherwise."""
    query = select(Handoff).where(Handoff.id == handoff_id)
    handoff = session.scalar(query.with_for_update() if lock else query)
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    return handoff


def open_handoff(*, session: Session, person_id: int) -> Handoff | None:
    """Return the person's open handoff (one at a time), or None."""
    # Asked for every lead the engine qualifies, who nearly never has one: the id on the driver's cursor first.
    rows = session_rows(session, f"SELECT id FROM {Handoff.__tablename__} WHERE person_id = {{mark}} "
                                 "AND state = 'open' ORDER BY id DESC LIMIT 1", (person_id,))
    return session.get(Handoff, rows[0][0]) if rows else None


def latest_handoff(*, session: Session, person_id: int) -> Handoff | None:
    """Return the person's most recent handoff, whatever its state, or None."""
    return session.scalar(select(Handoff).where(Handoff.person_id == person_id).order_by(Handoff.id.desc()).limit(1))


def _views(session: Session, query: Any) -> list[HandoffView]:
    rows = session.execute(
        query.add_columns(Person, Account, Rep, User, Team)
        .join(Person, Person.id == Handoff.person_id)
        .outerjoin(Account, Account.id == Handoff.account_id)
        .outerjoin(Rep, Rep.id == Handoff.rep_id)
        .outerjoin(User, User.id == Rep.user_id)
        .outerjoin(Team, Team.id == Handoff.team_id)
    ).all()
    return [HandoffView(*row) for row in rows]


def describe(*, session: Session, handoff_id: int) -> HandoffView:
    """Return one handoff with its person, account, rep and team; raise HandoffNotFound when there is none."""
    found = _views(session, select(Handoff).where(Handoff.id == handoff_id))
    if not found:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    return found[0]


def list_handoffs(
    *, session: Session, rep_email: str | None = None, state: str | None = None, tier: str | None = None,
    team: str | None = None, limit: int = 100, offset: int = 0, visible: Any = None,
) -> list[HandoffView]:
    """Return handoffs, newest first, filtered by the rep's email, state, tier and team key, and by `visible` (the
    condition on Handoff that keeps what the asking principal may see)."""
    query = select(Handoff) if visible is None else select(Handoff).where(visible)
    if rep_email is not None:
        rep_ids = select(Rep.id).join(User, User.id == Rep.user_id).where(User.email == rep_email.strip().lower())
        query = query.where(Handoff.rep_id.in_(rep_ids))
    if state is not None:
        query = query.where(Handoff.state == state)
    if tier is not None:
        query = query.where(Handoff.tier == tier)
    if team is not None:
        query = query.where(Handoff.team_id.in_(select(Team.id).where(Team.key == team)))
    return _views(session, query.order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit).offset(offset))


def person_by_email(*, session: Session, email: str) -> Person | None:
    """Return the person with this email (any case), or None."""
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


def readiness_items(missing: Sequence[str]) -> list[dict[str, Any]]:
    """Return missing readiness items with a label and the form field that can ask for each (None: no form can)."""
    return [{"item": item, "label": READINESS_QUESTIONS.get(item, (item, None))[0],
             "form_field": READINESS_QUESTIONS.get(item, (item, None))[1]} for item in missing]


def missing_context(*, session: Session, person: Person) -> dict[str, Any]:
    """Return what keeps the person from being handed off: their status and the readiness items still missing."""
    row = session.get(EvaluationRow, person.id)
    missing = list((row.missing or {}).get("items", [])) if row is not None else []
    return {
        "person_id": person.id,
        "email": person.email,
        "status": person.status,
        "pact_version": row.pact_version if row is not None else None,
        "evaluated_at": row.evaluated_at.isoformat() if row is not None else None,
        "missing": readiness_items(missing),
    }


def visitor_of_key(*, session: Session, key_id: int, anonymous_id: str | None, user_id: str | None) -> Person | None:
    """Return the person behind a visitor (anonymousId or userId) that events sent with this write key carried, or
    None: a visitor known only from another key's events is nobody to this key."""
    ids = [("anonymous_id", anonymous_id), ("user_id", user_id)]
    for kind, value in ((k, v) for k, v in ids if v):
        person_id = session.scalar(select(Identity.person_id).where(Identity.value == value, Identity.kind == kind))
        if person_id is None:
            continue
        carried = Event.anonymous_id == value if kind == "anonymous_id" else Event.user_id == value
        # Through the person's events (indexed by person): one of them came with this key and this id.
        if session.scalar(select(exists().where(Event.person_id == person_id, Event.write_key_id == key_id, carried))):
            return session.get(Person, person_id)
    return None


def fields_to_ask(*, session: Session, person: Person) -> list[dict[str, str]]:
    """Return the form fields that would complete the person's readiness, with labels: nothing else about them."""
    row = session.get(EvaluationRow, person.id)
    missing = list((row.missing or {}).get("items", [])) if row is not None else []
    return [{"item": item["item"], "label": item["label"], "form_field": item["form_field"]}
            for item in readiness_items(missing) if item["form_field"] is not None]
