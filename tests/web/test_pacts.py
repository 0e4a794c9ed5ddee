"""The pact pages: the signed document, diff in words, and a backtest over a chosen window beside the active
version, its bad windows back by their field."""

from __future__ import annotations

import html
import re
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


def test_a_backtest_over_a_window_shows_the_pacts_side_by_side(world: WebWorld) -> None:
    client, token = signed_in(create_app(), world.marketer)
    source = re.search(r'<textarea name="source" id="source"[^>]*>([^<]+)</textarea>', client.get("/pacts/new").text)
    assert source is not None
    draft = html.unescape(source.group(1)).replace("points: 40", "points: 10")
    assert client.post("/pacts", data={"csrf_token": token, "source": draft, "note": "demo requests count less"}
                       ).headers["location"] == "/pacts/2?done=draft"
    answer = client.post("/pacts/2/backtest", data={"csrf_token": token, "start": "2026-09-01", "end": "2026-10-01"})
    assert answer.status_code == 200
    table = answer.text[answer.text.index('class="side-by-side"'):]
    assert "Backtest 2026-09-01 → 2026-10-01" in table and "v2" in table and "v1 (active)" in table
    assert "MQLs (first qualified in the window)" in table


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"start": "2026-10-02", "end": "2026-09-01"}, "start", "after it ends"),
    ({"start": "yesterday"}, "start", "not a date"),
    ({"start": "2020-01-01", "end": "2020-02-01"}, "start", "holds none of it"),
])
def test_a_bad_window_comes_back_by_its_field(world: WebWorld, form: dict[str, str], field: str,
                                             words: str) -> None:
    client, token = signed_in(create_app(), world.manager)
    answer = client.post("/pacts/1/backtest", data={"csrf_token": token, **form})
    assert answer.status_code == 422
    message = re.search(rf'id="{field}-error" role="alert">([^<]+)<', answer.text)
    assert message is not None and words in message.group(1)


def test_the_document_and_the_diff_in_words(world: WebWorld) -> None:
    client, _token = signed_in(create_app(), world.sam)
    page = client.get("/pacts/1")
    assert page.status_code == 200 and "A lead is ready when" in page.text
    assert "Sign for" not in page.text and "Activate" not in page.text  # a rep neither signs nor activates
    assert client.get("/pacts/diff?from=1&to=1").status_code == 200
    assert client.get("/pacts/diff?from=1&to=9").status_code == 404
