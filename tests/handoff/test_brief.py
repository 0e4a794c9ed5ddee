"""The brief answers the five questions from data, names what was engaged with, and is deterministic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from leadpact.handoff import write_brief
from leadpact.pact import Catalog, compile_pact, evaluate, load_pact
from leadpact.people.models import Account, Person
from tests.handoff.factories import CATALOG, NORTHWIND, NOW

COMPILED = compile_pact(load_pact(NORTHWIND))
CONTENT = Catalog({a: {"id": a, "title": t, "path": p, "problem": pr, "funnel_stage": st}
                   for a, t, p, pr, st in CATALOG})


def page(path: str, ago: timedelta, n: int = 0) -> dict[str, Any]:
    return {"message_id": f"p{path}{ago}{n}", "type": "page", "event": None, "name": None,
            "timestamp": NOW - ago, "properties": {"path": path}, "context": {}, "traits": {}}


def track(name: str, ago: timedelta, **properties: Any) -> dict[str, Any]:
    return {"message_id": f"t{name}{ago}", "type": "track", "event": name, "name": None, "timestamp": NOW - ago,
            "properties": properties, "context": {"page": {"path": "/demo"}}, "traits": {}}


HOURS, DAYS = timedelta(hours=1), timedelta(days=1)
EVENTS = [
    {"message_id": "i1", "type": "identify", "event": None, "name": None, "timestamp": NOW - 30 * DAYS,
     "properties": {}, "context": {}, "traits": {"email": "jo@acme.example"}},
    page("/blog/cost-lessons", 20 * DAYS),
    page("/blog/quality-checklist", 10 * DAYS),
    track("Content Downloaded", 3 * DAYS, asset_id="guide-cost"),
    *[page("/pricing", n * DAYS + 3 * HOURS, n) for n in range(4)],
    track("Form Submitted", 2 * HOURS + timedelta(minutes=1), form="demo", timeline="this quarter"),
    track("Demo Requested", 2 * HOURS),
]


def person() -> Person:
    return Person(id=7, email="jo@acme.example", first_name="Jo", last_name="Smith", title="VP Data",
                  department="data", seniority="vp", traits={})


def account() -> Account:
    return Account(id=3, name="Acme", domain="acme.example", industry="software", employees=800, country="US")


def brief(events=EVENTS, who=None):
    who = who or person()
    facts_person = {"email": who.email, "title": who.title, "department": who.department,
                    "seniority": who.seniority}
    facts_account = {"name": "Acme", "domain": "acme.example", "industry": "software", "employees": 800}
    evaluation = evaluate(COMPILED, person=facts_person, account=facts_account, events=events, content=CONTENT,
                          as_of=NOW)
    return write_brief(person=who, account=account(), events=events, catalog=CONTENT, evaluation=evaluation,
                       compiled=COMPILED, tier=evaluation.status, pact_version=4, now=NOW)


@pytest.fixture(scope="module")
def written():
    return brief()


def test_it_has_four_to_six_sentences_and_reads_as_one_text(written):
    assert 4 <= len(written.sentences) <= 6
    assert written.text == " ".join(written.sentences)
    assert all(s.endswith(".") for s in written.sentences)


def test_question_1_company_industry_size(written):
    assert written.sentences[0] == "Jo Smith is at Acme (software, 800 employees, US)."
    assert written.facts["company"]["employees"] == 800


def test_question_2_role_and_buying_role(written):
    assert written.sentences[1] == "Their role is VP Data: persona Data leader, a buying role."


def test_question_2_a_role_that_does_not_buy():
    student = Person(id=8, email="kit@acme.example", first_name="Kit", title="Student intern", traits={})
    assert "persona Student or job seeker, not a buying role" in brief(who=student).text


def test_question_3_named_assets_with_counts_and_recency_not_a_score(written):
    sentence = written.sentences[2]
    assert sentence.startswith("Jo engaged with 5 named pages and assets (9 actions in all): ")
    assert "viewed 'Pricing' 4 times this week" in sentence
    assert "downloaded 'Cutting warehouse cost' 3 days ago" in sentence
    assert "requested a demo on 'Book a demo' 2 hours ago" in sentence
    assert "score" not in sentence
    items = written.facts["engagement"]["items"]
    assert {"verb": "downloaded", "title": "Cutting warehouse cost", "count": 1} == {
        k: items[[i["title"] for i in items].index("Cutting warehouse cost")][k] for k in ("verb", "title", "count")}


def test_question_4_the_likely_problem_weighted_by_engagement(written):
    sentence = written.sentences[3]
    assert sentence.startswith("The likely problem is cost of warehouse (")
    assert "shown by 'Cutting warehouse cost' and 'Lessons from runaway warehouse costs'" in sentence
    assert written.facts["problem"]["ranked"][1]["problem"] == "data quality"


def test_decision_stage_and_recent_content_outweigh_older_awareness_reading():
    many_old = [page("/blog/quality-checklist", 40 * DAYS, n) for n in range(3)]
    recent = [track("Content Downloaded", 1 * DAYS, asset_id="guide-cost")]
    assert brief(events=many_old + recent).facts["problem"]["problem"] == "cost of warehouse"


def test_question_5_urgency_hot_signal_velocity_and_stated_timeline(written):
    sentence = written.sentences[4]
    assert sentence.startswith("Urgency: requested a demo 2 hours ago; activity is accelerating, 7 actions this week "
                               "against 0.5 a week over the previous 4 weeks")
    assert "stated timeline 'this quarter' (2 hours ago)" in sentence
    assert written.facts["urgency"]["hot_signal"]["event"] == "Demo Requested"


def test_why_now_names_the_pact_criteria_that_fired_with_points(written):
    sentence = written.sentences[5]
    assert sentence.startswith("Why now (a hot signal under pact v4): ")
    assert "Requested a demo (+" in sentence and "200-5,000 employees (+30)" in sentence
    assert "Software or fintech (+20)" in sentence and "fit 50 (grade B)" in sentence
    assert [c["id"] for c in written.facts["why_now"]["criteria"]][:1] == ["demo"]


def test_the_same_data_always_gives_the_same_brief(written):
    again = brief(events=list(reversed(EVENTS)))
    assert again.text == written.text and again.facts == written.facts and again.timeline == written.timeline


def test_the_timeline_lists_recent_events_newest_first_with_titles(written):
    first = written.timeline[0]
    assert (first["event"], first["what"], first["title"]) == ("Demo Requested", "Requested a demo on 'Book a demo'",
                                                               "Book a demo")
    assert len(written.timeline) == 9 and all(e["event"] != "identify" for e in written.timeline)
