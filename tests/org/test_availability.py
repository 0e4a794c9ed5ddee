"""A rep's availability: away until a return date, capacity and weight; routing counts them back on that date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from leadpact import clock as clock_module
from leadpact.org.availability import InvalidAvailability, NotYourTeam, is_away, set_availability
from tests.handoff.factories import NOW, make_account, make_person, make_rep, make_team
from tests.handoff.test_routing import routed


def test_away_until_a_date_is_back_on_that_date(session: Session) -> None:
    team = make_team(session, "north_america")
    rep = make_rep(session, "sam@nw.example", "Sam Park", team)
    back = NOW + timedelta(days=3)
    set_availability(session=session, rep_id=rep.id, away=True, away_until=back, capacity=5, weight=2,
                     by="mia@nw.example", now=NOW)
    assert is_away(rep, at=NOW + timedelta(days=2)) and not is_away(rep, at=back)
    assert (rep.capacity, rep.weight, rep.availability_changed_by) == (5, 2, "mia@nw.example")


def test_a_return_date_alone_sets_the_rep_away_and_clearing_away_clears_it(session: Session) -> None:
    rep = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"))
    set_availability(session=session, rep_id=rep.id, away=False, away_until=NOW + timedelta(days=1), capacity=None,
                     weight=1, by="mia@nw.example", now=NOW)
    assert rep.is_away and rep.away_until == NOW + timedelta(days=1)
    set_availability(session=session, rep_id=rep.id, away=False, away_until=None, capacity=None, weight=1,
                     by="mia@nw.example", now=NOW)
    assert not rep.is_away and rep.away_until is None


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"away_until": NOW - timedelta(days=1)}, "away_until", "already passed"),
    ({"capacity": -1}, "capacity", "0 or more"),
    ({"weight": 101}, "weight", "between 0 and 100"),
    ({"weight": -1}, "weight", "between 0 and 100"),
])
def test_bad_values_name_their_field_and_change_nothing(session: Session, changes: dict, field: str,
                                                        words: str) -> None:
    rep = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"), weight=3)
    values = {"away": False, "away_until": None, "capacity": None, "weight": 1, **changes}
    with pytest.raises(InvalidAvailability, match=words) as refused:
        set_availability(session=session, rep_id=rep.id, by="mia@nw.example", now=NOW, **values)
    assert refused.value.field == field
    assert (rep.weight, rep.is_away, rep.capacity) == (3, False, None)


def test_a_manager_changes_only_their_own_teams_reps(session: Session) -> None:
    north, south = make_team(session, "north_america"), make_team(session, "south")
    rep = make_rep(session, "sam@nw.example", "Sam Park", south)
    with pytest.raises(NotYourTeam):
        set_availability(session=session, rep_id=rep.id, away=True, away_until=None, capacity=None, weight=1,
                         by="mia@nw.example", now=NOW, team_ids={north.id})
    assert not rep.is_away


def test_routing_skips_a_rep_until_their_return_date(session: Session) -> None:
    team = make_team(session, "north_america")
    make_team(session, "global")
    sam = make_rep(session, "sam@nw.example", "Sam Park", team)
    kim = make_rep(session, "kim@nw.example", "Kim Ode", team)
    set_availability(session=session, rep_id=sam.id, away=True, away_until=NOW + timedelta(days=2), capacity=None,
                     weight=1, by="mia@nw.example", now=NOW)
    account = make_account(session, "Acme", "acme.example")
    previous = clock_module.get_clock()
    try:
        clock_module.set_clock(clock_module.SimulatedClock(NOW))
        assert routed(session, make_person(session, "a@acme.example", account)).rep.id == kim.id
        clock_module.set_clock(clock_module.SimulatedClock(NOW + timedelta(days=2)))
        assert routed(session, make_person(session, "b@acme.example", make_account(
            session, "Beta", "beta.example"))).rep.id == sam.id
    finally:
        clock_module.set_clock(previous)
