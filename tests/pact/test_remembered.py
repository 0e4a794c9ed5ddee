"""Answers the engine remembers between evaluations are the answers it would read afresh."""

from __future__ import annotations

from typing import Any

import pytest

from leadpact.pact import Catalog, evaluate

from .conftest import at, compiled, page

NOW = "2024-05-11T00:00:00Z"
CONTENT = {
    "guide": {"id": "guide", "path": "/guides/pipeline", "problem": "slow data pipelines"},
    "7": {"id": "7", "path": "/webinars/costs", "problem": "cloud costs"},
    "about": {"id": "about", "path": "/about", "problem": ""},
}


def event(properties: Any, context: Any = None) -> dict[str, Any]:
    return {"type": "track", "event": "Viewed", "properties": properties, "context": context, "timestamp": at(NOW)}


@pytest.mark.parametrize(("message", "names_problem"), [
    (event({"path": "/Guides/Pipeline/"}), True),
    (event({"path": "/about"}), False),
    (event({"asset_id": 7}), True),  # an id sent as a number names the asset "7"
    (event({"asset_id": "7", "path": "/about"}), True),  # the asset id wins over the path
    (event({"asset_id": "nope", "path": "/guides/pipeline"}), True),  # an unknown id falls back to the path
    (event({}, {"page": {"path": "/guides/pipeline"}}), True),  # no path in properties: the page's
    (event({"path": "  "}, {"page": {"path": "/guides/pipeline"}}), True),  # a blank path is no path
    (event({"path": "/about"}, {"page": {"path": "/guides/pipeline"}}), False),  # the properties' path wins
    (event(None, {"page": {"path": "/guides/pipeline"}}), True),
    (event({}, {"page": "/guides/pipeline"}), False),  # a page that is not an object names nothing
    (event({"asset_id": ["7"], "path": "/guides/pipeline"}), True),  # a list is no id (read the slow way)
    (event({"path": 5}, {"page": {"path": "/guides/pipeline"}}), False),  # a number is a path, naming nothing
    (event("not an object", {"page": {"path": "/guides/pipeline"}}), True),
])
def test_a_remembered_problem_answer_is_the_one_read_afresh(message: dict, names_problem: bool) -> None:
    catalog = Catalog(CONTENT)
    # asked twice: the second answer, when remembered, must not differ from the first or from a fresh catalog's
    assert catalog.names_problem(message) is names_problem
    assert catalog.names_problem(message) is names_problem
    assert Catalog(CONTENT)._names_problem(message) is names_problem
    for _ in range(2):  # the whole-history question, answered by path alone for the usual page event
        assert catalog.names_any_problem([event({"path": "/about"}), message]) is names_problem
        assert Catalog(CONTENT).names_any_problem([message, event({})]) is names_problem


def test_the_same_path_from_properties_and_from_the_page_are_told_apart() -> None:
    catalog = Catalog(CONTENT)
    assert catalog.names_problem(event({"path": "/about"}, {"page": {"path": "/guides/pipeline"}})) is False
    assert catalog.names_problem(event({}, {"page": {"path": "/guides/pipeline"}})) is True
    assert catalog.names_problem(event({"path": "/guides/pipeline"})) is True
    assert catalog.names_problem(event({}, {"page": {"path": "/about"}})) is False


TITLES = compiled("""
personas:
  - {id: leader, label: Leader, when: {field: person.title, op: matches, value: "(?i)\\\\bhead of data\\\\b"}}
engagement:
  half_life_days: 10
  criteria:
    - {id: guide, label: Guide, when: {event: page, where: {field: properties.path, op: starts_with,
                                                            value: /guides}}, points: 8}
""")


def test_text_answers_are_remembered_and_objects_still_report_an_error() -> None:
    for _ in range(2):
        assert evaluate(TITLES, person={"title": "Head of Data"}, as_of=at(NOW)).persona == "leader"
        assert evaluate(TITLES, person={"title": "Engineer"}, as_of=at(NOW)).persona is None
        result = evaluate(TITLES, person={"title": {"text": "Head of Data"}}, as_of=at(NOW))
        assert result.persona is None
        assert [(e.section, e.id) for e in result.errors] == [("personas", "leader")]
        events = [page(NOW, "/guides/a"), page(NOW, "/blog/a"), page(NOW, "/GUIDES/b")]
        assert evaluate(TITLES, person={}, events=events, as_of=at(NOW)).engagement_score == 16.0
        broken = [{**page(NOW), "properties": {"path": {"nested": "/guides"}}}]
        result = evaluate(TITLES, person={}, events=broken, as_of=at(NOW))
        assert [(e.section, e.id) for e in result.errors] == [("engagement", "guide")]


ONE_A_DAY = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - {id: visit, label: Visit, when: {event: page}, points: 8, max_per_day: 1}
""")


def test_events_out_of_order_are_indexed_oldest_first() -> None:
    # one a day scores the day's first visit: 00:00 (age 10 days, 8 × 0.5 = 4.0), not 23:00 (age 9.04 days)
    early, late = page("2024-05-01T00:00:00Z"), page("2024-05-01T23:00:00Z")
    for events in ([early, late], [late, early]):
        assert evaluate(ONE_A_DAY, person={}, events=events, as_of=at(NOW)).engagement_score == 4.0


def test_an_event_named_by_an_object_is_indexed_by_its_text() -> None:
    pact = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - {id: odd, label: Odd, when: {event: "{'a': 1}"}, points: 8}
""")
    events = [{"type": "track", "event": {"a": 1}, "properties": {}, "timestamp": at(NOW)}] * 2
    assert evaluate(pact, person={}, events=events, as_of=at(NOW)).engagement_score == 16.0


GROUPS = compiled("""
engagement:
  half_life_days: 10
  criteria:
    - id: reading
      label: Reading
      when: {event: page, where: {any: [{field: properties.path, op: starts_with, value: /blog},
                                        {field: properties.path, op: starts_with, value: /guides},
                                        {none: [{field: properties.path, op: contains, value: /}]}]}}
      points: 8
    - id: campaign_reading
      label: Reading from a campaign
      when: {event: page, where: {all: [{field: properties.path, op: starts_with, value: /blog},
                                        {field: context.campaign.name, op: eq, value: spring}]}}
      points: 2
""")


def test_a_group_reading_one_field_answers_as_test_by_test() -> None:
    def spring(path: object) -> dict:
        return {**page(NOW, "/x"), "properties": {"path": path}, "context": {"campaign": {"name": "spring"}}}

    for _ in range(2):
        result = evaluate(GROUPS, person={}, events=[page(NOW, "/blog/a"), page(NOW, "/guides/b"),
                                                      page(NOW, "pricing"), page(NOW, "/pricing")], as_of=at(NOW))
        assert [(m.id, m.occurrences) for m in result.matched] == [("reading", 3)]
        result = evaluate(GROUPS, person={}, events=[spring("/blog/a"), spring("/guides")], as_of=at(NOW))
        assert [(m.id, m.occurrences) for m in result.matched] == [("reading", 2), ("campaign_reading", 1)]
        # an object where text belongs: the first test that reads it reports the error, as before
        result = evaluate(GROUPS, person={}, events=[spring({"p": "/blog"})], as_of=at(NOW))
        assert [(e.section, e.id) for e in result.errors] == [("engagement", "reading"),
                                                               ("engagement", "campaign_reading")]
