"""The shapes of the session and admin APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Credentials(BaseModel):
    """An email and password to sign in with."""

    email: str
    password: str


class UserOut(BaseModel):
    """A user as listed: who, role, team (reps), whether they can sign in."""

    id: int
    email: str
    name: str
    role: str
    team: str | None = None
    is_active: bool
    has_password: bool
    created_at: datetime


class SessionOut(BaseModel):
    """Who the request acts as, and for a browser session its CSRF token and end."""

    kind: Literal["user", "key"]
    role: str
    label: str
    user: UserOut | None
    via: Literal["cookie", "token", "key"]
    csrf_token: str | None = Field(None, description="Send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE.")
    expires_at: datetime | None = None


class NewUser(BaseModel):
    """A user to create; a rep may name their team; a password may be set now or later."""

    email: str
    name: str
    role: Literal["admin", "marketing", "manager", "rep"]
    team: str | None = None
    password: str | None = None


class NewPassword(BaseModel):
    """A new password (at least 10 characters)."""

    password: str


class KeyOut(BaseModel):
    """An API key or personal token as listed (never the key itself)."""

    id: int
    name: str
    scope: str
    prefix: str
    user_email: str | None
    created_at: datetime
    revoked_at: datetime | None


class NewKey(BaseModel):
    """A project key of one scope, or (with `user_email`) a personal token acting as that user."""

    name: str = "default"
    scope: Literal["ingest", "read", "admin", "personal"] = "ingest"
    user_email: str | None = Field(None, description="For a personal token: the user it acts as (scope personal).")


class CreatedKey(KeyOut):
    """A new key, with the key itself: shown this once, never stored."""

    token: str
