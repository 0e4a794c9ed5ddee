"""Live evaluation: each stored batch re-evaluates its people under the active pact, moves them forward,
records why, and agrees with a from-scratch evaluation and with the offline `leadpact score` path."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from leadpact.composition import standard_wiring
from leadpact.db import session_scope
from leadpact.engine import reevaluate_all
from leadpact.engine.inputs import CatalogCache, account_facts, load_histories, person_facts
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.lifecycle import history
from leadpact.pact import compile_pact, evaluate, load_pact, read_messages, resolve
from leadpact.pact.models import Evaluation, PactVersion
from leadpact.people.models import ContentAsset, Person
from leadpact.wiring import wired

NORTHWIND = (Path(__file__).parents[2] / "examples" / "northwind.yaml").read_text()
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def live(database_url):
    with wired(replace(standard_wiring(), engine_moved=())):  # live evaluation, no handoffs
        yield


def activate_directly(session, source=NORTHWIND, version=1):
    row = PactVersion(version=version, name="test", source=source, state="active", created_by="test",
                      created_at=NOW, activated_at=NOW)
    session.add(row)
    return row


def send(*messages, now=NOW):
    parsed, rejected = parse_batch(list(messages), received_at=now)
    assert not rejected
    return ingest_messages(parsed, now=now)


def buyer_identify(message_id="i1"):
    return {"type": "identify", "userId": "u1", "anonymousId": "a1", "messageId": message_id,
            "timestamp": "2026-09-30T09:00:00Z",
            "traits": {"email": "vp@acme.io", "title": "VP Data", "department": "data", "seniority": "vp",
                       "company": {"name": "Acme", "industry": "software", "employee_count": 800}}}


def pricing_view(message_id="p1", when="2026-09-30T10:00:00Z"):
    return {"type": "page", "anonymousId": "a1", "messageId": message_id, "timestamp": when,
            "properties": {"path": "/pricing"}}


def demo_request(message_id="d1"):
    return {"type": "track", "userId": "u1", "event": "Demo Requested", "messageId": message_id,
            "timestamp": "2026-09-30T11:00:00Z"}


def the_person(session):
    return session.scalars(select(Person).where(Person.email == "vp@acme.io")).one()


def test_without_an_active_pact_nothing_moves(live):
    send(buyer_identify(), demo_request())
    with session_scope() as session:
        assert the_person(session).status == "anonymous"


def test_a_buyer_moves_forward_batch_by_batch_with_reasons(live):
    with session_scope() as session:
        activate_directly(session)
        session.add(ContentAsset(id="pricing", title="Pricing", path="/pricing", topic="pricing",
                                 problem="comparing plans", funnel_stage="decision", created_at=NOW, updated_at=NOW))
    send(pricing_view())
    send(buyer_identify())
    with session_scope() as session:
        person = the_person(session)
        assert person.status == "engaged"
    send(demo_request())
    with session_scope() as session:
        person = the_person(session)
        assert person.status == "hot"
        trail = [(t.from_status, t.to_status, t.pact_version, t.triggering_message_id)
                 for t in history(session=session, person_id=person.id)]
        assert trail == [("anonymous", "engaged", 1, "p1"), ("engaged", "hot", 1, "d1")]
        last = history(session=session, person_id=person.id)[-1]
        assert last.reasons["grade"] == "B" and last.reasons["fit_score"] == 50
        assert {m["id"] for m in last.reasons["matched"]} == {"size", "industry", "pricing_page", "demo"}
        stored = session.get(Evaluation, person.id)
        assert (stored.status, stored.grade, stored.persona, stored.fit_score) == ("hot", "B", "data_leader", 50)


def test_missing_context_holds_the_lead_in_needs_context(live):
    with session_scope() as session:
        activate_directly(session)  # no content catalog: the likely problem cannot be answered
    send(pricing_view(), buyer_identify(), demo_request())
    with session_scope() as session:
        person = the_person(session)
        assert person.status == "needs_context"
        assert session.get(Evaluation, person.id).missing == {"items": ["problem"]}


def test_cached_history_gives_the_same_result_as_a_fresh_evaluation(live):
    with session_scope() as session:
        activate_directly(session)
    send(buyer_identify())
    for day in range(1, 6):
        send(pricing_view(f"p{day}", f"2026-09-2{day}T10:00:00Z"))
    with session_scope() as session:
        person = the_person(session)
        stored = session.get(Evaluation, person.id)
        account = person_account(session, person)
        fresh = evaluate(compile_pact(load_pact(NORTHWIND)), person=person_facts(person),
                         account=account_facts(account), events=load_histories(session, [person.id])[person.id],
                         content=CatalogCache().get(session), as_of=NOW)
        assert stored.engagement_score == fresh.engagement_score and stored.fit_score == fresh.fit_score
        assert person.event_count == 6


def person_account(session, person):
    from leadpact.people.models import Account

    return session.get(Account, person.account_id) if person.account_id else None


def test_live_path_agrees_with_offline_score(live, tmp_path):
    messages = [buyer_identify(), pricing_view(), demo_request(),
                {"type": "identify", "userId": "u2", "messageId": "i2", "timestamp": "2026-09-30T09:00:00Z",
                 "traits": {"email": "intern@gmail.com", "title": "Student intern"}},
                {"type": "page", "userId": "u2", "messageId": "p9", "timestamp": "2026-09-30T09:30:00Z",
                 "properties": {"path": "/pricing"}}]
    with session_scope() as session:
        activate_directly(session)
    send(*messages)
    import orjson

    offline_messages, problems = read_messages([orjson.dumps(m).decode() for m in messages])
    assert not problems
    compiled = compile_pact(load_pact(NORTHWIND))
    offline = {p.person.get("email"): evaluate(compiled, person=p.person, account=p.account, events=p.events,
                                               as_of=NOW) for p in resolve(offline_messages, as_of=NOW)}
    with session_scope() as session:
        for email, expected in offline.items():
            person = session.scalars(select(Person).where(Person.email == email)).one()
            stored = session.get(Evaluation, person.id)
            assert (stored.status, stored.fit_score, stored.grade, stored.engagement_score, stored.persona) == (
                expected.status, expected.fit_score, expected.grade, expected.engagement_score, expected.persona)


def test_activation_re_evaluates_every_open_person(database_url):
    send(pricing_view(), buyer_identify(), demo_request())
    with session_scope() as session:
        version = activate_directly(session)
        session.flush()
        summary = reevaluate_all(session=session, version=version, now=NOW)
        assert summary["people_evaluated"] == 1 and summary["people_moved"] == 1
        assert summary["moves"] == {"anonymous→needs_context": 1}
    with session_scope() as session:
        assert the_person(session).status == "needs_context"


@pytest.mark.parametrize("vectorised", [False, True], ids=["per-person-workers", "vectorised-slices"])
def test_activation_on_worker_processes_decides_as_one_process_does(database_url, vectorised):
    from leadpact.engine.activation import decide_range

    for n in range(12):
        send({"type": "identify", "userId": f"u{n}", "messageId": f"i{n}", "timestamp": "2026-09-30T09:00:00Z",
              "traits": {"email": f"p{n}@acme.io", "title": "VP Data", "department": "data", "seniority": "vp",
                         "company": {"name": "Acme", "industry": "software", "employee_count": 100 * n}}},
             *[{"type": "page", "userId": f"u{n}", "messageId": f"p{n}-{k}", "timestamp": f"2026-09-2{k}T10:00:00Z",
                "properties": {"path": "/pricing"}} for k in range(n % 5)])
    with session_scope() as session:
        version = activate_directly(session)
        session.flush()
        expected = {d.person_id: d.to_status or d.from_status for d in decide_range(
            session.connection(), compile_pact(load_pact(NORTHWIND)), CatalogCache().get(session), 0, 10**9, NOW)}
        summary = reevaluate_all(session=session, version=version, now=NOW, chunk=5, workers=2, vectorised=vectorised)
        # worker processes decide per person; vectorised, helper processes read slices of a SQLite file's events
        one_reader = vectorised and session.get_bind().dialect.name != "sqlite"
        assert summary["workers"] == (1 if one_reader else 2) and summary["people_evaluated"] == 12
        statuses = dict(session.execute(select(Person.id, Person.status)).all())
    assert statuses == expected
    assert len(set(expected.values())) > 1  # the people really differ
