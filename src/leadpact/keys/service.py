"""API keys: create, authenticate, revoke. Only a SHA-256 of each key is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.keys.models import PERSONAL, SCOPES, ApiKey

PREFIXES = {"ingest": "wk", "read": "rk", "admin": "ak", PERSONAL: "pt"}


def create_key(*, session: Session, scope: str, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Create a key with one scope and return the row and the key itself (shown once, never stored)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
    secret = f"lp_{PREFIXES[scope]}_{secrets.token_urlsafe(24)}"
    key = ApiKey(name=name, scope=scope, prefix=secret[:10], key_hash=hash_key(secret), created_at=now)
    session.add(key)
    session.flush()
    return key, secret


def create_personal_token(*, session: Session, user_id: int, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Create a personal token acting as the user (with their role) and return the row and the token itself (shown
    once, never stored)."""
    secret = f"lp_{PREFIXES[PERSONAL]}_{secrets.token_urlsafe(24)}"
    key = ApiKey(name=name, scope=PERSONAL, prefix=secret[:10], key_hash=hash_key(secret), created_at=now,
                 user_id=user_id)
    session.add(key)
    session.flush()
    return key, secret


def hash_key(secret: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def find_key(*, session: Session, secret: str) -> ApiKey | None:
    """Return the live key matching `secret`, or None when it is unknown or revoked."""
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None)))


def revoke_key(*, session: Session, key_id: int, now: datetime) -> bool:
    """Revoke a key; return whether it existed and was live."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = now
    return True
