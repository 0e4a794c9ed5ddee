"""The admin API for users and keys: list, create, disable, reset a password; list, create, revoke keys."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Response, status
from sqlalchemy import select

from leadpact.access.accounts import disable_user, make_personal_token, set_password
from leadpact.access.passwords import PasswordRejected
from leadpact.access.schemas import CreatedKey, KeyOut, NewKey, NewPassword, NewUser, UserOut
from leadpact.access.views import user_out
from leadpact.api import AdminPrincipal, DbSession, api_router, errors
from leadpact.audit import record
from leadpact.clock import get_clock
from leadpact.keys.models import ApiKey
from leadpact.keys.service import create_key, revoke_key
from leadpact.org.models import User
from leadpact.org.service import OrgError, create_user, get_user_by_email, list_users

users_router = api_router(prefix="/users", tags=["admin"])
keys_router = api_router(prefix="/keys", tags=["admin"])


def _unprocessable(error: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


def _user(session: Any, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    return user


@users_router.get("", response_model=list[UserOut], responses=errors(401, 403))
def get_users(session: DbSession, _: AdminPrincipal) -> list[UserOut]:
    """List every user: role, team, whether they can sign in."""
    return [user_out(user, team) for user, team in list_users(session=session)]


@users_router.post("", status_code=status.HTTP_201_CREATED, response_model=UserOut,
                   responses=errors(401, 403, 422))
def add_user(body: NewUser, session: DbSession, principal: AdminPrincipal) -> UserOut:
    """Create a user (a rep in `team` when given), with a password when given."""
    now = get_clock().now()
    try:
        user = create_user(session=session, email=body.email, name=body.name, role=body.role, team=body.team, now=now)
        if body.password is not None:
            set_password(session=session, user=user, password=body.password, now=now, actor=principal.label)
    except (OrgError, PasswordRejected) as error:
        raise _unprocessable(error) from None
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action="user.created", subject=f"user:{user.id}", at=now, details={"role": user.role})
    return user_out(user, body.team)


@users_router.post("/{user_id}/disable", response_model=UserOut, responses=errors(401, 403, 404, 409))
def disable(user_id: int, session: DbSession, principal: AdminPrincipal) -> UserOut:
    """Disable a user: every session of theirs ends now and their personal tokens stop working."""
    user = _user(session, user_id)
    if user.id == principal.user_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "you cannot disable yourself: ask another admin")
    disable_user(session=session, user=user, now=get_clock().now(), actor=principal.label)
    return user_out(user)


@users_router.put("/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT,
                  responses=errors(401, 403, 404, 422))
def reset_password(user_id: int, body: NewPassword, session: DbSession, principal: AdminPrincipal) -> Response:
    """Set a user's password; every session of theirs ends now."""
    user = _user(session, user_id)
    try:
        set_password(session=session, user=user, password=body.password, now=get_clock().now(), actor=principal.label)
    except PasswordRejected as error:
        raise _unprocessable(error) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def key_out(key: ApiKey, email: str | None) -> KeyOut:
    """Return a key as listed (never the key itself)."""
    return KeyOut(id=key.id, name=key.name, scope=key.scope, prefix=key.prefix, user_email=email,
                  created_at=key.created_at, revoked_at=key.revoked_at)


@keys_router.get("", response_model=list[KeyOut], responses=errors(401, 403))
def get_keys(session: DbSession, _: AdminPrincipal) -> list[KeyOut]:
    """List API keys and personal tokens: prefix, scope, whose, created, revoked."""
    rows = session.execute(select(ApiKey, User.email).outerjoin(User, User.id == ApiKey.user_id).order_by(ApiKey.id))
    return [key_out(key, email) for key, email in rows]


@keys_router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatedKey,
                  responses=errors(401, 403, 422))
def add_key(body: NewKey, session: DbSession, principal: AdminPrincipal) -> CreatedKey:
    """Create a project key of one scope, or a personal token for `user_email`; the key is in the answer only."""
    now = get_clock().now()
    if body.user_email is not None or body.scope == "personal":
        user = get_user_by_email(session=session, email=body.user_email or "")
        if user is None:
            raise _unprocessable(ValueError(f"a personal token needs the email of a user: no user "
                                            f"{(body.user_email or '').strip().lower() or '(none given)'}"))
        try:
            key, token = make_personal_token(session=session, user=user, name=body.name, now=now,
                                             actor=principal.label)
        except ValueError as error:
            raise _unprocessable(error) from None
        return CreatedKey(**key_out(key, user.email).model_dump(), token=token)
    key, token = create_key(session=session, scope=body.scope, name=body.name, now=now)
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action="key.created", subject=f"key:{key.id}", at=now, details={"scope": key.scope})
    return CreatedKey(**key_out(key, None).model_dump(), token=token)


@keys_router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404))
def delete_key(key_id: int, session: DbSession, principal: AdminPrincipal) -> Response:
    """Revoke a key or personal token: it stops working at once."""
    now = get_clock().now()
    if not revoke_key(session=session, key_id=key_id, now=now):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no live key {key_id}")
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action="key.revoked", subject=f"key:{key_id}", at=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
