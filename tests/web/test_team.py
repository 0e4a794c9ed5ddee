"""The manager's page: a rep's availability set through the form, bad values back by their field; another team's
rep refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from leadpact.app import create_app
from leadpact.audit.models import AuditEntry
from leadpact.db import session_scope
from leadpact.org.models import Rep, Team, User
from tests.handoff.factories import make_rep, make_team
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.test_page_access import signed_in
from tests.web.world import WebWorld, build_web_world, give_password


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world."""
    return build_web_world(set_password=give_password)


def _rep(email: str) -> Rep:
    with session_scope() as session:
        rep = session.scalar(select(Rep).join(User, User.id == Rep.user_id).where(User.email == email))
        session.expunge(rep)
        return rep


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"away_until": "2026-09-01"}, "away_until", "already passed"),
    ({"away_until": "next week"}, "away_until", "not a date"),
    ({"capacity": "-2"}, "capacity", "0 or more"),
    ({"weight": "heavy"}, "weight", "not a whole number"),
    ({"weight": "500"}, "weight", "between 0 and 100"),
])
def test_bad_availability_comes_back_by_its_field_and_changes_nothing(world: WebWorld, form: dict[str, str],
                                                                      field: str, words: str) -> None:
    client, token = signed_in(create_app(), world.manager)
    rep = _rep(world.kim)
    answer = client.post("/team/availability", data={"csrf_token": token, "rep_id": str(rep.id), **form})
    assert answer.status_code == 422
    message = re.search(rf'id="{field}-error" role="alert">([^<]+)<', answer.text)
    assert message is not None and words in message.group(1)
    after = _rep(world.kim)
    assert (after.is_away, after.capacity, after.weight) == (rep.is_away, rep.capacity, rep.weight)


def test_a_manager_cannot_change_another_teams_rep(world: WebWorld) -> None:
    with session_scope() as session:
        south = make_team(session, "south")
        lee = make_rep(session, "lee@nw.example", "Lee South", south).id
    client, token = signed_in(create_app(), world.manager)
    answer = client.post("/team/availability", data={"csrf_token": token, "rep_id": str(lee), "away": "on"})
    assert answer.status_code == 403
    assert not _rep("lee@nw.example").is_away


def test_setting_a_rep_away_is_audited(world: WebWorld) -> None:
    client, token = signed_in(create_app(), world.manager)
    rep = _rep(world.kim)
    answer = client.post("/team/availability", data={"csrf_token": token, "rep_id": str(rep.id), "away": "on",
                                                      "away_until": "2026-10-09", "weight": "1"})
    assert answer.status_code == 303
    with session_scope() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.subject == f"rep:{rep.id}"))
        assert entry is not None and entry.action == "rep.availability_set" and entry.actor == world.manager
        assert entry.details["away_until"].startswith("2026-10-09")
        assert session.scalar(select(Team.key).where(Team.id == rep.team_id)) == "north_america"
