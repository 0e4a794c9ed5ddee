"""The refusals of access control, as HTTP errors that say what is wrong (FastAPI turns them into responses)."""

from __future__ import annotations

from fastapi import HTTPException, status


class NotSignedIn(HTTPException):
    """401: no credentials, or ones that are unknown, revoked, expired or belong to a disabled user."""

    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


class AccessDenied(HTTPException):
    """403: the principal is known but may not do this (their role, someone else's row, a missing CSRF token)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, detail)


class NotFound(HTTPException):
    """404: no such row."""

    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_404_NOT_FOUND, detail)


class SignInRefused(Exception):
    """A sign-in that did not succeed, with the message to show and, when throttled, how long to wait."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
