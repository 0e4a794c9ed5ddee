"""Server-side sessions: sign in (throttled), the signed cookie, sign out, and ending every session of a user."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadpact.access.errors import NotSignedIn, SignInRefused
from leadpact.access.identity import principal_of_user
from leadpact.access.models import InstallationSecret, UserSession
from leadpact.access.passwords import hash_password, needs_rehash, verify_password
from leadpact.access.principal import Principal
from leadpact.access.throttle import Throttle
from leadpact.audit import record
from leadpact.config import get_settings
from leadpact.org.models import User
from leadpact.org.service import get_user_by_email, normalise_email

COOKIE = "leadpact_session"
WRONG = "wrong email or password"


@dataclass(frozen=True)
class SignIn:
    """A new session: the cookie to set, the CSRF token its state-changing requests carry, and who signed in."""

    cookie_value: str
    csrf_token: str
    user: User
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _signer(session: Session, now: datetime) -> Signer:
    return Signer(signing_secret(session=session, now=now), salt="leadpact.session")


def signing_secret(*, session: Session, now: datetime) -> str:
    """The key session cookies are signed with: LEADPACT_SECRET_KEY, or one made once and kept in the database (so
    that every server process signs alike)."""
    configured = get_settings().secret_key
    if configured:
        return configured
    row = session.get(InstallationSecret, "session_cookie")
    if row is None:
        try:
            with session.begin_nested():
                session.add(InstallationSecret(name="session_cookie", value=secrets.token_urlsafe(48), created_at=now))
        except IntegrityError:  # another process made it first: use theirs
            pass
        row = session.get(InstallationSecret, "session_cookie")
    assert row is not None
    return row.value


def sign_in(*, session: Session, email: str, password: str, address: str | None, now: datetime) -> SignIn:
    """Check the password and start a session; raise SignInRefused (a wrong or unknown pair, a disabled account,
    or too many failures from this account or address) without saying which half was wrong."""
    email = normalise_email(email)
    throttle = Throttle(session=session, now=now, limit=get_settings().sign_in_limit)
    wait = throttle.wait(email=email, address=address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        raise SignInRefused(f"too many failed sign-ins: wait {minutes} minute(s) before trying again",
                            retry_after=wait)
    user = get_user_by_email(session=session, email=email)
    if user is None or not verify_password(user.password_hash, password):
        throttle.failed(email=email, address=address)
        raise SignInRefused(WRONG)
    if not user.is_active:
        throttle.failed(email=email, address=address)
        raise SignInRefused("this account is disabled: ask an admin")
    throttle.succeeded(email=email)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=get_settings().session_hours)
    row = UserSession(user_id=user.id, secret_hash=_digest(secret), csrf_token=csrf, created_at=now,
                      expires_at=expires, address=address)
    session.add(row)
    session.flush()
    record(session=session, actor=user.email, actor_user_id=user.id, action="session.started",
           subject=f"user:{user.id}", at=now, details={"address": address} if address else {})
    cookie = _signer(session, now).sign(f"{row.id}.{secret}").decode()
    return SignIn(cookie_value=cookie, csrf_token=csrf, user=user, expires_at=expires)


def principal_for_cookie(*, session: Session, cookie: str, now: datetime) -> Principal:
    """Return the principal of a session cookie; NotSignedIn when it is forged, ended, expired or its user is
    disabled."""
    try:
        session_id, _, secret = _signer(session, now).unsign(cookie).decode().partition(".")
        row = session.get(UserSession, int(session_id))
    except (BadSignature, ValueError, UnicodeDecodeError):
        raise NotSignedIn("the session cookie is not valid: sign in again") from None
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
        raise NotSignedIn("no such session: sign in again")
    if row.ended_at is not None:
        raise NotSignedIn(f"this session has ended ({row.ended_because or 'signed out'}): sign in again")
    if row.expires_at <= now:
        raise NotSignedIn(f"this session expired at {row.expires_at:%Y-%m-%d %H:%M} UTC: sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotSignedIn("this account is disabled: ask an admin")
    return principal_of_user(session=session, user=user, session_id=row.id, csrf_token=row.csrf_token)


def sign_out(*, session: Session, principal: Principal, now: datetime) -> bool:
    """End the principal's session (a cookie session); return whether there was one to end."""
    if principal.session_id is None:
        return False
    ended = end_sessions(session=session, now=now, because="signed out", session_id=principal.session_id)
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, action="session.ended",
           subject=f"user:{principal.user_id}", at=now)
    return ended > 0


def end_sessions(
    *, session: Session, now: datetime, because: str, user_id: int | None = None, session_id: int | None = None
) -> int:
    """End the live sessions of a user (or one session) at once; return how many."""
    query = update(UserSession).where(UserSession.ended_at.is_(None))
    if user_id is not None:
        query = query.where(UserSession.user_id == user_id)
    if session_id is not None:
        query = query.where(UserSession.id == session_id)
    result = session.execute(query.values(ended_at=now, ended_because=because))
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(*, session: Session, user_id: int, now: datetime) -> list[UserSession]:
    """Return a user's sessions that still work, newest first."""
    return list(session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None),
                                  UserSession.expires_at > now).order_by(UserSession.id.desc())
    ))


def csrf_token_for(principal: Principal) -> str | None:
    """The CSRF token a page must put in its forms (`csrf_token`) or send as `X-CSRF-Token`; None without a
    cookie session."""
    return principal.csrf_token


def csrf_matches(principal: Principal, token: str | None) -> bool:
    """Whether `token` is the CSRF token of the principal's session."""
    return bool(token) and principal.csrf_token is not None and hmac.compare_digest(principal.csrf_token, token or "")
