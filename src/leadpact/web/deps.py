"""What every page shares: the request's database session, who is reading, and their row filter.

The principal comes from the access domain (sign-in, roles, CSRF); until it is wired in, `reader` refuses every
request and tests supply a principal through `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from sqlalchemy import Select, select

from leadpact.api import DbSession, get_session
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep

__all__ = ["DbSession", "Reader", "csrf_token_for", "get_session", "reader", "visible_to"]


def reader() -> Any:
    """The signed-in principal reading a page."""
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")


Reader = Annotated[Any, Depends(reader)]


def csrf_token_for(principal: Any) -> str:
    """The CSRF token the principal's forms carry."""
    return str(getattr(principal, "csrf_token", "") or "")


def visible_to(principal: Any) -> Any:
    """The principal's row filter for handoff queries: a rep their own, a manager their teams', others all."""

    def limit(statement: Select[Any]) -> Select[Any]:
        if principal.role == "rep":
            return statement.where(Handoff.rep_id == principal.rep_id)
        if principal.role == "manager":
            team_reps = select(Rep.id).where(Rep.team_id.in_(list(principal.team_ids)))
            return statement.where((Handoff.team_id.in_(list(principal.team_ids))) | Handoff.rep_id.in_(team_reps))
        return statement

    return limit
