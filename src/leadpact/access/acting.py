"""Whom an act is done as: the principal itself, or, for an admin only, a named user on whose behalf it acts."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, status

from leadpact.access.errors import AccessDenied
from leadpact.access.principal import Principal


@dataclass(frozen=True)
class Acting:
    """The user an act is done as, and who really did it when that was an admin acting for them."""

    email: str
    on_behalf_by: str | None = None


def acting_as(principal: Principal, named: str | None) -> Acting:
    """Return whom `principal` acts as. `named` (a body's `by`) grants nothing: a user acts as themselves; only an
    admin (user or automation key) may name someone else, and the act is recorded as done on their behalf."""
    named = named.strip().lower() if named and named.strip() else None
    if named is None or named == principal.email:
        if principal.kind == "user" and principal.email:
            return Acting(email=principal.email)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"{principal.label} is a key, not a person: name the user this is done for in `by`")
    if not principal.is_admin:
        raise AccessDenied(f"{principal.label} acts as themselves: only an admin can act on someone else's behalf "
                           f"(leave out `by`, or send your own email)")
    return Acting(email=named, on_behalf_by=principal.label)
