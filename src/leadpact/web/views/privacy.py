"""The admin's privacy page (/admin/privacy): erase a person everywhere, or download everything held about them."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadpact.clock import get_clock
from leadpact.privacy import PersonNotFound, PrivacyError, erase_person, export_person
from leadpact.web.deps import Admin, DbSession
from leadpact.web.templating import page
from leadpact.web.views.forms import Fields

router = APIRouter()


@router.get("/admin/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, principal: Admin) -> HTMLResponse:
    """The erase and export forms."""
    return page(request, "privacy.html", principal=principal, errors={}, values={}, erased=None, notice="")


@router.post("/admin/privacy/erase", response_class=HTMLResponse)
def erase_view(request: Request, session: DbSession, principal: Admin, fields: Fields) -> HTMLResponse:
    """Erase the person's personal data everywhere (asked to confirm first); say what was removed."""
    email = fields.get("email", "").strip()
    errors: dict[str, str] = {}
    status = 422
    if not email:
        errors["email"] = "whose data? give the email address the person is known by"
    elif fields.get("confirm") != "on":
        errors["confirm"] = "tick the box: an erasure cannot be undone"
    else:
        try:
            report = erase_person(session=session, email=email, actor=principal.label, now=get_clock().now())
        except PrivacyError as problem:
            session.rollback()
            errors["email"], status = str(problem), 404 if isinstance(problem, PersonNotFound) else 422
        else:
            return page(request, "privacy.html", principal=principal, errors={}, values={}, erased=report,
                        notice="Erased.")
    return page(request, "privacy.html", principal=principal, status_code=status, errors=errors, values=fields,
                erased=None, notice="")


@router.get("/admin/privacy/export")
def export_view(request: Request, session: DbSession, principal: Admin,
                email: Annotated[str, Query()] = "") -> Response:
    """Everything held about the person, as one JSON file to download (without an email: the form)."""
    if not email.strip():
        return RedirectResponse("/admin/privacy", status_code=303)
    try:
        document = export_person(session=session, email=email, now=get_clock().now())
    except PrivacyError as problem:
        return page(request, "privacy.html", principal=principal,
                    status_code=404 if isinstance(problem, PersonNotFound) else 422,
                    errors={"export_email": str(problem)}, values={"export_email": email}, erased=None, notice="")
    return Response(json.dumps(document, indent=2, default=str), media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="leadpact-export.json"'})
