"""The admin pages (/admin): users, API keys, notification channels, CRM connections, erasure and export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from leadpact.access import Principal
from leadpact.clock import get_clock
from leadpact.keys.service import create_key, revoke_key
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
                errors=errors or {}, values=values or {}, created=created, notice=notice(request))


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, session: DbSession, principal: Admin) -> HTMLResponse:
    """Users, keys, channels and CRM connections."""
    return _show(request, session, principal)


@router.post("/admin/keys", response_class=HTMLResponse)
def create_key_view(request: Request, session: DbSession, principal: Admin, fields: Fields) -> Response:
    """Create a project key; its secret is shown once, on the page that answers."""
    name = fields.get("name", "").strip()
    if not name:
        return _show(request, session, principal, status_code=422, errors={"key_name": "give the key a name"},
                     values=fields)
    try:
        _key, secret = create_key(session=session, scope=fields.get("scope", ""), name=name, now=get_clock().now())
    except ValueError as problem:
        session.rollback()
        return _show(request, session, principal, status_code=422, errors={"scope": str(problem)}, values=fields)
    return _show(request, session, principal, created=secret)


@router.post("/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key_view(key_id: int, request: Request, session: DbSession, principal: Admin) -> Response:
    """Revoke a key."""
    if not revoke_key(session=session, key_id=key_id, now=get_clock().now()):
        return refused(request, principal, 404, f"There is no live key #{key_id}.")
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
