"""Access at the door: `allow(rule)` is the one dependency a route declares; a route declaring none is refused.

`allow(rule)` authenticates the request (personal token or project key as `Authorization: Bearer`, else the session
cookie), checks the CSRF token of a state-changing cookie request, checks the rule, and gives the Principal.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import RouteContext, iter_route_contexts
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from leadpact.access.errors import AccessDenied, NotSignedIn
from leadpact.access.identity import principal_for_token
from leadpact.access.principal import ANONYMOUS, Principal
from leadpact.access.rules import Rule
from leadpact.access.sessions import COOKIE, csrf_matches, principal_for_cookie
from leadpact.clock import get_clock
from leadpact.db import session_scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
RULE_ATTRIBUTE = "access_rule"
# Declared on every guarded route so that the OpenAPI schema documents both ways in; the header and cookie are read
# by `authenticate`, which also takes a write key as Basic credentials.
BEARER = HTTPBearer(auto_error=False, description="A personal token or project key: `Authorization: Bearer lp_…`.")
SESSION_COOKIE = APIKeyCookie(name=COOKIE, auto_error=False,
                              description="The session cookie set by `POST /api/v1/session` (with X-CSRF-Token).")


def _bearer(header: str) -> str:
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        # A write key as Segment's clients send it: the Basic username, empty password.
        try:
            username = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            raise NotSignedIn("the Authorization header is not valid Basic credentials") from None
        if username:
            return username
    raise NotSignedIn("send a key as `Authorization: Bearer <key>` (or sign in)")


def authenticate(request: Request) -> Principal | None:
    """Return the request's principal (None: no credentials at all); NotSignedIn for credentials that are refused.
    A bearer token wins over a cookie: such a request is not a browser's, and needs no CSRF token."""
    header = request.headers.get("authorization")
    now = get_clock().now()
    if header:
        token = _bearer(header)
        with session_scope() as session:
            return principal_for_token(session=session, token=token)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        with session_scope() as session:
            return principal_for_cookie(session=session, cookie=cookie, now=now)
    return None


async def _check_csrf(request: Request, principal: Principal) -> None:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not token:
        raise AccessDenied(f"missing CSRF token: a signed-in browser's {request.method} must send the session's "
                           f"token as the {CSRF_HEADER} header or the {CSRF_FIELD} form field")
    if not csrf_matches(principal, token):
        raise AccessDenied("stale or wrong CSRF token: it is not this session's (reload the page)")


def allow(rule: Rule) -> Callable[..., Awaitable[Principal]]:
    """Return the dependency that admits a request under `rule` and gives its Principal (401: not signed in or
    refused credentials; 403: the rule, or a cookie request's missing or stale CSRF token)."""

    if rule.open:
        # Open routes (the tracking API among them) pay nothing: no lookup, no thread.
        async def open_door(request: Request) -> Principal:
            return ANONYMOUS

        dependency: Callable[..., Awaitable[Principal]] = open_door
    else:
        async def door(
            request: Request,
            _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
            _cookie: Annotated[str | None, Depends(SESSION_COOKIE)],
        ) -> Principal:
            principal = await run_in_threadpool(authenticate, request)
            if principal is None:
                raise NotSignedIn("not signed in: sign in, or send a key as `Authorization: Bearer <key>`")
            if principal.by_cookie and request.method not in SAFE_METHODS:
                await _check_csrf(request, principal)
            if not rule.admits(principal):
                raise AccessDenied(rule.refusal(principal))
            return principal

        dependency = door
    dependency.__name__ = f"allow_{rule.name.replace('.', '_')}"
    setattr(dependency, RULE_ATTRIBUTE, rule)
    return dependency


def _dependency_rules(dependant: Any) -> Iterator[Rule]:
    for sub in dependant.dependencies:
        rule = getattr(sub.call, RULE_ATTRIBUTE, None)
        if isinstance(rule, Rule):
            yield rule
        yield from _dependency_rules(sub)


def rules_of(route: BaseRoute | RouteContext) -> list[Rule]:
    """Return the rules a route declares: on its dependencies, its router's included (API routes and pages), or
    set with `declare`."""
    declared = getattr(route, RULE_ATTRIBUTE, None)
    if isinstance(declared, Rule):
        return [declared]
    dependant = getattr(route, "dependant", None)
    return list(dict.fromkeys(_dependency_rules(dependant))) if dependant is not None else []


def app_routes(routes: list[BaseRoute]) -> list[RouteContext]:
    """Every route an application serves, with its routers' prefixes and dependencies applied."""
    return list(iter_route_contexts(routes))


def rule_of(route: BaseRoute | RouteContext) -> Rule | None:
    """Return the one rule a route declares, or None when it declares none or more than one."""
    found = rules_of(route)
    return found[0] if len(found) == 1 else None


def declare(route: BaseRoute, rule: Rule) -> None:
    """Give a route that cannot take a dependency (the OpenAPI schema, the docs, a static-files mount) its rule."""
    setattr(route, RULE_ATTRIBUTE, rule)


def declare_path(routes: list[BaseRoute], path: str, rule: Rule) -> None:
    """Give the app's route at `path` (not an API route: e.g. /openapi.json, /docs, a mount) its rule."""
    matching = [route for route in routes if getattr(route, "path", None) == path]
    if not matching:
        raise LookupError(f"no route at {path}")
    for route in matching:
        declare(route, rule)


class RefuseUndeclaredRoutes:
    """ASGI middleware: a request for a route that declares no rule (or more than one) is refused with 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: list[BaseRoute] | None = None
        self._count = -1
        self._undeclared: list[RouteContext] = []

    def _refresh(self, routes: list[BaseRoute]) -> None:
        # Worked out again only when the app's own list of routes changes: this runs before every request.
        if routes is not self._routes or len(routes) != self._count:
            self._routes, self._count = routes, len(routes)
            self._undeclared = [route for route in app_routes(routes) if rule_of(route) is None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an undeclared route's request; pass everything else on untouched."""
        if scope["type"] == "http":
            self._refresh(scope["app"].router.routes)
            for route in self._undeclared:
                if route.matches(scope)[0] == Match.FULL:
                    response = JSONResponse({"detail": f"{scope['method']} {scope['path']} declares no access "
                                                       "rule, so it is refused"}, status_code=403)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
