"""The admin pages: users created, disabled and given a new password; keys created (shown once) and revoked; the
same audit entries as the admin API; refusals by their field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from leadpact.app import create_app
from leadpact.audit.models import AuditEntry
from leadpact.db import session_scope
from leadpact.keys.models import ApiKey
from leadpact.org.models import User
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.test_page_access import signed_in
from tests.web.world import PASSWORD, WebWorld, build_web_world, give_password


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world."""
    return build_web_world(set_password=give_password)


def _actions() -> list[str]:
    with session_scope() as session:
        return [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.actor == "ada@nw.example")
                                                  .order_by(AuditEntry.id))]


def test_an_admin_adds_a_user_who_signs_in_then_disables_them(world: WebWorld) -> None:
    app = create_app()
    admin, token = signed_in(app, world.admin)
    answer = admin.post("/admin/users", data={"csrf_token": token, "email": "new@nw.example", "name": "Nia New",
                                              "role": "rep", "team": "north_america",
                                              "password": "a first password, changed below"})
    assert answer.status_code == 303, answer.text[-1500:]
    with session_scope() as session:
        user = session.scalar(select(User).where(User.email == "new@nw.example"))
        assert user is not None and user.role == "rep"
        user_id = user.id
    # A new password (the one the tests sign in with) works at once.
    assert admin.post(f"/admin/users/{user_id}/password",
                      data={"csrf_token": token, "password": PASSWORD}).status_code == 303
    newcomer, _ = signed_in(app, "new@nw.example")
    assert newcomer.get("/inbox").status_code == 200
    assert admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token}).status_code == 303
    assert newcomer.get("/inbox").status_code == 303  # their session ended with the account
    assert "user.created" in _actions()


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"email": "not-an-address", "name": "X", "role": "rep", "password": "a long enough password"}, "user",
     "is not an email address"),
    ({"email": "x@nw.example", "name": "X", "role": "pilot", "password": "a long enough password"}, "user",
     "unknown role"),
    ({"email": "x@nw.example", "name": "X", "role": "marketing", "password": "short"}, "password", ""),
])
def test_a_bad_new_user_comes_back_with_the_message_by_its_field(world: WebWorld, form: dict[str, str], field: str,
                                                                 words: str) -> None:
    admin, token = signed_in(create_app(), world.admin)
    answer = admin.post("/admin/users", data={"csrf_token": token, **form})
    assert answer.status_code == 422
    message = re.search(rf'id="{field}-error" role="alert">([^<]+)<', answer.text)
    assert message is not None and words in message.group(1)
    with session_scope() as session:
        assert session.scalar(select(User).where(User.email == form["email"])) is None


def test_a_key_is_shown_once_then_revoked(world: WebWorld) -> None:
    admin, token = signed_in(create_app(), world.admin)
    answer = admin.post("/admin/keys", data={"csrf_token": token, "name": "site", "scope": "ingest"})
    secret = re.search(r'<code id="new-key">([^<]+)</code>', answer.text)
    assert answer.status_code == 200 and secret is not None and secret.group(1).startswith("lp_wk_")
    assert secret.group(1) not in admin.get("/admin").text
    with session_scope() as session:
        key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "site"))
    assert admin.post(f"/admin/keys/{key_id}/revoke", data={"csrf_token": token}).status_code == 303
    with session_scope() as session:
        assert session.get(ApiKey, key_id).revoked_at is not None
    assert _actions()[-2:] == ["key.created", "key.revoked"]
