"""Activation through the vectorised engine stores what the pure evaluator gives person for person: statuses,
evaluation rows (scores, matched criteria, what is missing) and the audit rows of the moves, for people who move
and people who do not, with the people it cannot decide handed to the live evaluator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import select, update

from leadpact.db import session_scope
from leadpact.demo import STARTING_PACT_PATH, generate_company
from leadpact.engine import reevaluate_all
from leadpact.engine.activation import decide_range
from leadpact.engine.inputs import CatalogCache
from leadpact.engine.outcome import evaluation_row, reasons
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.lifecycle.models import Transition
from leadpact.pact import compile_pact, load_pact
from leadpact.pact.models import Evaluation, PactVersion
from leadpact.people.models import Account, ContentAsset, Person
from leadpact.wiring import installed, wired

NOW = datetime(2026, 10, 31, tzinfo=UTC)
COMPETITORS = ["pipewise.io", "querylane.com"]  # the starting pact's list
STARTING = STARTING_PACT_PATH.read_text()
# A second version: a lower MQL bar and tighter grades, so some people move again and most do not.
SECOND = STARTING.replace("{score: engagement, op: gte, value: 40}", "{score: engagement, op: gte, value: 25}") \
    .replace("grades: {A: 25, B: 15, C: 5, D: 0}", "grades: {A: 30, B: 20, C: 10, D: 0}")


@contextmanager
def listening(*listeners) -> Iterator[None]:
    """Run the block with these (listener, statuses) pairs as the engine's only listeners."""
    with wired(replace(installed(), engine_moved=listeners)):
        yield


@pytest.fixture
def company(database_url):
    """A small demo company ingested as the API would store it, with two people the vectorised engine cannot
    decide: a department trait that is a list, and an account whose country trait is an object."""
    demo = generate_company(people=300, accounts=60)
    messages = list(demo.iter_events())
    for start in range(0, len(messages), 500):
        parsed, rejected = parse_batch(messages[start : start + 500], received_at=NOW)
        assert not rejected
        ingest_messages(parsed, now=NOW)
    with session_scope() as session:
        session.add_all(ContentAsset(id=c.id, title=c.title, path=c.path, topic=c.topic, problem=c.problem,
                                     funnel_stage=c.funnel_stage, created_at=NOW, updated_at=NOW)
                        for c in demo.content)
        # not at a competitor: they stay open after the first activation and are evaluated again by the second
        accounts = select(Account).where(Account.domain.not_in(COMPETITORS)).order_by(Account.id)
        account, other = session.scalars(accounts.limit(2)).all()
        odd = session.scalars(select(Person).where(Person.account_id == other.id).order_by(Person.id)).first()
        session.execute(update(Person).where(Person.id == odd.id).values(
            department=None, traits={**odd.traits, "department": ["data", "it"]}))
        session.execute(update(Account).where(Account.id == account.id).values(
            country=None, traits={"country": {"code": "US"}}))
    return demo


def activate(session, source, number):
    row = PactVersion(version=number, name=f"v{number}", source=source, state="active", created_by="test",
                      created_at=NOW, activated_at=NOW)
    session.add(row)
    session.flush()
    return row


def expected_by_pure_evaluator(session, source, number):
    """What evaluating each open person with the pure evaluator stores: statuses, evaluation rows, audit rows."""
    decisions = decide_range(session.connection(), compile_pact(load_pact(source)), CatalogCache().get(session),
                             0, 2**31 - 1, NOW)
    statuses = dict(session.execute(select(Person.id, Person.status)).all())
    statuses.update({d.person_id: d.to_status for d in decisions if d.to_status})
    rows = {d.person_id: canonical({k: v for k, v in evaluation_row(d.person_id, number, d.evaluation, NOW).items()
                                    if k != "evaluated_at"}) for d in decisions}
    trail = {d.person_id: canonical([d.from_status, d.to_status, number, "system", reasons(d.evaluation)])
             for d in decisions if d.to_status}
    return statuses, rows, trail


def stored(session, number):
    statuses = dict(session.execute(select(Person.id, Person.status)).all())
    rows = {}
    evaluated = select(Evaluation).where(Evaluation.pact_version == number)  # the closed keep their last one
    for e in session.scalars(evaluated.execution_options(populate_existing=True)):
        assert e.evaluated_at.replace(tzinfo=UTC) == NOW
        rows[e.person_id] = canonical({"person_id": e.person_id, "pact_version": e.pact_version,
                                       "fit_score": e.fit_score, "grade": e.grade,
                                       "engagement_score": e.engagement_score, "persona": e.persona,
                                       "buying_role": e.buying_role, "status": e.status, "matched": e.matched,
                                       "missing": e.missing})
    trail = {}
    for t in session.scalars(select(Transition).where(Transition.pact_version == number)):
        assert t.person_id not in trail
        trail[t.person_id] = canonical([t.from_status, t.to_status, t.pact_version, t.actor, t.reasons])
    return statuses, rows, trail


def canonical(value):
    # JSON with sorted keys tells 50 from 50.0: the types must match, not only the values
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def test_activation_stores_what_the_pure_evaluator_gives(company):
    for number, source in ((1, STARTING), (2, SECOND)):
        with session_scope() as session:
            expected_statuses, expected_rows, expected_trail = expected_by_pure_evaluator(session, source, number)
            before = dict(session.execute(select(Person.id, Person.status)).all())
            summary = reevaluate_all(session=session, version=activate(session, source, number), now=NOW)
            statuses, rows, trail = stored(session, number)
            assert statuses == expected_statuses
            assert rows == expected_rows
            assert trail == expected_trail
            assert summary["people_evaluated"] == len(expected_rows) and summary["people_moved"] == len(trail)
            # the first activation moves everyone out of anonymous; the second a few people, not the rest
            assert (len(trail) == len(expected_rows)) if number == 1 else (0 < len(trail) < len(expected_rows) // 2)
            # most are decided in bulk, the two odd people (and any rounding tie) by the live evaluator
            assert 2 <= summary["evaluated_live"] < len(expected_rows) // 10
            assert sum(before[p] != statuses[p] for p in statuses) == len(trail)
            session.execute(update(PactVersion).where(PactVersion.version == number).values(state="retired"))


def test_listeners_hear_of_every_move_with_the_live_evaluation(company):
    heard: list[tuple] = []

    def listener(session, person, source, target, evaluation, now):
        heard.append((person.id, source, target, evaluation))  # the whole Evaluation: route, criteria, all

    with listening((listener, None)), session_scope() as session:
            version = activate(session, STARTING, 1)
            nested = session.begin_nested()
            reevaluate_all(session=session, version=version, now=NOW, vectorised=False)
            per_person = list(heard)
            nested.rollback()
            heard.clear()
            summary = reevaluate_all(session=session, version=version, now=NOW)
            assert [h[0] for h in heard] == sorted(h[0] for h in heard)  # in person order, as chunks go
            assert heard == sorted(per_person, key=lambda h: h[0])
            assert summary["people_moved"] == len(heard) > 0 and summary["evaluated_live"] < len(heard) // 10
            assert len({h[3].route.rule for h in heard if h[3].route}) > 1  # routes told apart
            assert {h[2] for h in heard} >= {"mql", "needs_context", "engaged"}


def test_a_listener_hears_only_of_moves_into_the_statuses_it_names(company):
    everything: list[tuple] = []
    qualified: list[tuple] = []

    def listen_all(session, person, source, target, evaluation, now):
        everything.append((person.id, source, target, evaluation))

    def listen_qualified(session, person, source, target, evaluation, now):
        qualified.append((person.id, source, target, evaluation))

    with listening((listen_all, None), (listen_qualified, frozenset(("mql", "hot")))), session_scope() as session:
        reevaluate_all(session=session, version=activate(session, STARTING, 1), now=NOW)
    assert {h[2] for h in everything} >= {"mql", "needs_context", "engaged"}
    assert qualified == [h for h in everything if h[2] in ("mql", "hot")] and qualified
    # Alone, the narrow listener still hears the same moves, with the same evaluations.
    with session_scope() as session:
        session.execute(update(PactVersion).where(PactVersion.version == 1).values(state="retired"))
        session.execute(update(Person).values(status="anonymous"))
    heard_before, qualified[:] = list(qualified), []
    with listening((listen_qualified, frozenset(("mql", "hot")))), session_scope() as session:
        reevaluate_all(session=session, version=activate(session, STARTING, 2), now=NOW)
    assert [(h[0], h[2], h[3].status) for h in qualified] == [(h[0], h[2], h[3].status) for h in heard_before]


def test_activation_with_nobody_open_reads_nothing(database_url):
    with session_scope() as session:
        summary = reevaluate_all(session=session, version=activate(session, STARTING, 1), now=NOW)
    assert (summary["people_evaluated"], summary["people_moved"], summary["evaluated_live"]) == (0, 0, 0)


def test_listeners_hear_of_people_left_awaiting_a_handoff_alike_in_bulk_and_person_by_person(company):
    """People already in mql or hot whom a new version does not move on are told of as a move from their status to
    itself (how a lead stranded there without a handoff gets one): the same people, with the same evaluations,
    whichever way activation evaluates them."""
    with listening(), session_scope() as session:  # nobody listens: the first version leaves people in mql
        reevaluate_all(session=session, version=activate(session, STARTING, 1), now=NOW)
        session.execute(update(PactVersion).where(PactVersion.version == 1).values(state="retired"))
    heard: list[tuple] = []

    def listener(session, person, source, target, evaluation, now):
        heard.append((person.id, source, target, evaluation))

    with listening((listener, frozenset(("mql", "hot")))), session_scope() as session:
        version = activate(session, SECOND, 2)
        nested = session.begin_nested()
        reevaluate_all(session=session, version=version, now=NOW, vectorised=False)
        per_person = list(heard)
        nested.rollback()
        heard.clear()
        reevaluate_all(session=session, version=version, now=NOW)
    staying = [h for h in heard if h[1] == h[2]]
    assert staying and {h[1] for h in staying} <= {"mql", "hot"}
    assert heard == sorted(per_person, key=lambda h: h[0])
