"""Signing in and out of the web app, and `/`, which takes each role to its home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadpact.access import COOKIE, NotSignedIn, SignInRefused, authenticate, sign_in, sign_out
from leadpact.clock import get_clock
from leadpact.web.deps import Anyone, DbSession, SignedIn
from leadpact.web.templating import page
from leadpact.web.views.forms import Fields

router = APIRouter()
HOMES = {"rep": "/inbox", "manager": "/team", "marketing": "/dashboard", "admin": "/admin"}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site, which would make the sign-in
    page an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(principal: SignedIn) -> RedirectResponse:
    """Send each role to its home: a rep's inbox, a manager's team, marketing's dashboard, the admin pages."""
    return RedirectResponse(HOMES.get(principal.role, "/pacts"), status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, _anyone: Anyone,
                 next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    """The sign-in form."""
    return page(request, "sign_in.html", principal=None, next=safe_next(next), email="", error="", notice="")


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, session: DbSession, fields: Fields, _anyone: Anyone) -> Response:
    """Check the email and password, start a session (cookie) and go on to where the reader was headed."""
    email, target = fields.get("email", "").strip(), safe_next(fields.get("next"))
    if not email or not fields.get("password"):
        return page(request, "sign_in.html", principal=None, status_code=422, next=target, email=email,
                    error="enter your email and your password", notice="")
    now = get_clock().now()
    try:
        started = sign_in(session=session, email=email, password=fields["password"],
                          address=request.client.host if request.client else None, now=now)
    except SignInRefused as refused:
        return page(request, "sign_in.html", principal=None, status_code=401, next=target, email=email,
                    error=str(refused), notice="")
    response = RedirectResponse(target, status_code=303)
    # A lifetime rather than a date: the server's clock may be simulated (the demo), the browser's is not.
    response.set_cookie(COOKIE, started.cookie_value, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https",
                        max_age=max(1, int((started.expires_at - now).total_seconds())))
    return response


@router.post("/sign-out")
def sign_out_form(request: Request, session: DbSession, _anyone: Anyone) -> Response:
    """End this browser's session, if it still has one, and go to the sign-in page. Open to everyone: signing out
    of a session that already ended (expired, or ended elsewhere) still lands on the sign-in page."""
    try:
        principal = authenticate(request)
    except NotSignedIn:
        principal = None
    if principal is not None and principal.by_cookie:
        sign_out(session=session, principal=principal, now=get_clock().now())
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE)
    return response
