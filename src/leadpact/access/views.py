"""The session API under /api/v1/session: sign in (sets the cookie), who am I, sign out."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Response, status
from fastapi.responses import JSONResponse

from leadpact.access.errors import SignInRefused
from leadpact.access.models import UserSession
from leadpact.access.principal import Principal
from leadpact.access.schemas import Credentials, SessionOut, UserOut
from leadpact.access.sessions import COOKIE, sign_in, sign_out
from leadpact.api import Anyone, DbSession, ErrorDetail, SignedInPrincipal, api_router, errors
from leadpact.clock import get_clock
from leadpact.config import get_settings
from leadpact.org.models import User

router = api_router(prefix="/session", tags=["session"])


def user_out(user: User, team: str | None = None) -> UserOut:
    """Return a user as the API gives it."""
    return UserOut(id=user.id, email=user.email, name=user.name, role=user.role, team=team, is_active=user.is_active,
                   has_password=user.password_hash is not None, created_at=user.created_at)


def _session_out(session: Any, principal: Principal) -> SessionOut:
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    row = session.get(UserSession, principal.session_id) if principal.session_id is not None else None
    via: Literal["cookie", "token", "key"] = "cookie" if row is not None else ("token" if user is not None else "key")
    return SessionOut(kind="user" if user is not None else "key", role=principal.role, label=principal.label,
                      user=user_out(user) if user is not None else None, via=via,
                      csrf_token=row.csrf_token if row is not None else None,
                      expires_at=row.expires_at if row is not None else None)


@router.post("", response_model=SessionOut, responses={
    401: {"model": ErrorDetail, "description": "Wrong email or password, or a disabled account"},
    429: {"model": ErrorDetail, "description": "Too many failed sign-ins: wait (Retry-After) and try again"}})
def start_session(body: Credentials, request: Request, response: Response, session: DbSession, _: Anyone) -> Any:
    """Sign in with email and password: sets the session cookie and gives the CSRF token."""
    address = request.client.host if request.client else None
    try:
        signed = sign_in(session=session, email=body.email, password=body.password, address=address,
                         now=get_clock().now())
    except SignInRefused as refused:
        # Returned, not raised: the failure just counted is committed with the request.
        if refused.retry_after:
            return JSONResponse({"detail": refused.message}, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                                headers={"Retry-After": str(refused.retry_after)})
        return JSONResponse({"detail": refused.message}, status_code=status.HTTP_401_UNAUTHORIZED)
    response.set_cookie(COOKIE, signed.cookie_value, max_age=int(get_settings().session_hours * 3600), path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return SessionOut(kind="user", role=signed.user.role, label=signed.user.email, user=user_out(signed.user),
                      via="cookie", csrf_token=signed.csrf_token, expires_at=signed.expires_at)


@router.get("", response_model=SessionOut, responses=errors(401))
def current_session(session: DbSession, principal: SignedInPrincipal) -> Any:
    """Say who the request acts as (the signed-in user, by cookie or personal token)."""
    return _session_out(session, principal)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403))
def end_session(request: Request, session: DbSession, principal: SignedInPrincipal) -> Response:
    """Sign out: the session ends now (its cookie no longer works) and the cookie is cleared."""
    sign_out(session=session, principal=principal, now=get_clock().now())
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response
