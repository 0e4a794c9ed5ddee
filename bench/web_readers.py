"""Signed-in readers for bench/web.py: each page is read as its user would, through the sign-in form."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from leadpact.access import set_password
from leadpact.clock import get_clock
from leadpact.db import session_scope
from leadpact.org.service import get_user_by_email

PASSWORD = "bench password, not a real one"


def client_for(app: Any, email: str) -> TestClient:
    """A client signed in as `email` (given a bench password first: the bench reads a copy of the workspace)."""
    with session_scope() as session:
        user = get_user_by_email(session=session, email=email)
        assert user is not None, email
        set_password(session=session, user=user, password=PASSWORD, now=get_clock().now(), actor="bench")
    client = TestClient(app, headers={"Accept": "text/html"}, follow_redirects=False)
    answer = client.post("/sign-in", data={"email": email, "password": PASSWORD, "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in as {email}: {answer.status_code}")
    return client
