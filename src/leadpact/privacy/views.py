"""The privacy API under /api/v1/privacy: erase a person, export a person (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Query, status
from pydantic import BaseModel

from leadpact.api import AdminPrincipal, DbSession, api_router, errors
from leadpact.clock import get_clock
from leadpact.privacy.service import PersonNotFound, PrivacyError, erase_person, export_person

router = api_router(prefix="/privacy", tags=["privacy"])


class EraseIn(BaseModel):
    """Whom to erase: the email address they are known by."""

    email: str


class ErasureOut(BaseModel):
    """What an erasure did (it names no personal data)."""

    erasure_id: int
    at: datetime
    actor: str
    people: int
    rows: dict[str, int]
    crm_deletes: list[str]


def _refused(error: PrivacyError) -> HTTPException:
    code = status.HTTP_404_NOT_FOUND if isinstance(error, PersonNotFound) else 422
    return HTTPException(code, str(error))


@router.post("/erase", response_model=ErasureOut, responses=errors(401, 403, 404, 422))
def post_erase(body: EraseIn, session: DbSession, admin: AdminPrincipal) -> dict[str, Any]:
    """Erase the person's personal data everywhere, keep anonymous aggregates, queue the CRM deletes."""
    try:
        report = erase_person(session=session, email=body.email, actor=admin.label, now=get_clock().now())
    except PrivacyError as error:
        raise _refused(error) from None
    return report.as_dict()


@router.get("/export", responses=errors(401, 403, 404, 422))
def get_export(session: DbSession, _admin: AdminPrincipal,
               email: Annotated[str, Query(description="The email address the person is known by.")]) -> dict[str, Any]:
    """Everything held about the person as one JSON document."""
    try:
        return export_person(session=session, email=email, now=get_clock().now())
    except PrivacyError as error:
        raise _refused(error) from None
