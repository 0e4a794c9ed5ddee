"""Two handoffs routed at once into the same team: the team row lock makes the second wait and see the first."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine

from leadpact.db import session_factory
from leadpact.people.models import Person
from tests.handoff.factories import make_handoff, make_rep, make_team
from tests.handoff.test_routing import lead, routed


def test_concurrent_assignments_in_one_team_do_not_collide(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: ingest serialises whole transactions before routing runs")
    factory = session_factory(engine)
    with factory() as setup:
        north = make_team(setup, "north_america")
        make_team(setup, "global")
        first_rep = make_rep(setup, "a@nw.example", "Ann", north)
        second_rep = make_rep(setup, "b@nw.example", "Ben", north)
        people = [lead(setup, 1).id, lead(setup, 2).id]
        setup.commit()
    chosen: dict[str, int] = {}
    with factory() as first:
        assignment = routed(first, first.get(Person, people[0]))  # holds the team row lock from here
        make_handoff(first, first.get(Person, people[0]), assignment.rep)
        chosen["first"] = assignment.rep.id

        def second_route() -> None:
            with factory() as second:
                other = routed(second, second.get(Person, people[1]))
                chosen["second"] = other.rep.id
                second.rollback()

        thread = threading.Thread(target=second_route)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second assignment should wait for the team row lock"
        first.commit()
    thread.join(timeout=10)
    assert (chosen["first"], chosen["second"]) == (first_rep.id, second_rep.id)
