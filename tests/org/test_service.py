"""Users, teams and reps through the service functions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.clock import SimulatedClock
from leadpact.org.models import Rep
from leadpact.org.service import (
    OrgError,
    create_team,
    create_user,
    get_user_by_email,
    list_teams,
    list_users,
    require_user,
)


def test_a_rep_joins_their_team_with_its_timezone(session: Session, clock: SimulatedClock) -> None:
    manager = create_user(session=session, email="Sam@Northwind.example ", name="Sam Sales", role="manager",
                          now=clock.now())
    assert manager.email == "sam@northwind.example"
    team = create_team(session=session, key="north_america", name="North America", manager="SAM@northwind.example",
                       timezone="America/New_York", now=clock.now())
    assert team.manager_user_id == manager.id
    rep = create_user(session=session, email="rob@northwind.example", name="Rob Rep", role="rep",
                      team="north_america", now=clock.now())
    row = session.scalar(select(Rep).where(Rep.user_id == rep.id))
    assert row is not None and (row.team_id, row.timezone) == (team.id, "America/New_York")
    assert [(u.email, key) for u, key in list_users(session=session)] == [
        ("sam@northwind.example", None), ("rob@northwind.example", "north_america")]
    [summary] = list_teams(session=session)
    assert (summary.team.key, summary.manager_email, summary.reps) == ("north_america", "sam@northwind.example", 1)
    assert get_user_by_email(session=session, email="ROB@northwind.example") is rep


def test_a_rep_without_a_team_is_still_a_rep(session: Session, clock: SimulatedClock) -> None:
    rep = create_user(session=session, email="r@x.example", name="R", role="rep", now=clock.now())
    assert session.scalar(select(Rep.team_id).where(Rep.user_id == rep.id)) is None
    marketing = create_user(session=session, email="m@x.example", name="M", role="marketing", now=clock.now())
    assert session.scalar(select(Rep).where(Rep.user_id == marketing.id)) is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"role": "boss"}, "unknown role 'boss'; use one of admin, marketing, manager, rep"),
    ({"email": "not-an-email"}, "'not-an-email' is not an email address"),
    ({"name": "  "}, "a user needs a name"),
    ({"email": "taken@x.example"}, "a user with email taken@x.example already exists"),
    ({"team": "nowhere"}, "no team with key 'nowhere'"),
    ({"role": "manager", "team": "emea"}, "only reps belong to a team"),
])
def test_bad_users_are_refused(session: Session, clock: SimulatedClock, fields: dict[str, str], message: str) -> None:
    create_user(session=session, email="taken@x.example", name="T", role="admin", now=clock.now())
    create_team(session=session, key="emea", name="EMEA", now=clock.now())
    values = {"email": "new@x.example", "name": "New", "role": "rep"} | fields
    with pytest.raises(OrgError, match=message):
        create_user(session=session, **values, now=clock.now())


@pytest.mark.parametrize(("fields", "message"), [
    ({"key": "north america"}, "must be 1-64 letters, digits, _ or -"),
    ({"key": "emea"}, "a team with key 'emea' already exists"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
    ({"manager": "nobody@x.example"}, "no user with email nobody@x.example"),
    ({"manager": "rep@x.example"}, "rep@x.example is a rep; a team's manager must have role manager"),
])
def test_bad_teams_are_refused(session: Session, clock: SimulatedClock, fields: dict[str, str], message: str) -> None:
    create_team(session=session, key="emea", name="EMEA", now=clock.now())
    create_user(session=session, email="rep@x.example", name="R", role="rep", now=clock.now())
    values = {"key": "apac", "name": "APAC"} | fields
    with pytest.raises(OrgError, match=message):
        create_team(session=session, **values, now=clock.now())


def test_require_user_names_the_missing_address(session: Session) -> None:
    with pytest.raises(OrgError, match="no user with email ghost@x.example"):
        require_user(session=session, email="Ghost@x.example")
