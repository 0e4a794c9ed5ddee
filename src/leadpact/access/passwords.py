"""Passwords: argon2id hashes (argon2-cffi), the rules a new password must meet, and a constant-time miss."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 reads it all: a megabyte "password" would be a cheap way to spend our CPU


class PasswordRejected(ValueError):
    """A new password that does not meet the rules, with which one in words."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with argon2-cffi's current (RFC 9106 low-memory) parameters


def check_new_password(password: str) -> None:
    """Raise PasswordRejected unless `password` is acceptable as a new password."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"the password has {len(password)} characters; use at least {MIN_LENGTH}")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"the password has {len(password)} characters; use at most {MAX_LENGTH}")
    if not password.strip():
        raise PasswordRejected("the password is only spaces")


def hash_password(password: str) -> str:
    """Return the argon2id hash to store for `password` (checked first: PasswordRejected when unacceptable)."""
    check_new_password(password)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash, spend the same time and say no."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        matched = _hasher().verify(stored or _decoy(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored is not None


def needs_rehash(stored: str) -> bool:
    """Whether the stored hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored)


@lru_cache(maxsize=1)
def _decoy() -> str:
    # An unknown email costs the same as a wrong password: no timing difference tells whether the account exists.
    return _hasher().hash("not a real password, only spends the time")
