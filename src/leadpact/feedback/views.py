"""The feedback API: first touch, accept, reject, qualify a handoff; opportunity, won and lost for a person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from leadpact.api import AdminKey, DbSession, ErrorDetail, api_router, errors
from leadpact.clock import get_clock
from leadpact.feedback import service
from leadpact.handoff import HandoffNotFound, describe
from leadpact.handoff.schemas import HandoffOut, handoff_out

router = api_router(prefix="/handoffs", tags=["feedback"])
people_router = api_router(prefix="/people", tags=["outcomes"])
WORDS = {404: "No such handoff or person", 409: "The lead's state does not allow this",
         422: "Invalid feedback (e.g. no reason, or one the pact does not list)",
         403: "The key's scope, or the acting user, does not allow this"}
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
    """Who acts: the handoff's rep, their manager or an admin (an email)."""

    by: str


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


def _handoff(session: Any, handoff_id: int) -> Any:
    return handoff_out(describe(session=session, handoff_id=handoff_id))


def _opportunity(row: Any) -> OpportunityOut:
    return OpportunityOut(id=row.id, person_id=row.person_id, handoff_id=row.handoff_id, amount=row.amount,
                          currency=row.currency, stage=row.stage, opened_at=row.opened_at, closed_at=row.closed_at,
                          lost_reason=row.lost_reason)


@router.post("/{handoff_id}/contacted", response_model=ContactedOut, responses=RESPONSES)
def contacted(handoff_id: int, body: ContactedIn, session: DbSession, _key: AdminKey) -> Any:
    """Mark the first touch: the SLA clock stops."""
    with refusals():
        first = service.mark_contacted(session=session, handoff_id=handoff_id, by=body.by, source=body.source,
                                       now=get_clock().now())
        return ContactedOut(first_touch=first, handoff=_handoff(session, handoff_id))


@router.post("/{handoff_id}/accept", response_model=HandoffOut, responses=RESPONSES)
def accept(handoff_id: int, body: ActorIn, session: DbSession, _key: AdminKey) -> Any:
    """Accept the handoff: the person becomes a sales-accepted lead."""
    with refusals():
        service.accept(session=session, handoff_id=handoff_id, by=body.by, now=get_clock().now())
        return _handoff(session, handoff_id)


@router.post("/{handoff_id}/reject", response_model=HandoffOut, responses=RESPONSES)
def reject(handoff_id: int, body: RejectIn, session: DbSession, _key: AdminKey) -> Any:
    """Reject the handoff with exactly one reason from the active pact; the person is recycled or disqualified."""
    with refusals():
        service.reject(session=session, handoff_id=handoff_id, by=body.by, reason=body.reason, note=body.note,
                       now=get_clock().now())
        return _handoff(session, handoff_id)


@router.post("/{handoff_id}/qualify", response_model=HandoffOut, responses=RESPONSES)
def qualify(handoff_id: int, body: QualifyIn, session: DbSession, _key: AdminKey) -> Any:
    """Qualify an accepted lead to SQL, with optional BANT answers."""
    answers = {**body.other, "budget": body.budget, "authority": body.authority, "need": body.need,
               "timeline": body.timeline}
    with refusals():
        service.qualify(session=session, handoff_id=handoff_id, by=body.by, answers=answers, now=get_clock().now())
        return _handoff(session, handoff_id)


@people_router.post("/{person_id}/opportunity", status_code=status.HTTP_201_CREATED, response_model=OpportunityOut,
                    responses=RESPONSES)
def opportunity(person_id: int, body: OpportunityIn, session: DbSession, _key: AdminKey) -> Any:
    """Open an opportunity for an accepted or qualified lead."""
    with refusals():
        return _opportunity(service.open_opportunity(session=session, person_id=person_id, by=body.by,
                                                     amount=body.amount, currency=body.currency,
                                                     now=get_clock().now()))


@people_router.post("/{person_id}/won", response_model=OpportunityOut, responses=RESPONSES)
def won(person_id: int, body: WonIn, session: DbSession, _key: AdminKey) -> Any:
    """Close the person's opportunity as won."""
    with refusals():
        return _opportunity(service.win(session=session, person_id=person_id, by=body.by, closed_at=body.closed_at,
                                        amount=body.amount, now=get_clock().now()))


@people_router.post("/{person_id}/lost", response_model=OpportunityOut | None, responses=RESPONSES)
def lost(person_id: int, body: LostIn, session: DbSession, _key: AdminKey) -> Any:
    """Record the person as lost, with a reason; gives the closed opportunity, or null when there was none."""
    with refusals():
        row = service.lose(session=session, person_id=person_id, by=body.by, reason=body.reason,
                           closed_at=body.closed_at, now=get_clock().now())
        return _opportunity(row) if row is not None else None
