"""The handoffs API under /api/v1: list and read handoffs; what a held lead is missing (for forms)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, status

from leadpact.api import DbSession, ErrorDetail, ReadKey, api_router, errors
from leadpact.handoff.schemas import HandoffDetail, HandoffOut, MissingOut, handoff_out
from leadpact.handoff.service import HandoffNotFound, describe, list_handoffs, missing_context, person_by_email
from leadpact.people.models import Person

router = api_router(prefix="/handoffs", tags=["handoffs"])
people_router = api_router(prefix="/people", tags=["people"])


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for a read that can miss: 401, 403 and a 404 naming what."""
    return {**errors(401, 403), 404: {"model": ErrorDetail, "description": f"No such {what}"}}


@router.get("", response_model=list[HandoffOut], responses=errors(401, 403))
def list_all(
    session: DbSession, _key: ReadKey,
    rep: Annotated[str | None, Query(description="Only this rep's handoffs (their email).")] = None,
    state: Annotated[Literal["open", "accepted", "rejected", "closed"] | None, Query()] = None,
    tier: Annotated[Literal["hot", "mql"] | None, Query()] = None,
    team: Annotated[str | None, Query(description="Only this team's handoffs (its key).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Any]:
    """List handoffs, newest first, filtered by rep, state, tier and team."""
    views = list_handoffs(session=session, rep_email=rep, state=state, tier=tier, team=team, limit=limit,
                          offset=offset)
    return [handoff_out(view) for view in views]


@router.get("/{handoff_id}", response_model=HandoffDetail, responses=not_found("handoff"))
def get_one(handoff_id: int, session: DbSession, _key: ReadKey) -> Any:
    """Give one handoff: brief, the answers behind it, the pact criteria, the recent timeline and the clocks."""
    try:
        return handoff_out(describe(session=session, handoff_id=handoff_id), HandoffDetail)
    except HandoffNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


# Declared before /{person_id}/missing so that "missing" is never read as a person id.
@people_router.get("/missing", response_model=MissingOut, responses=not_found("person"))
def missing_by_email(session: DbSession, _key: ReadKey,
                     email: Annotated[str, Query(description="The person's email.")]) -> Any:
    """Say what keeps the person with this email from being handed off, so a form can ask for it next."""
    person = person_by_email(session=session, email=email)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no person with email {email.strip().lower()}")
    return missing_context(session=session, person=person)


@people_router.get("/{person_id}/missing", response_model=MissingOut, responses=not_found("person"))
def missing_by_id(person_id: int, session: DbSession, _key: ReadKey) -> Any:
    """Say what keeps this person from being handed off, so a form can ask for it next."""
    person = session.get(Person, person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no person {person_id}")
    return missing_context(session=session, person=person)
