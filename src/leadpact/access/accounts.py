"""Users' sign-in credentials: set a password, disable a user, make a personal token; each ends what it must."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from leadpact.access.passwords import hash_password
from leadpact.access.sessions import end_sessions
from leadpact.audit import record
from leadpact.keys.models import ApiKey
from leadpact.keys.service import create_personal_token
from leadpact.org.models import User


def set_password(*, session: Session, user: User, password: str, now: datetime, actor: str) -> int:
    """Give the user a new password (argon2id) and end every session they have; return how many ended.
    Raise PasswordRejected for a password that does not meet the rules."""
    user.password_hash = hash_password(password)
    ended = end_sessions(session=session, user_id=user.id, now=now, because="password changed")
    record(session=session, actor=actor, action="user.password_set", subject=f"user:{user.id}", at=now,
           details={"sessions_ended": ended})
    return ended


def disable_user(*, session: Session, user: User, now: datetime, actor: str) -> int:
    """Disable the user: their sessions end now and their personal tokens stop working; return sessions ended."""
    user.is_active = False
    ended = end_sessions(session=session, user_id=user.id, now=now, because="account disabled")
    # Tokens are refused for a disabled user anyway; revoking them too means enabling the user again does not
    # bring old tokens back to life.
    session.execute(update(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
                    .values(revoked_at=now))
    record(session=session, actor=actor, action="user.disabled", subject=f"user:{user.id}", at=now,
           details={"sessions_ended": ended})
    return ended


def make_personal_token(*, session: Session, user: User, name: str, now: datetime, actor: str) -> tuple[ApiKey, str]:
    """Create a personal token acting as `user` (with their role); return the row and the token (shown once)."""
    if not user.is_active:
        raise ValueError(f"{user.email} is disabled: a disabled user gets no token")
    key, token = create_personal_token(session=session, user_id=user.id, name=name, now=now)
    record(session=session, actor=actor, action="key.created", subject=f"key:{key.id}", at=now,
           details={"scope": key.scope, "user": user.email})
    return key, token
