"""The feedback API: first touch, accept, reject, qualify a handoff; opportunity, won and lost for a person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from leadpact.access import Acting, Principal, acting_as, require_handoff, require_person
from leadpact.api import DbSession, ErrorDetail, PersonWork, RepWork, TeamLead, api_router, errors
from leadpact.audit import record
from leadpact.clock import get_clock
from leadpact.feedback import service
from leadpact.feedback.reassign import ReassignRefused, reassign_to
from leadpact.handoff import HandoffNotFound, describe
from leadpact.handoff.schemas import HandoffOut, handoff_out

router = api_router(prefix="/handoffs", tags=["feedback"])
people_router = api_router(prefix="/people", tags=["outcomes"])
WORDS = {404: "No such handoff or person", 409: "The lead's state does not allow this",
         422: "Invalid feedback (e.g. no reason, or one the pact does not list)",
         403: "The principal's role, or whose lead it is, does not allow this"}
RESPONSES: dict[int | str, dict[str, Any]] = {
    **errors(401), **{code: {"model": ErrorDetail, "description": words} for code, words in WORDS.items()}}


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the feedback service's refusals into HTTP errors that say what is wrong."""
    try:
        yield
    except (HandoffNotFound, service.PersonNotFound) as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error.args[0])) from None
    except service.NotPermitted as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except service.FeedbackRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except service.InvalidFeedback as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


class ActorIn(BaseModel):
    """Who acts is the signed-in user (or key); `by` is only for an admin acting on someone's behalf."""

    by: str | None = Field(None, description="Admins only: the email of the user this is done for (recorded as "
                                             "done on their behalf). Anyone else acts as themselves.")


class ContactedIn(ActorIn):
    """A first touch: where it happened."""

    source: str = Field("leadpact", description="leadpact, or the CRM that synced the call, email or meeting.")


class ContactedOut(BaseModel):
    """The handoff, and whether this was its first touch (a later touch changes nothing)."""

    first_touch: bool
    handoff: HandoffOut


class RejectIn(ActorIn):
    """Exactly one reason from the active pact's `rejection_reasons`, and an optional note."""

    reason: str | None = None
    note: str | None = None


class QualifyIn(ActorIn):
    """Optional BANT answers, and any other qualification fields (MEDDIC…)."""

    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    other: dict[str, Any] = Field(default_factory=dict, description="More answers, e.g. MEDDIC fields.")


class OpportunityIn(ActorIn):
    """The opportunity's amount."""

    amount: float | None = None
    currency: str = "USD"


class WonIn(ActorIn):
    """When the deal closed (default: now) and its final amount."""

    closed_at: datetime | None = None
    amount: float | None = None


class LostIn(ActorIn):
    """Why and when the deal was lost."""

    reason: str | None = None
    closed_at: datetime | None = None


class ReassignIn(BaseModel):
    """The rep to give the handoff to: for a manager, one in their team."""

    rep_email: str = Field(description="The email of the rep who takes the handoff over.")


class OpportunityOut(BaseModel):
    """A deal: amount, stage, dates."""

    id: int
    person_id: int
    handoff_id: int | None
    amount: float | None
    currency: str
    stage: str
    opened_at: datetime
    closed_at: datetime | None
    lost_reason: str | None


def _acting_on_handoff(session: Any, principal: Principal, handoff_id: int, by: str | None) -> Acting:
    require_handoff(session=session, principal=principal, handoff_id=handoff_id, act=True)
    return acting_as(principal, by)


def _acting_on_person(session: Any, principal: Principal, person_id: int, by: str | None) -> Acting:
    require_person(session=session, principal=principal, person_id=person_id, act=True)
    return acting_as(principal, by)


def _audit(session: Any, principal: Principal, acting: Acting, action: str, subject: str) -> None:
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           on_behalf_of=acting.email if acting.on_behalf_by else None, action=action, subject=subject,
           at=get_clock().now())


def _handoff(session: Any, handoff_id: int) -> Any:
    return handoff_out(describe(session=session, handoff_id=handoff_id))


def _opportunity(row: Any) -> OpportunityOut:
    return OpportunityOut(id=row.id, person_id=row.person_id, handoff_id=row.handoff_id, amount=row.amount,
                          currency=row.currency, stage=row.stage, opened_at=row.opened_at, closed_at=row.closed_at,
                          lost_reason=row.lost_reason)


@router.post("/{handoff_id}/contacted", response_model=ContactedOut, responses=RESPONSES)
def contacted(handoff_id: int, body: ContactedIn, session: DbSession, principal: RepWork) -> Any:
    """Mark the first touch: the SLA clock stops."""
    acting = _acting_on_handoff(session, principal, handoff_id, body.by)
    with refusals():
        first = service.mark_contacted(session=session, handoff_id=handoff_id, by=acting.email,
                                       acted_by=acting.on_behalf_by, source=body.source, now=get_clock().now())
        _audit(session, principal, acting, "handoff.contacted", f"handoff:{handoff_id}")
        return ContactedOut(first_touch=first, handoff=_handoff(session, handoff_id))


@router.post("/{handoff_id}/accept", response_model=HandoffOut, responses=RESPONSES)
def accept(handoff_id: int, session: DbSession, principal: RepWork, body: ActorIn | None = None) -> Any:
    """Accept the handoff: the person becomes a sales-accepted lead."""
    acting = _acting_on_handoff(session, principal, handoff_id, body.by if body else None)
    with refusals():
        service.accept(session=session, handoff_id=handoff_id, by=acting.email, acted_by=acting.on_behalf_by,
                       now=get_clock().now())
        _audit(session, principal, acting, "handoff.accepted", f"handoff:{handoff_id}")
        return _handoff(session, handoff_id)


@router.post("/{handoff_id}/reject", response_model=HandoffOut, responses=RESPONSES)
def reject(handoff_id: int, body: RejectIn, session: DbSession, principal: RepWork) -> Any:
    """Reject the handoff with exactly one reason from the active pact; the person is recycled or disqualified."""
    acting = _acting_on_handoff(session, principal, handoff_id, body.by)
    with refusals():
        service.reject(session=session, handoff_id=handoff_id, by=acting.email, acted_by=acting.on_behalf_by,
                       reason=body.reason, note=body.note, now=get_clock().now())
        _audit(session, principal, acting, "handoff.rejected", f"handoff:{handoff_id}")
        return _handoff(session, handoff_id)


@router.post("/{handoff_id}/qualify", response_model=HandoffOut, responses=RESPONSES)
def qualify(handoff_id: int, body: QualifyIn, session: DbSession, principal: RepWork) -> Any:
    """Qualify an accepted lead to SQL, with optional BANT answers."""
    answers = {**body.other, "budget": body.budget, "authority": body.authority, "need": body.need,
               "timeline": body.timeline}
    acting = _acting_on_handoff(session, principal, handoff_id, body.by)
    with refusals():
        service.qualify(session=session, handoff_id=handoff_id, by=acting.email, acted_by=acting.on_behalf_by,
                        answers=answers, now=get_clock().now())
        _audit(session, principal, acting, "handoff.qualified", f"handoff:{handoff_id}")
        return _handoff(session, handoff_id)


@router.post("/{handoff_id}/reassign", response_model=HandoffOut, responses=RESPONSES)
def reassign(handoff_id: int, body: ReassignIn, session: DbSession, principal: TeamLead) -> Any:
    """Give an open handoff to another rep (a manager within their team; an admin to anyone); the rep is told."""
    require_handoff(session=session, principal=principal, handoff_id=handoff_id, act=True)
    now = get_clock().now()
    try:
        previous, rep = reassign_to(session=session, handoff_id=handoff_id, rep_email=body.rep_email,
                                    within_teams=None if principal.is_admin else principal.team_ids, now=now)
    except ReassignRefused as refused:
        raise HTTPException(refused.status, str(refused)) from None
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action="handoff.reassigned", subject=f"handoff:{handoff_id}", at=now,
           details={"from_rep_id": previous, "to_rep_id": rep})
    return _handoff(session, handoff_id)


@people_router.post("/{person_id}/opportunity", status_code=status.HTTP_201_CREATED, response_model=OpportunityOut,
                    responses=RESPONSES)
def opportunity(person_id: int, body: OpportunityIn, session: DbSession, principal: PersonWork) -> Any:
    """Open an opportunity for an accepted or qualified lead."""
    acting = _acting_on_person(session, principal, person_id, body.by)
    with refusals():
        row = service.open_opportunity(session=session, person_id=person_id, by=acting.email,
                                       acted_by=acting.on_behalf_by, amount=body.amount, currency=body.currency,
                                       now=get_clock().now())
        _audit(session, principal, acting, "person.opportunity", f"person:{person_id}")
        return _opportunity(row)


@people_router.post("/{person_id}/won", response_model=OpportunityOut, responses=RESPONSES)
def won(person_id: int, body: WonIn, session: DbSession, principal: PersonWork) -> Any:
    """Close the person's opportunity as won."""
    acting = _acting_on_person(session, principal, person_id, body.by)
    with refusals():
        row = service.win(session=session, person_id=person_id, by=acting.email, acted_by=acting.on_behalf_by,
                          closed_at=body.closed_at, amount=body.amount, now=get_clock().now())
        _audit(session, principal, acting, "person.won", f"person:{person_id}")
        return _opportunity(row)


@people_router.post("/{person_id}/lost", response_model=OpportunityOut | None, responses=RESPONSES)
def lost(person_id: int, body: LostIn, session: DbSession, principal: PersonWork) -> Any:
    """Record the person as lost, with a reason; gives the closed opportunity, or null when there was none."""
    acting = _acting_on_person(session, principal, person_id, body.by)
    with refusals():
        row = service.lose(session=session, person_id=person_id, by=acting.email, acted_by=acting.on_behalf_by,
                           reason=body.reason, closed_at=body.closed_at, now=get_clock().now())
        _audit(session, principal, acting, "person.lost", f"person:{person_id}")
        return _opportunity(row) if row is not None else None
