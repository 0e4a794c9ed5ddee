"""The admin pages (/admin): users, API keys, notification channels, CRM connections, erasure and export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from leadpact.access import NotFound, PasswordRejected, Principal, disable_user, set_password
from leadpact.audit import record
from leadpact.clock import get_clock
from leadpact.keys.service import create_key, revoke_key
from leadpact.org.models import ROLES, User
from leadpact.org.service import OrgError, create_user
from leadpact.outbox.operations import OutboxError, add_channel
from leadpact.web.deps import Admin, DbSession
from leadpact.web.pages.admin import admin_overview
from leadpact.web.templating import page
from leadpact.web.views.common import done, notice, refused
from leadpact.web.views.forms import Fields

router = APIRouter()


def _show(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None, created: str = "",
          ) -> HTMLResponse:
    return page(request, "admin.html", principal=principal, status_code=status_code, o=admin_overview(session=session),
                errors=errors or {}, values=values or {}, created=created, roles=ROLES, notice=notice(request))


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, session: DbSession, principal: Admin) -> HTMLResponse:
    """Users, keys, channels and CRM connections."""
    return _show(request, session, principal)


def _audit(session: Session, principal: Principal, action: str, subject: str, **details: object) -> None:
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action=action, subject=subject, at=get_clock().now(), details=details or None)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user_view(request: Request, session: DbSession, principal: Admin, fields: Fields) -> Response:
    """Create a user (a rep in a team when given) with a first password."""
    now = get_clock().now()
    try:
        user = create_user(session=session, email=fields.get("email", ""), name=fields.get("name", ""),
                           role=fields.get("role", ""), team=fields.get("team") or None, now=now)
        set_password(session=session, user=user, password=fields.get("password", ""), now=now,
                     actor=principal.label)
    except (OrgError, PasswordRejected) as problem:
        session.rollback()
        field = "password" if isinstance(problem, PasswordRejected) else "user"
        return _show(request, session, principal, status_code=422, errors={field: str(problem)}, values=fields)
    _audit(session, principal, "user.created", f"user:{user.id}", role=user.role)
    return done("/admin", "user")


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


@router.post("/admin/users/{user_id}/disable", response_class=HTMLResponse)
def disable_user_view(user_id: int, request: Request, session: DbSession, principal: Admin) -> Response:
    """Disable a user: their sessions end now and their personal tokens stop working."""
    user = _user(session, user_id)
    if user.id == principal.user_id:
        return _show(request, session, principal, status_code=409,
                     errors={f"user-{user_id}": "you cannot disable yourself: ask another admin"})
    disable_user(session=session, user=user, now=get_clock().now(), actor=principal.label)
    return done("/admin", "user")


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password_view(user_id: int, request: Request, session: DbSession, principal: Admin,
                        fields: Fields) -> Response:
    """Set a user's password; every session of theirs ends now."""
    user = _user(session, user_id)
    try:
        set_password(session=session, user=user, password=fields.get("password", ""), now=get_clock().now(),
                     actor=principal.label)
    except PasswordRejected as problem:
        session.rollback()
        return _show(request, session, principal, status_code=422, errors={f"user-{user_id}": str(problem)})
    return done("/admin", "user")


@router.post("/admin/keys", response_class=HTMLResponse)
def create_key_view(request: Request, session: DbSession, principal: Admin, fields: Fields) -> Response:
    """Create a project key; its secret is shown once, on the page that answers."""
    name = fields.get("name", "").strip()
    if not name:
        return _show(request, session, principal, status_code=422, errors={"key_name": "give the key a name"},
                     values=fields)
    try:
        key, secret = create_key(session=session, scope=fields.get("scope", ""), name=name, now=get_clock().now())
    except ValueError as problem:
        session.rollback()
        return _show(request, session, principal, status_code=422, errors={"scope": str(problem)}, values=fields)
    _audit(session, principal, "key.created", f"key:{key.id}", scope=key.scope)
    return _show(request, session, principal, created=secret)


@router.post("/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key_view(key_id: int, request: Request, session: DbSession, principal: Admin) -> Response:
    """Revoke a key."""
    if not revoke_key(session=session, key_id=key_id, now=get_clock().now()):
        return refused(request, principal, 404, f"There is no live key #{key_id}.")
    _audit(session, principal, "key.revoked", f"key:{key_id}")
    return done("/admin", "key")


@router.post("/admin/channels", response_class=HTMLResponse)
def add_channel_view(request: Request, session: DbSession, principal: Admin, fields: Fields) -> Response:
    """Add a notification channel (email, Slack or signed webhook)."""
    topics = [t.strip() for t in fields.get("topics", "").split(",") if t.strip()]
    try:
        add_channel(session=session, kind=fields.get("kind", ""), target=fields.get("target", "").strip(),
                    secret=fields.get("secret") or None, topics=topics, now=get_clock().now())
    except OutboxError as problem:
        session.rollback()
        return _show(request, session, principal, status_code=422, errors={"channel": str(problem)}, values=fields)
    return done("/admin", "channel")
