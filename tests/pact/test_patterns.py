"""Regexes of `matches`: RE2 runs them in linear time; validation refuses what RE2 cannot run, saying where."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leadpact.pact import validate_pact

PACT = """\
leadpact: 1
name: Patterns
personas:
  - id: student
    label: Student
    when: {{field: person.title, op: matches, value: '{pattern}'}}
"""


@pytest.mark.parametrize(("pattern", "words"), [
    (r"(intern)\s+\1", "backreferences (\\1) are not supported"),
    (r"student(?= of)", "lookahead (?=...) is not supported"),
    (r"student(?! of)", "negative lookahead (?!...) is not supported"),
    (r"(?<=phd )student", "lookbehind (?<=...) is not supported"),
    (r"(?<!phd )student", "negative lookbehind (?<!...) is not supported"),
    (r"(?>a+)b", "atomic groups"),
    (r"a++", "possessive repetition"),
    (r"student\Z", "write \\z for the end of the text"),
    (r"a{1001}", "above 1,000"),
    (r"(?x) student", "invalid perl operator: (?x"),
    (r"(student", "missing )"),
])
def test_a_pattern_re2_cannot_run_is_refused_at_its_place(pattern: str, words: str) -> None:
    pact, errors = validate_pact(PACT.format(pattern=pattern))
    assert pact is None
    assert [(e.line, e.column) for e in errors] == [(6, 53)]
    assert errors[0].message.startswith("bad regex: ")
    assert words in errors[0].message


def test_a_lone_surrogate_in_a_pattern_is_refused() -> None:
    pact, errors = validate_pact(PACT.format(pattern="x").replace("'x'", '"a\\ud83d"'))
    assert pact is None
    assert "lone surrogate" in errors[0].message and (errors[0].line, errors[0].column) == (6, 53)


def test_a_catastrophic_pattern_is_valid_and_answers_at_once() -> None:
    """`^(a+)+$` doubles Python's re time with each letter; under RE2 it is one pass. Run in a child process so a
    backtracking engine fails the test (after a minute) instead of holding the GIL of the test run forever."""
    pact, errors = validate_pact(PACT.format(pattern="^(a+)+$"))
    assert pact is not None and not errors
    program = ("from leadpact.pact.operators import OPERATORS\n"
               "test = OPERATORS['matches'].predicate('^(a+)+$', {})\n"
               "print(test('a' * 60 + '!'), test('a' * 60))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]
