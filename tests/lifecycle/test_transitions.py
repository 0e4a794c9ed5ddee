"""The lifecycle: one declared table, one transition function, an audit trail nobody can edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from leadpact.lifecycle.service import TransitionRefused, history, move
from leadpact.lifecycle.states import AUTOMATIC, RANK, Status, is_allowed
from leadpact.people.models import Person
from leadpact.wiring import installed, wired

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def new_person(session, status="anonymous"):
    person = Person(traits={}, status=status, created_at=NOW, updated_at=NOW)
    session.add(person)
    session.flush()
    return person


def test_automatic_moves_only_go_forward():
    for source, target in AUTOMATIC:
        assert RANK[target] > RANK[source], (source, target)


@pytest.mark.parametrize(
    ("source", "target", "automatic", "allowed"),
    [
        ("anonymous", "known", True, True),
        ("known", "mql", True, True),
        ("mql", "hot", True, True),
        ("hot", "mql", True, False),
        ("mql", "engaged", True, False),
        ("engaged", "needs_context", True, True),
        ("needs_context", "mql", True, True),
        ("mql", "needs_context", True, False),
        ("nurture", "mql", True, True),
        ("handed_off", "accepted", True, False),
        ("handed_off", "accepted", False, True),
        ("handed_off", "rejected", False, True),
        ("rejected", "nurture", False, True),
        ("rejected", "nurture", True, False),
        ("opportunity", "won", False, True),
        ("won", "lost", False, False),
        ("accepted", "handed_off", False, False),
    ],
)
def test_transition_table(source, target, automatic, allowed):
    assert is_allowed(Status(source), Status(target), automatic=automatic) is allowed


def test_move_appends_an_audit_row_in_the_same_transaction(session):
    person = new_person(session)
    move(session=session, person=person, to="known", at=NOW, pact_version=1, triggering_message_id="m1",
         reasons={"email": True})
    move(session=session, person=person, to="mql", at=NOW, pact_version=1, reasons={"matched": ["demo"]})
    session.flush()
    trail = history(session=session, person_id=person.id)
    assert [(t.from_status, t.to_status, t.actor, t.pact_version) for t in trail] == [
        ("anonymous", "known", "system", 1), ("known", "mql", "system", 1)]
    assert trail[0].triggering_message_id == "m1" and trail[1].reasons == {"matched": ["demo"]}
    assert person.status == "mql"
    session.rollback()
    assert history(session=session, person_id=person.id) == []


def test_refused_move_changes_nothing(session):
    person = new_person(session, status="hot")
    with pytest.raises(TransitionRefused, match="automatic move hot → mql is not allowed"):
        move(session=session, person=person, to="mql", at=NOW)
    assert person.status == "hot"
    assert history(session=session, person_id=person.id) == []


def test_people_make_explicit_moves(session):
    person = new_person(session, status="handed_off")
    move(session=session, person=person, to="rejected", at=NOW, actor="user:7", reasons={"reason": "no_budget"})
    move(session=session, person=person, to="nurture", at=NOW, actor="user:7")
    session.flush()
    assert [t.actor for t in history(session=session, person_id=person.id)] == ["user:7", "user:7"]


@pytest.mark.parametrize("statement", ["UPDATE lifecycle_transitions SET to_status = 'won'",
                                       "DELETE FROM lifecycle_transitions"])
def test_the_database_refuses_edits_to_the_audit_trail(session, statement):
    person = new_person(session)
    move(session=session, person=person, to="known", at=NOW)
    session.flush()
    with pytest.raises(DatabaseError, match="append-only"):
        session.execute(text(statement))


def test_listeners_hear_every_set_of_moves_and_may_add_to_their_reasons(session):
    heard = []

    def listener(listening_session, moves, at, actor):
        heard.append((listening_session is session, [(m.from_status, m.to_status) for m in moves], at, actor))
        assert session.get(Person, moves[0].person_id).status == "mql"  # the move is made when listeners hear it
        moves[0].reasons["noted"] = True

    person = new_person(session, "known")
    with wired(replace(installed(), lifecycle_moved=(listener,))):
        move(session=session, person=person, to="mql", at=NOW, actor="user:ada@nw.example")
    assert heard == [(True, [("known", "mql")], NOW, "user:ada@nw.example")]
    assert history(session=session, person_id=person.id)[-1].reasons == {"noted": True}


def test_reasons_that_come_encoded_are_stored_as_they_came_unless_a_listener_reads_them(session):
    from leadpact.lifecycle.service import EncodedMove, apply_moves

    def listener(listening_session, moves, at, actor):
        moves[1].reasons["noted"] = True  # the second move's reasons are read and added to; the first's are not

    first, second = new_person(session, "known"), new_person(session, "known")
    moves = [EncodedMove(first.id, "known", "mql", '{"fit_score":1.5,"matched":[]}'),
             EncodedMove(second.id, "known", "mql", '{"fit_score":2}')]
    with wired(replace(installed(), lifecycle_moved=(listener,))):
        apply_moves(session=session, moves=moves, at=NOW, pact_version=1)
    if session.get_bind().dialect.name == "sqlite":  # JSON goes to the driver as text: stored as it came
        stored = dict(session.execute(text("SELECT person_id, reasons FROM lifecycle_transitions")).all())
        assert stored[first.id] == '{"fit_score":1.5,"matched":[]}'
    assert history(session=session, person_id=first.id)[-1].reasons == {"fit_score": 1.5, "matched": []}
    assert history(session=session, person_id=second.id)[-1].reasons == {"fit_score": 2, "noted": True}
