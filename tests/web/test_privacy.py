"""The admin's privacy page: erasure needs an email and a confirmation, an unknown email is a 404 with the
message by its field; export downloads one JSON document; only admins reach either."""

from __future__ import annotations

from typing import Any

import pytest

from leadpact.app import create_app
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.test_page_access import signed_in
from tests.web.world import WebWorld, build_web_world, give_password


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world."""
    return build_web_world(set_password=give_password)


@pytest.mark.parametrize(("form", "status", "field", "words"), [
    ({"email": "", "confirm": "on"}, 422, "email", "whose data"),
    ({"email": "jo@acme.example"}, 422, "confirm", "cannot be undone"),
    ({"email": "nobody@acme.example", "confirm": "on"}, 404, "email", ""),
])
def test_an_erasure_is_refused_without_an_email_a_confirmation_or_a_known_person(
        world: WebWorld, form: dict[str, str], status: int, field: str, words: str) -> None:
    admin, token = signed_in(create_app(), world.admin)
    answer = admin.post("/admin/privacy/erase", data={"csrf_token": token, **form})
    assert answer.status_code == status and f'id="{field}-error"' in answer.text and words in answer.text
    export = admin.get("/admin/privacy/export", params={"email": "jo@acme.example"})
    assert export.status_code == 200 and export.json()  # Jo is still there


def test_an_export_is_one_json_download_for_admins_only(world: WebWorld) -> None:
    app = create_app()
    admin, _token = signed_in(app, world.admin)
    export = admin.get("/admin/privacy/export", params={"email": "jo@acme.example"})
    assert export.headers["content-type"].startswith("application/json")
    assert "attachment" in export.headers["content-disposition"] and "jo@acme.example" in export.text
    rep, _ = signed_in(app, world.sam)
    assert rep.get("/admin/privacy/export", params={"email": "jo@acme.example"}).status_code == 403
