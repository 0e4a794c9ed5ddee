"""Validation: every problem reported with its line, column and a clear message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from leadpact.pact import InvalidPact, PactError, load_pact, load_pact_file, validate_pact
from leadpact.pact.durations import format_duration, parse_duration

BROKEN = Path(__file__).parent / "broken"
EXAMPLE = Path(__file__).parents[2] / "examples" / "northwind.yaml"

# file, line, column, a keyword the message must contain
BROKEN_FILES = [
    ("unknown_key.yaml", 10, 7, "unknown key 'weight'"),
    ("wrong_type.yaml", 9, 15, "expected a number"),
    ("bad_regex.yaml", 6, 53, "bad regex"),
    ("unknown_operator.yaml", 8, 11, "unknown operator 'equals'"),
    ("unknown_persona.yaml", 9, 35, "unknown persona 'data_lead'"),
    ("unknown_list.yaml", 8, 55, "unknown list 'competitor'"),
    ("backward_reference.yaml", 6, 54, "backward reference"),
    ("empty_range.yaml", 8, 60, "empty range"),
    ("grades_not_distinct.yaml", 6, 8, "must be distinct"),
    ("missing_name.yaml", 1, 1, "missing required key 'name'"),
    ("yaml_syntax.yaml", 5, 11, "YAML syntax error"),
    ("event_field_root.yaml", 8, 42, "unknown field 'person.path'"),
    ("engagement_field_test.yaml", 8, 14, "may only test events"),
    ("duplicate_key.yaml", 3, 1, "duplicate key 'name'"),
    ("bad_duration.yaml", 4, 25, "expected a duration"),
    ("unknown_grade.yaml", 7, 23, "unknown grade 'E'"),
    ("unsatisfiable_count.yaml", 5, 58, "unsatisfiable count"),
    ("wrong_version.yaml", 1, 11, "unsupported format version 2"),
]


@pytest.mark.parametrize(("name", "line", "column", "keyword"), BROKEN_FILES)
def test_broken_pact(name: str, line: int, column: int, keyword: str) -> None:
    pact, errors = validate_pact((BROKEN / name).read_text())
    assert pact is None
    assert len(errors) == 1, errors
    assert (errors[0].line, errors[0].column) == (line, column)
    assert keyword in errors[0].message


def test_every_broken_file_is_tested() -> None:
    assert {p.name for p in BROKEN.glob("*.yaml")} == {case[0] for case in BROKEN_FILES}


def test_example_from_the_spec_validates() -> None:
    pact = load_pact_file(EXAMPLE)
    assert pact.name == "Northwind lead pact"
    assert [p.id for p in pact.personas] == ["data_leader", "student"]
    assert pact.sla.hot.respond_within == timedelta(minutes=15)
    assert pact.sla.feedback_within == timedelta(days=5)


def test_every_problem_is_reported_in_one_pass() -> None:
    text = """\
leadpact: 1
name: Many problems
personas:
  - id: a
    label: A
    when: {field: person.title, op: matches, value: "(bad"}
fit:
  grades: {A: 10, B: 10}
  criteria:
    - id: c
      label: C
      when: {field: account.size, op: between, value: [9, 1]}
      points: ten
stages:
  mql: {when: {persona: [b]}}
colour: blue
"""
    with pytest.raises(InvalidPact) as caught:
        load_pact(text)
    found = [(e.line, e.column) for e in caught.value.errors]
    assert found == [(6, 53), (8, 22), (12, 55), (13, 15), (15, 26), (16, 1)]
    assert "16:1: unknown key 'colour'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("", "empty"),
        ("- a\n- b\n", "a pact is a mapping"),
        ("leadpact: 1\nname: x\nrouting:\n  - assign: {team: t}\n  - assign: {team: u}\n", "never reached"),
        ("leadpact: 1\nname: x\nlists: {freemail: [a.com]}\n", "built in"),
        ("leadpact: 1\nname: x\nstages:\n  mql: {when: {any: []}}\n", "empty 'any' group"),
        ("leadpact: 1\nname: x\nstages:\n  mql: {when: {score: fit, op: contains, value: 5}}\n", "not allowed here"),
        ("leadpact: 1\nname: x\nstages:\n  mql: {when: {field: person.x, op: exists, value: 1}}\n", "takes no value"),
        ("leadpact: 1\nname: x\nstages:\n  mql: {when: {field: person.x, op: in, value: x}}\n", "a list of values"),
        ("leadpact: 1\nname: x\nstages:\n  mql: {when: {fields: person.x}}\n", "did you mean 'field'"),
        ("leadpact: 1\nname: x\nstages:\n  hot: {when: {event: Demo, within_days: 0}}\n", "within_days"),
        ("leadpact: 1\nname: x\nstages:\n  hot: {when: {event: page, where: {event: x}}}\n", "only test fields"),
        ("leadpact: 1\nname: x\ncommitments: {marketing: {min_acceptance_rate: 1.5}}\n", "less than or equal"),
        ("leadpact: 1\nname: x\nreadiness: {require: [company, budget]}\n", "expected 'company'"),
    ],
)
def test_validation_messages(text: str, keyword: str) -> None:
    pact, errors = validate_pact(text)
    assert pact is None
    assert any(keyword in e.message for e in errors), errors


def test_pact_error_prints_line_and_column() -> None:
    assert str(PactError(3, 7, "unknown key 'x'")) == "3:7: unknown key 'x'"


@pytest.mark.parametrize(("text", "expected", "words"), [
    ("15m", timedelta(minutes=15), "15 minutes"),
    ("24h", timedelta(hours=24), "24 hours"),
    ("5d", timedelta(days=5), "5 days"),
    ("1h", timedelta(hours=1), "1 hour"),
    ("2w", timedelta(weeks=2), "2 weeks"),
    ("90s", timedelta(seconds=90), "90 seconds"),
])
def test_durations(text: str, expected: timedelta, words: str) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == words


@pytest.mark.parametrize("text", ["15", "15 minutes", "0m", "m", 15])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
