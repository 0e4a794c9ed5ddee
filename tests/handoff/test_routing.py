"""Routing as a table: account owner first, one account one rep, weighted round robin, skips, fallback, why."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from leadpact.engine.inputs import account_facts, person_facts
from leadpact.handoff import Assignment, route
from leadpact.pact import compile_pact, evaluate, load_pact
from leadpact.people.models import Account, Person
from tests.handoff.factories import NOW, make_account, make_handoff, make_person, make_rep, make_team

PACT = """
leadpact: 1
name: routing test
routing:
  - when: {field: account.owner, op: exists}
    assign: account_owner
  - when: {field: account.country, op: in, value: [US, CA]}
    assign: {team: north_america, method: weighted_round_robin}
  - assign: {team: global, method: round_robin}
"""

OWNER_ALWAYS = """
leadpact: 1
name: owner first, whenever there is an account
routing:
  - when: {field: account.domain, op: exists}
    assign: account_owner
  - assign: {team: global, method: round_robin}
"""


def routed(session: Session, person: Person, source: str = PACT) -> Assignment:
    compiled = compile_pact(load_pact(source))
    account = session.get(Account, person.account_id) if person.account_id else None
    facts_person, facts_account = person_facts(person), account_facts(account)
    evaluation = evaluate(compiled, person=facts_person, account=facts_account, events=[], as_of=NOW)
    return route(session=session, person=person, account=account, evaluation=evaluation, compiled=compiled,
                 events=[], catalog=compiled_catalog(), person_facts=facts_person, account_facts=facts_account)


def compiled_catalog():
    from leadpact.pact import Catalog

    return Catalog({})


@pytest.fixture
def teams(session: Session):
    north, world = make_team(session, "north_america"), make_team(session, "global")
    return north, world


def lead(session: Session, n: int, **account: object) -> Person:
    company = make_account(session, f"Company {n}", f"company{n}.example", **account)  # type: ignore[arg-type]
    return make_person(session, f"lead{n}@company{n}.example", company)


def test_the_account_owner_comes_first(session, teams):
    north, _ = teams
    dana = make_rep(session, "dana@nw.example", "Dana Lee", north)
    make_rep(session, "sam@nw.example", "Sam Park", north)
    company = make_account(session, "Brightforge", "brightforge.example", owner=dana)
    assignment = routed(session, make_person(session, "jo@brightforge.example", company))
    assert (assignment.rep.id, assignment.team.key, assignment.rule) == (dana.id, "north_america", 0)
    assert assignment.reason == "Account owner: Dana Lee owns Brightforge"


def test_a_colleague_from_the_same_account_goes_to_the_same_rep(session, teams):
    _, world = teams
    make_rep(session, "ann@nw.example", "Ann Ito", world)
    ben = make_rep(session, "ben@nw.example", "Ben Cole", world)
    company = make_account(session, "Brightforge", "brightforge.example")  # no owner
    first = make_person(session, "jo@brightforge.example", company, first="Jo", last="Smith")
    make_handoff(session, first, ben)
    assignment = routed(session, make_person(session, "al@brightforge.example", company, first="Al"), OWNER_ALWAYS)
    assert assignment.rep.id == ben.id and assignment.rule == 0
    assert assignment.reason == ("Brightforge has no owner; one account, one rep: Ben Cole already works "
                                 "Jo Smith's handoff from Brightforge")


def test_one_account_one_rep_holds_under_a_team_rule_too(session, teams):
    north, _ = teams
    make_rep(session, "ann@nw.example", "Ann Ito", north)
    ben = make_rep(session, "ben@nw.example", "Ben Cole", north)
    company = make_account(session, "Brightforge", "brightforge.example")
    make_handoff(session, make_person(session, "jo@brightforge.example", company), ben, state="accepted")
    assignment = routed(session, make_person(session, "al@brightforge.example", company, first="Al"))
    assert assignment.rep.id == ben.id and assignment.rule == 1
    assert assignment.reason.startswith("One account, one rep: Ben Cole already works")


def test_weighted_round_robin_gives_a_weight_two_rep_twice_the_leads(session, teams):
    north, _ = teams
    sam = make_rep(session, "sam@nw.example", "Sam Park", north, weight=2)
    kim = make_rep(session, "kim@nw.example", "Kim Ode", north, weight=1)
    names = {sam.id: "Sam", kim.id: "Kim"}
    sequence, reasons = [], []
    for n in range(9):
        person = lead(session, n)
        assignment = routed(session, person)
        sequence.append(names[assignment.rep.id])
        reasons.append(assignment.reason)
        make_handoff(session, person, assignment.rep)
    assert sequence == ["Sam", "Kim", "Sam", "Sam", "Kim", "Sam", "Sam", "Kim", "Sam"]
    assert reasons[0] == ("north_america round robin (weighted): Sam Park had 0 assignment(s) at weight 2, 0 per unit "
                          "of weight, the fewest of 2 available rep(s) (Kim Ode 0)")
    assert reasons[4].startswith("north_america round robin (weighted): Kim Ode had 1 assignment(s) at weight 1, "
                                 "1 per unit of weight, the fewest of 2 available rep(s) (Sam Park 1.5)")


def test_plain_round_robin_takes_turns_whatever_the_weights(session, teams):
    _, world = teams
    sam = make_rep(session, "sam@nw.example", "Sam Park", world, weight=2)
    make_rep(session, "kim@nw.example", "Kim Ode", world, weight=1)
    sequence = []
    for n in range(4):
        person = lead(session, n, country="FR")
        assignment = routed(session, person)
        sequence.append(assignment.rep.id == sam.id)
        make_handoff(session, person, assignment.rep)
    assert sequence == [True, False, True, False]
    assert "round robin:" in assignment.reason and "(weighted)" not in assignment.reason


def test_reps_who_are_away_or_at_capacity_are_skipped(session, teams):
    north, _ = teams
    make_rep(session, "cy@nw.example", "Cy Away", north, away=True)
    full = make_rep(session, "di@nw.example", "Di Full", north, capacity=1)
    eve = make_rep(session, "eve@nw.example", "Eve Free", north, capacity=5)
    make_handoff(session, lead(session, 99, country="DE"), full)
    assignment = routed(session, lead(session, 1))
    assert assignment.rep.id == eve.id
    assert assignment.reason.endswith("; skipped Cy Away (away), Di Full (at capacity, 1 of 1 open)")


def test_a_rule_that_cannot_assign_falls_through_to_the_next(session, teams):
    north, world = teams
    dana = make_rep(session, "dana@nw.example", "Dana Lee", north, away=True)
    ann = make_rep(session, "ann@nw.example", "Ann Ito", world)
    company = make_account(session, "Brightforge", "brightforge.example", owner=dana, country="FR")
    assignment = routed(session, make_person(session, "jo@brightforge.example", company))
    assert (assignment.rep.id, assignment.rule) == (ann.id, 2)
    assert assignment.reason.endswith("(rule 1 could not assign (Dana Lee owns Brightforge but is away))")


def test_when_every_rule_fails_any_available_rep_takes_it(session, teams):
    north, world = teams
    make_rep(session, "cy@nw.example", "Cy Away", north, away=True)
    spare = make_rep(session, "zed@nw.example", "Zed Spare", None)
    assignment = routed(session, lead(session, 1))
    assert (assignment.rep.id, assignment.rule, assignment.team) == (spare.id, None, None)
    assert assignment.reason.startswith("Fallback: Zed Spare had 0 assignment(s)")
    assert ("rule 2 could not assign (no rep in the north_america team is available: Cy Away (away))"
            in assignment.reason)
    assert "rule 3 could not assign (no rep in the global team is available)" in assignment.reason


def test_with_nobody_available_the_handoff_is_unassigned_and_says_why(session, teams):
    north, _ = teams
    make_rep(session, "cy@nw.example", "Cy Away", north, away=True)
    assignment = routed(session, lead(session, 1))
    assert assignment.rep is None and assignment.reason.startswith("Unassigned: no rep in all reps is available")


def test_a_named_rep_rule(session, teams):
    north, _ = teams
    make_rep(session, "sam@nw.example", "Sam Park", north)
    kim = make_rep(session, "kim@nw.example", "Kim Ode", north)
    source = "leadpact: 1\nname: named\nrouting:\n  - assign: {rep: KIM@nw.example}\n"
    assignment = routed(session, lead(session, 1), source)
    assert assignment.rep.id == kim.id and assignment.reason == "Named rep: the pact routes this lead to Kim Ode"


OWNER_ELSE_TEAM = """
leadpact: 1
name: account owner, else the territory team, else the fallback
routing:
  - assign: account_owner
  - assign: {team: north_america, method: weighted_round_robin}
"""


def test_owner_else_team_else_fallback_as_the_spec_writes_it(session, teams):
    north, world = teams
    dana = make_rep(session, "dana@nw.example", "Dana Lee", world)
    sam = make_rep(session, "sam@nw.example", "Sam Park", north, capacity=2)
    kim = make_rep(session, "kim@nw.example", "Kim Ode", north)
    owned = make_account(session, "Brightforge", "brightforge.example", owner=dana)

    # An owned account goes to its owner, whatever the team's turn.
    first = routed(session, make_person(session, "jo@brightforge.example", owned), OWNER_ELSE_TEAM)
    assert (first.rep.id, first.rule) == (dana.id, 0)
    assert first.reason == "Account owner: Dana Lee owns Brightforge"

    # Without an owner, the team rule after it is reached: weighted round robin, saying so and why rule 1 passed.
    second = lead(session, 1)
    assignment = routed(session, second, OWNER_ELSE_TEAM)
    assert (assignment.rep.id, assignment.team.key, assignment.rule) == (sam.id, "north_america", 1)
    assert assignment.reason == (
        "north_america round robin (weighted): Sam Park had 0 assignment(s) at weight 1, 0 per unit of weight, the "
        "fewest of 2 available rep(s) (Kim Ode 0) (rule 1 could not assign (Company 1 has no owner))")
    make_handoff(session, second, sam)
    make_handoff(session, lead(session, 2, country="DE"), sam)

    # Sam at capacity and Kim away: the team cannot assign, so the fallback takes any available rep.
    kim.is_away = True
    session.flush()
    fallback = routed(session, lead(session, 3), OWNER_ELSE_TEAM)
    assert (fallback.rep.id, fallback.rule) == (dana.id, None)
    assert fallback.reason.startswith("Fallback: Dana Lee had 0 assignment(s)")
    assert fallback.reason.endswith(
        "(rule 1 could not assign (Company 3 has no owner); rule 2 could not assign (no rep in the north_america "
        "team is available: Sam Park (at capacity, 2 of 2 open), Kim Ode (away)))")
