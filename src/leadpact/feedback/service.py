"""Feedback and outcomes (SPEC §9): first touch, accept, reject with one reason, qualify, opportunity, won, lost.

Every lifecycle move goes through `leadpact.lifecycle.move` with the acting user as actor (`user:<email>`).
Services flush and never commit: the request or command owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact import sla
from leadpact.clock import as_utc
from leadpact.db import session_rows
from leadpact.handoff import Handoff, HandoffNotFound, Opportunity, latest_handoff
from leadpact.lifecycle import Status, TransitionRefused, move
from leadpact.org.models import Rep, Team, User
from leadpact.org.service import OrgError, normalise_email, require_user
from leadpact.pact import stored_pact
from leadpact.pact.versions import active_version_fields
from leadpact.people.models import Person

# What a rejection does to the person, by reason: people who can never buy are disqualified, the rest go back to
# nurture to qualify again later. A reason a pact adds that is not listed here recycles (the reversible choice).
REJECTION_OUTCOMES: dict[str, Status] = {
    "competitor": Status.disqualified,
    "student_or_job_seeker": Status.disqualified,
    "duplicate": Status.disqualified,
    "wrong_company_size": Status.disqualified,
    "wrong_role": Status.disqualified,
    "wrong_timing": Status.nurture,
    "no_budget": Status.nurture,
    "already_solved": Status.nurture,
    "unreachable": Status.nurture,
}
BANT = ("budget", "authority", "need", "timeline")


class FeedbackRefused(ValueError):
    """Feedback the handoff's or person's state does not allow, with why in words."""


class InvalidFeedback(ValueError):
    """Feedback that is malformed (no reason, an unknown reason, a negative amount), with what is allowed."""


class NotPermitted(PermissionError):
    """The acting user may not act on this handoff or person."""


class PersonNotFound(LookupError):
    """No person has this id."""


def rejection_outcome(reason: str) -> Status:
    """Return where a rejection with this reason sends the person: nurture or disqualified."""
    return REJECTION_OUTCOMES.get(reason, Status.nurture)


def allowed_reasons(*, session: Session) -> list[str]:
    """Return the rejection reasons of the active pact, in its order (none before a pact is active)."""
    # Asked up to three times per piece of feedback (the sales floor of `leadpact demo` gives thousands).
    row = active_version_fields(session=session, columns="source")
    return list(stored_pact(row[0]).rejection_reasons) if row is not None else []


def _version(session: Session) -> int | None:
    row = active_version_fields(session=session, columns="version")
    return row[0] if row is not None else None


def acting_user(*, session: Session, email: str) -> User:
    """Return the active user acting; raise InvalidFeedback when there is no such user."""
    # The same few people give feedback again and again in one session: each user is looked up once per session and
    # held, so later lookups find them without a query. A query would return the very same (unrefreshed) object.
    known: dict[str, User] = session.info.setdefault("feedback_users", {})
    user = known.get(normalise_email(email))
    if user is None or user not in session or user.email != normalise_email(email):
        try:
            user = require_user(session=session, email=email)
        except OrgError as error:
            raise InvalidFeedback(str(error)) from None
        known[user.email] = user
    if not user.is_active:
        raise NotPermitted(f"{user.email} is deactivated")
    return user


def check_may_act(*, session: Session, user: User, handoff: Handoff | None) -> None:
    """Refuse (NotPermitted) unless the user is an admin, the handoff's rep, or the manager of its team."""
    if user.role == "admin":
        return
    rep = _rep_of(session, handoff.rep_id) if handoff is not None and handoff.rep_id is not None else None
    if user.role == "rep" and rep is not None and rep[0] == user.id:
        return
    if user.role == "manager" and handoff is not None:
        team_ids = {t for t in (handoff.team_id, rep[1] if rep else None) if t is not None}
        managed = session.scalars(select(Team.id).where(Team.id.in_(team_ids), Team.manager_user_id == user.id))
        if managed.first() is not None:
            return
    owner = session.get(User, rep[0]) if rep is not None else None
    whose = f"it is {owner.name}'s" if owner else "it has no rep"
    raise NotPermitted(f"{user.email} ({user.role}) cannot act on this lead: {whose}; only its rep, the manager "
                       "of its team or an admin can")


def _rep_of(session: Session, rep_id: int) -> tuple[int, int | None] | None:
    # (user id, team id) on the driver's cursor: every piece of feedback asks, and loading the rep through the ORM
    # cost more than the rest of the check.
    rows = session_rows(session, f"SELECT user_id, team_id FROM {Rep.__tablename__} WHERE id = {{mark}}", (rep_id,))
    return (rows[0][0], rows[0][1]) if rows else None


def _handoff_for(session: Session, handoff_id: int, by: str) -> tuple[Handoff, Person, User]:
    user = acting_user(session=session, email=by)
    # The handoff (locked for update) and its person in one round trip.
    row = session.execute(
        select(Handoff, Person).join(Person, Person.id == Handoff.person_id).where(Handoff.id == handoff_id)
        .with_for_update(of=Handoff)
    ).first()
    if row is None:  # no such handoff (a handoff always has its person: the foreign key cascades)
        raise HandoffNotFound(f"no handoff {handoff_id}")
    handoff, person = row
    check_may_act(session=session, user=user, handoff=handoff)
    return handoff, person, user


def _move(session: Session, person: Person, to: Status, user: User, now: datetime, acted_by: str | None = None,
          **reasons: Any) -> None:
    # An admin acting for the user: the trail names the user acted for, and in its reasons who really did it.
    if acted_by is not None:
        reasons["acted_by"] = acted_by
    try:
        move(session=session, person=person, to=to, at=now, actor=f"user:{user.email}",
             pact_version=_version(session), reasons={k: v for k, v in reasons.items() if v is not None})
    except TransitionRefused as error:
        raise FeedbackRefused(f"{person.email or f'person {person.id}'} is {person.status}: {error}") from None


def mark_contacted(*, session: Session, handoff_id: int, by: str, acted_by: str | None = None, now: datetime,
                   source: str = "leadpact") -> bool:
    """Record the rep's first touch (stopping the SLA clock); return False when it was already touched."""
    handoff, _person, _user = _handoff_for(session, handoff_id, by)
    return sla.record_first_touch(session=session, handoff=handoff, at=now, source=source)


def _dispose(session: Session, handoff: Handoff, user: User, now: datetime) -> None:
    # A disposition is a response: a rep who accepts or rejects has touched the lead, whatever they marked before.
    sla.record_first_touch(session=session, handoff=handoff, at=now, source="leadpact")
    handoff.disposition_at = now
    handoff.disposition_actor = user.email
    sla.record_disposition(session=session, handoff=handoff, at=now)


def accept(*, session: Session, handoff_id: int, by: str, acted_by: str | None = None, now: datetime) -> Handoff:
    """Accept a handoff: the person becomes a sales-accepted lead (handed_off → accepted)."""
    handoff, person, user = _handoff_for(session, handoff_id, by)
    if handoff.state != "open":
        raise FeedbackRefused(f"handoff {handoff.id} is {handoff.state}; only an open handoff can be accepted")
    _move(session, person, Status.accepted, user, now, acted_by, handoff_id=handoff.id)
    handoff.state = "accepted"
    _dispose(session, handoff, user, now)
    session.flush()
    return handoff


def reject(*, session: Session, handoff_id: int, by: str, acted_by: str | None = None, reason: str | None,
           note: str | None, now: datetime) -> Handoff:
    """Reject a handoff with exactly one reason from the active pact (and an optional note); the person is then
    recycled to nurture or disqualified, by reason (REJECTION_OUTCOMES)."""
    allowed = allowed_reasons(session=session)
    reason = (reason or "").strip()
    if not allowed:
        raise InvalidFeedback("the active pact lists no rejection reasons, so nothing can be rejected; "
                              "add `rejection_reasons` to the pact")
    if not reason:
        raise InvalidFeedback(f"a rejection needs exactly one reason, one of: {', '.join(allowed)}")
    if reason not in allowed:
        raise InvalidFeedback(f"unknown rejection reason {reason!r}; use one of: {', '.join(allowed)}")
    handoff, person, user = _handoff_for(session, handoff_id, by)
    if handoff.state not in ("open", "accepted"):
        raise FeedbackRefused(f"handoff {handoff.id} is {handoff.state}; only an open or accepted handoff can be "
                              "rejected")
    note = (note or "").strip() or None
    _move(session, person, Status.rejected, user, now, acted_by, handoff_id=handoff.id, reason=reason, note=note)
    outcome = rejection_outcome(reason)
    _move(session, person, outcome, user, now, acted_by, handoff_id=handoff.id, reason=reason,
          rule="disqualify" if outcome == Status.disqualified else "recycle")
    handoff.state, handoff.rejection_reason, handoff.rejection_note = "rejected", reason, note
    _dispose(session, handoff, user, now)
    session.flush()
    return handoff


def qualify(*, session: Session, handoff_id: int, by: str, acted_by: str | None = None, now: datetime,
            answers: dict[str, Any] | None = None) -> Handoff:
    """Qualify an accepted lead to SQL (accepted → sql), keeping the optional BANT / MEDDIC answers."""
    handoff, person, user = _handoff_for(session, handoff_id, by)
    if handoff.state != "accepted":
        raise FeedbackRefused(f"handoff {handoff.id} is {handoff.state}; accept it before qualifying it to SQL")
    kept = {k: v for k, v in (answers or {}).items() if v not in (None, "")}
    _move(session, person, Status.sql, user, now, acted_by, handoff_id=handoff.id, qualification=kept or None)
    handoff.qualification = {**kept, "qualified_by": user.email, "qualified_at": now.isoformat()}
    session.flush()
    return handoff


def _person_for(session: Session, person_id: int, by: str) -> tuple[Person, Handoff | None, User]:
    user = acting_user(session=session, email=by)
    person = session.get(Person, person_id)
    if person is None:
        raise PersonNotFound(f"no person {person_id}")
    handoff = latest_handoff(session=session, person_id=person.id)
    check_may_act(session=session, user=user, handoff=handoff)
    return person, handoff, user


def open_opportunity_for(*, session: Session, person_id: int) -> Opportunity | None:
    """Return the person's open opportunity, or None."""
    return session.scalar(select(Opportunity).where(Opportunity.person_id == person_id, Opportunity.stage == "open")
                          .order_by(Opportunity.id.desc()).limit(1))


def open_opportunity(*, session: Session, person_id: int, by: str, acted_by: str | None = None, now: datetime,
                     amount: float | None = None, currency: str = "USD") -> Opportunity:
    """Open an opportunity for an accepted or qualified lead (→ opportunity) and return it."""
    if amount is not None and amount < 0:
        raise InvalidFeedback(f"an opportunity's amount cannot be negative ({amount})")
    person, handoff, user = _person_for(session, person_id, by)
    _move(session, person, Status.opportunity, user, now, acted_by, handoff_id=handoff.id if handoff else None,
          amount=amount)
    opportunity = Opportunity(person_id=person.id, handoff_id=handoff.id if handoff else None,
                              account_id=person.account_id, amount=amount, currency=currency.upper()[:3],
                              stage="open", opened_at=now)
    session.add(opportunity)
    session.flush()
    return opportunity


def win(*, session: Session, person_id: int, by: str, acted_by: str | None = None, now: datetime,
        closed_at: datetime | None = None, amount: float | None = None) -> Opportunity:
    """Close the person's opportunity as won (opportunity → won) and return it."""
    person, handoff, user = _person_for(session, person_id, by)
    opportunity = open_opportunity_for(session=session, person_id=person.id)
    if opportunity is None:
        raise FeedbackRefused(f"{person.email or f'person {person_id}'} has no open opportunity; open one first")
    _move(session, person, Status.won, user, now, acted_by, handoff_id=handoff.id if handoff else None,
          opportunity_id=opportunity.id)
    opportunity.stage, opportunity.closed_at = "won", as_utc(closed_at) if closed_at else now
    if amount is not None:
        opportunity.amount = amount
    session.flush()
    return opportunity


def lose(*, session: Session, person_id: int, by: str, acted_by: str | None = None, reason: str | None, now: datetime,
         closed_at: datetime | None = None) -> Opportunity | None:
    """Record the person as lost with a reason (from accepted, sql or opportunity); close their open opportunity,
    if any, and return it."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidFeedback("a loss needs a reason (e.g. price, competitor, no_decision)")
    person, handoff, user = _person_for(session, person_id, by)
    opportunity = open_opportunity_for(session=session, person_id=person.id)
    _move(session, person, Status.lost, user, now, acted_by, handoff_id=handoff.id if handoff else None,
          opportunity_id=opportunity.id if opportunity else None, reason=reason)
    if opportunity is not None:
        opportunity.stage, opportunity.lost_reason = "lost", reason[:120]
        opportunity.closed_at = as_utc(closed_at) if closed_at else now
    session.flush()
    return opportunity
