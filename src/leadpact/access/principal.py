"""Who a request acts as: a signed-in user (session cookie or personal token) or a project key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

USER_ROLES = ("admin", "marketing", "manager", "rep")
KEY_ROLES = ("admin", "read", "ingest")


@dataclass(frozen=True)
class Principal:
    """The authenticated actor of a request. Users act with their role; project keys with their scope."""

    kind: Literal["user", "key", "anonymous"]
    role: str  # users: admin | marketing | manager | rep; project keys: admin (automation) | read | ingest
    name: str
    label: str  # what the audit trail records: "ada@x.io" or "key:ci-bot"
    user_id: int | None = None
    email: str | None = None
    key_id: int | None = None  # the project key, or the personal token a user came with
    rep_id: int | None = None  # the user's rep row (reps only)
    team_ids: frozenset[int] = field(default_factory=frozenset)  # a rep's own team; the teams a manager manages
    session_id: int | None = None  # set when the user came with a session cookie
    # The session's CSRF token (cookie sessions only): what `csrf_token_for` hands to templates.
    csrf_token: str | None = field(default=None, repr=False)

    @property
    def is_user(self) -> bool:
        """Whether this is a signed-in person (by cookie or personal token)."""
        return self.kind == "user"

    @property
    def is_admin(self) -> bool:
        """Whether this is an admin user or an admin (automation) key."""
        return self.role == "admin" and self.kind in ("user", "key")

    @property
    def by_cookie(self) -> bool:
        """Whether the request authenticated with a session cookie (and so must carry its CSRF token)."""
        return self.session_id is not None


ANONYMOUS = Principal(kind="anonymous", role="anonymous", name="anonymous", label="anonymous")
