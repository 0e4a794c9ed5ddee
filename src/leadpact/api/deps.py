"""Annotated dependencies for the JSON API: `DbSession`, and API keys with a scope (`ReadKey`, `AdminKey`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from leadpact.db import session_scope
from leadpact.keys.models import ApiKey
from leadpact.keys.service import find_key

# What each scope may do: admin keys everything, read keys reading; ingest (write) keys only send events.
GRANTS = {"admin": {"admin", "read"}, "read": {"read"}, "ingest": set()}


def get_session() -> Iterator[Session]:
    """Yield a session whose request owns the transaction: commit on success, roll back on any error."""
    with session_scope() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is never reported as success.
DbSession = Annotated[Session, Depends(get_session, scope="function")]

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lp_…` (read or admin scope).")


def require_scope(scope: str) -> Callable[..., ApiKey]:
    """Return a dependency giving the request's live API key, refusing (401/403) a missing key or one whose scope
    does not grant `scope`."""

    def authenticate(
        session: DbSession, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> ApiKey:
        if credentials is None or not credentials.credentials:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key: send `Authorization: Bearer <key>`",
                                headers={"WWW-Authenticate": "Bearer"})
        key = find_key(session=session, secret=credentials.credentials)
        if key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid API key: no live key matches it",
                                headers={"WWW-Authenticate": "Bearer"})
        if scope not in GRANTS.get(key.scope, set()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, _refusal(key.scope, scope))
        return key

    authenticate.__name__ = f"require_{scope}_key"
    return authenticate


def _refusal(have: str, need: str) -> str:
    if have == "ingest":
        return "this is a write key (scope ingest): write keys can only send events; use a read or admin key"
    return f"this needs an {need} key; a {have} key can only read"


ReadKey = Annotated[ApiKey, Depends(require_scope("read"))]
AdminKey = Annotated[ApiKey, Depends(require_scope("admin"))]
