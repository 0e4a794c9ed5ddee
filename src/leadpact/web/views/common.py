"""Helpers the page views share: refusals as pages, redirects after a form, reading numbers and dates from forms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from leadpact.web.templating import page

NOTICES = {
    "contacted": "First touch recorded: the SLA clock has stopped.",
    "accept": "Accepted: the lead is now a sales-accepted lead.",
    "reject": "Rejected, with the reason recorded.",
    "qualify": "Qualified to SQL.",
    "opportunity": "Opportunity opened.",
    "won": "Marked won.",
    "lost": "Marked lost.",
    "reassign": "Reassigned.",
    "availability": "Availability saved.",
    "draft": "Draft stored.",
    "approve": "Signed.",
    "activate": "Activated: everyone open was re-evaluated under this version.",
    "user": "User saved.",
    "key": "Key revoked.",
    "channel": "Channel added.",
    "erase": "Erased.",
}


class FormProblem(ValueError):
    """A form field that cannot be read, with the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def done(url: str, what: str) -> RedirectResponse:
    """Redirect (303, see other) after a form succeeded, saying what was done on the page it lands on."""
    return RedirectResponse(f"{url}?done={what}", status_code=303)


def notice(request: Request) -> str:
    """The sentence for the `done` a redirect carried ('' when none)."""
    return NOTICES.get(request.query_params.get("done", ""), "")


def refused(request: Request, principal: Any, status_code: int, message: str) -> HTMLResponse:
    """A page that says why the request was refused (403, 404, 409…)."""
    return page(request, "refused.html", principal=principal, status_code=status_code, code=status_code,
                message=message, notice="")


def optional_int(text: str | None, field: str) -> int | None:
    """A whole number from a form field, None when empty; FormProblem when it is not one."""
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise FormProblem(field, f"{text.strip()!r} is not a whole number") from None


def optional_float(text: str | None, field: str) -> float | None:
    """A number from a form field (commas allowed as thousands separators), None when empty."""
    if text is None or not text.strip():
        return None
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        raise FormProblem(field, f"{text.strip()!r} is not a number") from None


def optional_date(text: str | None, field: str) -> datetime | None:
    """Midnight UTC of a YYYY-MM-DD form field, None when empty."""
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise FormProblem(field, f"{text.strip()!r} is not a date: use YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
