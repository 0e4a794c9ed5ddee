"""The handoffs API under /api/v1: list and read handoffs (each principal sees their own);
what a held lead is missing, for the people a principal may see and, with a site's write key, for its visitors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, status
from pydantic import BaseModel

from leadpact.access import handoff_clause, require_handoff, require_person
from leadpact.api import DbSession, ErrorDetail, HandoffReader, PeopleReader, SiteFormKey, api_router, errors
from leadpact.handoff.schemas import HandoffDetail, HandoffOut, MissingOut, handoff_out
from leadpact.handoff.service import (
    describe,
    fields_to_ask,
    list_handoffs,
    missing_context,
    person_by_email,
    visitor_of_key,
)
from leadpact.people.models import Person

router = api_router(prefix="/handoffs", tags=["handoffs"])
people_router = api_router(prefix="/people", tags=["people"])
visitors_router = api_router(prefix="/visitors", tags=["people"])


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for a read that can miss: 401, 403 and a 404 naming what."""
    return {**errors(401, 403), 404: {"model": ErrorDetail, "description": f"No such {what}"}}


class FieldToAsk(BaseModel):
    """A form field that would complete the visitor's readiness."""

    item: str
    label: str
    form_field: str


class VisitorFields(BaseModel):
    """Which fields a form should ask next: nothing about the visitor themselves."""

    ask: list[FieldToAsk]


@router.get("", response_model=list[HandoffOut], responses=errors(401, 403))
def list_all(
    session: DbSession, principal: HandoffReader,
    rep: Annotated[str | None, Query(description="Only this rep's handoffs (their email).")] = None,
    state: Annotated[Literal["open", "accepted", "rejected", "closed"] | None, Query()] = None,
    tier: Annotated[Literal["hot", "mql"] | None, Query()] = None,
    team: Annotated[str | None, Query(description="Only this team's handoffs (its key).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Any]:
    """List the handoffs the principal may see (a rep their own, a manager their teams'), newest first, filtered by
    rep, state, tier and team."""
    views = list_handoffs(session=session, rep_email=rep, state=state, tier=tier, team=team, limit=limit,
                          offset=offset, visible=handoff_clause(principal))
    return [handoff_out(view) for view in views]


@router.get("/{handoff_id}", response_model=HandoffDetail, responses=not_found("handoff"))
def get_one(handoff_id: int, session: DbSession, principal: HandoffReader) -> Any:
    """Give one handoff: brief, the answers behind it, the pact criteria, the recent timeline and the clocks."""
    require_handoff(session=session, principal=principal, handoff_id=handoff_id)
    return handoff_out(describe(session=session, handoff_id=handoff_id), HandoffDetail)


# Declared before /{person_id}/missing so that "missing" is never read as a person id.
@people_router.get("/missing", response_model=MissingOut, responses=not_found("person"))
def missing_by_email(session: DbSession, principal: PeopleReader,
                     email: Annotated[str, Query(description="The person's email.")]) -> Any:
    """Say what keeps the person with this email from being handed off, so a form can ask for it next."""
    person = person_by_email(session=session, email=email)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no person with email {email.strip().lower()}")
    require_person(session=session, principal=principal, person_id=person.id)
    return missing_context(session=session, person=person)


@people_router.get("/{person_id}/missing", response_model=MissingOut, responses=not_found("person"))
def missing_by_id(person_id: int, session: DbSession, principal: PeopleReader) -> Any:
    """Say what keeps this person from being handed off, so a form can ask for it next."""
    person = require_person(session=session, principal=principal, person_id=person_id)
    assert isinstance(person, Person)
    return missing_context(session=session, person=person)


@visitors_router.get("/missing", response_model=VisitorFields, responses=not_found("visitor"))
def missing_for_visitor(
    session: DbSession, principal: SiteFormKey,
    anonymous_id: Annotated[str | None, Query(alias="anonymousId", description="The visitor's anonymousId.")] = None,
    user_id: Annotated[str | None, Query(alias="userId", description="The visitor's userId.")] = None,
) -> Any:
    """For a site's form (its write key): which fields to ask a visitor next, for a visitor this key's own events
    know. Gives only fields, never anything about the visitor."""
    if not (anonymous_id or user_id):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "send the visitor's anonymousId or userId")
    assert principal.key_id is not None
    person = visitor_of_key(session=session, key_id=principal.key_id, anonymous_id=anonymous_id, user_id=user_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such visitor in the events sent with this write key")
    return VisitorFields(ask=[FieldToAsk(**item) for item in fields_to_ask(session=session, person=person)])
