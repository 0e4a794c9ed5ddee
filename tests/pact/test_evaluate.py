"""The engine's exact semantics (SPEC §4), each with a hand-computed expected value."""

from __future__ import annotations

import pytest

from leadpact.pact import CompiledPact, evaluate

from .conftest import at, compiled, page, track

DECAY = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - {id: visit, label: Visit, when: {event: page}, points: 8, max_per_day: 2}
""")


def engagement(events: list[dict], as_of: str = "2024-05-11T00:00:00Z", pact: CompiledPact = DECAY) -> float:
    return evaluate(pact, person={}, events=events, as_of=at(as_of)).engagement_score


def test_points_halve_every_half_life() -> None:
    # ages 0, 10 and 20 days with a 10-day half-life: 8 + 4 + 2
    events = [page("2024-05-11T00:00:00Z"), page("2024-05-01T00:00:00Z"), page("2024-04-21T00:00:00Z")]
    assert engagement(events) == 14.0


def test_decay_is_continuous() -> None:
    # age 5 days: 8 × 0.5^0.5 = 5.656854… → 5.66
    assert engagement([page("2024-05-06T00:00:00Z")]) == 5.66


def test_max_per_day_keeps_the_first_occurrences_of_each_utc_day() -> None:
    # three visits at age 10 days on one UTC day, at most 2 score: 4 + 4
    events = [page("2024-05-01T00:00:00Z"), page("2024-05-01T00:00:00Z"), page("2024-05-01T00:00:00Z")]
    result = evaluate(DECAY, person={}, events=events, as_of=at("2024-05-11T00:00:00Z"))
    assert result.engagement_score == 8.0
    assert [(m.id, m.points, m.occurrences) for m in result.matched] == [("visit", 8.0, 2)]


def test_max_per_day_counts_utc_days_not_local_days() -> None:
    pact = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - {id: visit, label: Visit, when: {event: page}, points: 8, max_per_day: 1}
""")
    # 01:00 and 03:00 at +02:00 are 23:00 on April 30 and 01:00 on May 1 in UTC: two days, both score.
    # ages 10 days + 1 h and 10 days - 1 h: 8 × 0.5^(241/240) + 8 × 0.5^(239/240) = 3.988… + 4.011… = 8.00
    events = [page("2024-05-01T01:00:00+02:00"), page("2024-05-01T03:00:00+02:00")]
    result = evaluate(pact, person={}, events=events, as_of=at("2024-05-11T00:00:00Z"))
    assert result.matched[0].occurrences == 2
    assert result.engagement_score == 8.0


def test_events_after_as_of_are_ignored() -> None:
    assert engagement([page("2024-05-11T00:00:01Z")]) == 0.0
    assert engagement([page("2024-05-11T00:00:00Z")]) == 8.0  # at as_of exactly: counts


def test_an_event_may_score_under_several_criteria() -> None:
    pact = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - {id: any_page, label: Any page, when: {event: page}, points: 2}
    - {id: pricing, label: Pricing, when: {event: page, where: {field: properties.path, op: starts_with,
                                                                value: /pricing}}, points: 10}
    - {id: either, label: Either, when: {any: [{event: page}, {event: Page}]}, points: 1}
""")
    result = evaluate(pact, person={}, events=[page("2024-05-11T00:00:00Z", "/Pricing/Team")],
                      as_of=at("2024-05-11T00:00:00Z"))
    # 2 + 10 + 1: the 'any' of two branches matching the same event scores it once
    assert result.engagement_score == 13.0
    assert [(m.id, m.occurrences) for m in result.matched] == [("any_page", 1), ("pricing", 1), ("either", 1)]


STAGE = compiled("""
stages:
  hot: {when: {event: Demo Requested, within_days: 7}}
  mql: {when: {event: page, count: {op: gte, value: 3}}}
""")


@pytest.mark.parametrize(("when", "holds"), [
    ("2024-05-04T00:00:00Z", True),   # exactly 7 days old: inside (inclusive)
    ("2024-05-03T23:59:59Z", False),  # one second older: outside
    ("2024-05-10T12:00:00Z", True),
])
def test_within_days(when: str, holds: bool) -> None:
    result = evaluate(STAGE, person={}, events=[track("demo requested", when)], as_of=at("2024-05-11T00:00:00Z"))
    assert ("hot" in result.stages) is holds


@pytest.mark.parametrize(("pages", "holds"), [(2, False), (3, True), (4, True)])
def test_count(pages: int, holds: bool) -> None:
    events = [page("2024-05-01T00:00:00Z") for _ in range(pages)]
    result = evaluate(STAGE, person={}, events=events, as_of=at("2024-05-11T00:00:00Z"))
    assert ("mql" in result.stages) is holds


def test_count_below_includes_no_event_at_all() -> None:
    pact = compiled("stages:\n  mql: {when: {event: Unsubscribed, count: {op: lt, value: 1}}}\n")
    assert evaluate(pact, person={}, events=[], as_of=at("2024-05-11T00:00:00Z")).stages == ("mql",)


@pytest.mark.parametrize(("fit", "grade"), [(70, "A"), (69, "B"), (50, "B"), (30, "C"), (10, "D"), (5, "D"),
                                            (-25, "D"), (0, "D")])
def test_grades(fit: int, grade: str) -> None:
    pact = compiled(f"""
fit:
  grades: {{B: 50, A: 70, D: 10, C: 30}}
  criteria:
    - {{id: base, label: Base, when: {{field: person.email, op: missing}}, points: {fit}}}
""")
    result = evaluate(pact, person={}, as_of=at("2024-05-11T00:00:00Z"))
    assert (result.fit_score, result.grade) == (fit, grade)


PERSONAS = compiled("""
personas:
  - {id: leader, label: Leader, buying_role: true, when: {field: person.seniority, op: in, value: [vp, cxo]}}
  - {id: data, label: Data, buying_role: false, when: {field: person.department, op: eq, value: data}}
  - {id: anyone, label: Anyone, when: {field: person.email, op: exists}}
fit:
  grades: {A: 10, B: 0}
  criteria:
    - {id: buyer, label: Buyer, when: {buying_role: true}, points: 10}
    - {id: not_buyer, label: Not buyer, when: {buying_role: false}, points: -5}
    - {id: data_persona, label: Data persona, when: {persona: [data]}, points: 1}
""")


@pytest.mark.parametrize(("person", "persona", "buying_role", "fit"), [
    ({"seniority": "VP", "department": "Data"}, "leader", True, 10),   # both match: the first wins
    ({"seniority": "manager", "department": "data"}, "data", False, -4),
    ({"email": "x@y.example"}, "anyone", None, 0),                      # no buying_role: neither test holds
    ({}, None, None, 0),
])
def test_persona_order_and_buying_role(person: dict, persona: str | None, buying_role: bool | None,
                                       fit: int) -> None:
    result = evaluate(PERSONAS, person=person, as_of=at("2024-05-11T00:00:00Z"))
    assert (result.persona, result.buying_role, result.fit_score) == (persona, buying_role, fit)


STATUS = compiled("""
engagement:
  half_life_days: 1000
  criteria:
    - {id: visit, label: Visit, when: {event: page}, points: 4}
stages:
  mql: {when: {score: engagement, op: gte, value: 10}}
  hot: {when: {event: Demo Requested}}
disqualify:
  - {id: competitor, reason: competitor, when: {field: account.domain, op: in, value: [rival.example]}}
""")
NOW = "2024-05-11T00:00:00Z"


@pytest.mark.parametrize(("person", "account", "events", "status"), [
    ({}, None, [], "anonymous"),
    ({"email": "  "}, None, [], "anonymous"),
    ({"email": "a@b.example"}, None, [], "known"),
    ({}, None, [page(NOW)], "engaged"),
    ({}, None, [track("Webinar Attended", NOW)], "anonymous"),  # an event that scored nothing
    ({}, None, [page(NOW)] * 3, "mql"),
    ({}, None, [page(NOW), track("Demo Requested", NOW)], "hot"),
    ({}, None, [page(NOW)] * 3 + [track("Demo Requested", NOW)], "hot"),
    ({}, {"domain": "rival.example"}, [page(NOW)] * 3 + [track("Demo Requested", NOW)], "disqualified"),
])
def test_status_precedence(person: dict, account: dict | None, events: list, status: str) -> None:
    result = evaluate(STATUS, person=person, account=account, events=events, as_of=at(NOW))
    assert result.status == status


def test_score_tests_read_the_reported_engagement() -> None:
    # 10 × 0.5^(1/1000) = 9.99307 → reported 9.99, below the MQL threshold of 10
    pact = compiled("""
engagement:
  half_life_days: 1000
  criteria:
    - {id: demo, label: Demo, when: {event: Demo}, points: 10}
stages:
  mql: {when: {score: engagement, op: gte, value: 9.99}}
  hot: {when: {score: engagement, op: gte, value: 10}}
""")
    result = evaluate(pact, person={}, events=[track("Demo", "2024-05-10T00:00:00Z")], as_of=at(NOW))
    assert result.engagement_score == 9.99
    assert result.stages == ("mql",)


READY = compiled("""
personas:
  - {id: buyer, label: Buyer, when: {field: person.seniority, op: eq, value: vp}}
engagement:
  half_life_days: 14
  criteria:
    - {id: visit, label: Visit, when: {event: page}, points: 5}
    - {id: download, label: Download, when: {event: Asset Downloaded}, points: 5}
readiness:
  require: [company, industry, company_size, role, engagement, problem]
""")
CONTENT = {
    "guide": {"id": "guide", "title": "Pipeline guide", "path": "/guides/pipeline", "topic": "pipelines",
              "problem": "slow data pipelines", "funnel_stage": "consideration"},
    "blank": {"id": "blank", "title": "About", "path": "/about", "problem": ""},
}


@pytest.mark.parametrize(("person", "account", "events", "missing"), [
    ({}, None, [], ("company", "industry", "company_size", "role", "engagement", "problem")),
    ({"title": "Analyst"}, {"name": "Acme", "employees": 0}, [], ("industry", "engagement", "problem")),
    ({"seniority": "vp"}, {"name": "Acme", "industry": "software", "employees": "250"},
     [page(NOW, "/somewhere")], ("problem",)),
    # the guide is named by its path (any case, trailing slash) and speaks to a problem
    ({"seniority": "vp"}, {"name": "Acme", "industry": "software", "employees": 250},
     [page(NOW, "/Guides/Pipeline/")], ()),
    # named by asset id, even by an event that scored nothing: the problem is known, engagement is not
    ({"title": "CTO"}, {"name": "Acme", "industry": "x", "employees": 9},
     [track("Asset Viewed", NOW, asset_id="guide")], ("engagement",)),
    # a scored event with an asset id names an asset; an asset without a problem answers nothing
    ({"title": "CTO"}, {"name": "Acme", "industry": "x", "employees": 9},
     [track("Asset Downloaded", NOW, asset_id="blank")], ("problem",)),
])
def test_missing_context(person: dict, account: dict | None, events: list, missing: tuple) -> None:
    result = evaluate(READY, person=person, account=account, events=events, content=CONTENT, as_of=at(NOW))
    assert result.missing == missing


def test_a_condition_that_errors_is_reported_not_silently_false() -> None:
    pact = compiled("""
fit:
  grades: {A: 10, B: 0}
  criteria:
    - {id: company, label: Acme, when: {field: person.company, op: eq, value: Acme}, points: 10}
    - {id: company_name, label: Acme by name, when: {field: person.company.name, op: eq, value: acme}, points: 5}
""")
    result = evaluate(pact, person={"company": {"name": "Acme"}}, as_of=at(NOW))
    assert result.fit_score == 5
    assert [(e.section, e.id) for e in result.errors] == [("fit", "company")]
    assert "holds an object" in result.errors[0].message


def test_event_without_timestamp_is_reported() -> None:
    result = evaluate(DECAY, person={}, events=[{"type": "page", "message_id": "m1"}], as_of=at(NOW))
    assert [(e.section, e.id) for e in result.errors] == [("events", "m1")]


def test_northwind_hand_computed(northwind: CompiledPact) -> None:
    person = {"email": "dana@acme.example", "title": "VP Data", "department": "Data", "seniority": "vp"}
    account = {"name": "Acme", "domain": "acme.example", "industry": "Software", "employees": 800, "country": "US"}
    events = [
        page("2024-05-01T00:00:00Z"),           # age 14 days: 10 × 0.5 = 5
        page("2024-05-01T08:00:00Z"),           # same UTC day: beyond max_per_day 1
        page("2024-05-15T00:00:00Z", "/pricing/enterprise"),  # age 0: 10
        track("Demo Requested", "2024-05-08T00:00:00Z"),      # age 7 days: 40 × 0.5^0.5 = 28.2843
        page("2024-05-01T00:00:00Z", "/blog"),  # not pricing: scores nothing
    ]
    result = evaluate(northwind, person=person, account=account, events=events, as_of=at("2024-05-15T00:00:00Z"))
    assert result.persona == "data_leader" and result.buying_role is True
    assert (result.fit_score, result.grade) == (50, "B")
    assert result.engagement_score == 43.28
    assert [(m.section, m.id, m.points, m.occurrences) for m in result.matched] == [
        ("fit", "size", 30, None), ("fit", "industry", 20, None),
        ("engagement", "pricing_page", 15.0, 2), ("engagement", "demo", 28.28, 1)]
    assert result.stages == ("mql", "hot")
    assert result.status == "hot"
    assert result.missing == ("problem",)
    assert result.route is not None and result.route.assign == {"team": "north_america", "method": "round_robin"}
    data = result.to_dict()
    assert data["status"] == "hot" and data["matched"][0] == {"section": "fit", "id": "size",
                                                              "label": "200-5,000 employees", "points": 30}


def test_northwind_student_and_competitor(northwind: CompiledPact) -> None:
    student = evaluate(northwind, person={"email": "s@uni.example", "title": "PhD Student"},
                       account={"domain": "rival.example", "owner": "rep@northwind.example"}, as_of=at(NOW))
    assert (student.persona, student.buying_role, student.fit_score, student.grade) == ("student", False, -25, "D")
    assert student.status == "disqualified"
    assert [(d.id, d.reason) for d in student.disqualified_by] == [("competitor", "competitor")]
    assert student.route is not None and (student.route.rule, student.route.assign) == (0, "account_owner")
