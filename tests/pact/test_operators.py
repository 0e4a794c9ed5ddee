"""Every operator, table-driven: boundaries, missing fields, case, numbers written as text."""

from __future__ import annotations

import math

import pytest

from leadpact.pact.operators import OPERATORS
from leadpact.people.freemail import FREEMAIL_DOMAINS

LISTS = {"freemail": frozenset(FREEMAIL_DOMAINS), "competitors": frozenset({"rival.example"})}

# (operator, pact value, actual field value, expected result)
CASES = [
    # eq: text ignores case; numbers compare as numbers, also when written as text; booleans only match booleans
    ("eq", "software", "Software", True),
    ("eq", "software", "softwares", False),
    ("eq", "software", None, False),
    ("eq", "software", "", False),
    ("eq", "software", "   ", False),
    ("eq", 250, "250", True),
    ("eq", 250, 250.0, True),
    ("eq", 250, " 250 ", True),
    ("eq", 250, "250.5", False),
    ("eq", "250", 250, True),
    ("eq", "007", "7", False),
    ("eq", True, True, True),
    ("eq", True, "true", False),
    ("eq", 1, True, False),
    ("eq", 1, math.nan, False),
    # neq: a missing field is true
    ("neq", "US", "us", False),
    ("neq", "US", "CA", True),
    ("neq", "US", None, True),
    ("neq", "US", " ", True),
    ("neq", 5, "5.0", False),
    # in / not_in
    ("in", ["software", "fintech"], "FinTech", True),
    ("in", ["software", "fintech"], "retail", False),
    ("in", ["software", "fintech"], None, False),
    ("in", [200, 300], "300", True),
    ("in", ["a", 5], 5, True),
    ("in", ["5"], 5, True),
    ("in", [True], "true", False),
    ("not_in", ["US", "CA"], "us", False),
    ("not_in", ["US", "CA"], "DE", True),
    ("not_in", ["US", "CA"], None, True),
    # gt / gte / lt / lte at the boundary
    ("gt", 200, 200, False),
    ("gt", 200, 201, True),
    ("gt", 200, "201", True),
    ("gt", 200, "lots", False),
    ("gt", 200, None, False),
    ("gt", 0, True, False),
    ("gte", 200, 200, True),
    ("gte", 200, 199.99, False),
    ("gte", 200, "2e2", True),
    ("lt", 200, 200, False),
    ("lt", 200, 199, True),
    ("lt", 200, None, False),
    ("lte", 200, 200, True),
    ("lte", 200, 200.01, False),
    # between is inclusive at both ends
    ("between", [200, 5000], 200, True),
    ("between", [200, 5000], 5000, True),
    ("between", [200, 5000], 199, False),
    ("between", [200, 5000], 5001, False),
    ("between", [200, 5000], "5000", True),
    ("between", [200, 5000], "1,000", False),
    ("between", [200, 5000], None, False),
    # text operators ignore case
    ("contains", "data", "Big DATA team", True),
    ("contains", "data", "dat", False),
    ("contains", "data", None, False),
    ("contains", "2", 123, True),
    ("contains", "2", 1.25, False),
    ("starts_with", "/pricing", "/Pricing/enterprise", True),
    ("starts_with", "/pricing", "/blog/pricing", False),
    ("ends_with", ".edu", "MIT.EDU", True),
    ("ends_with", ".edu", "edu.com", False),
    # matches is an RE2 search, case-sensitive unless the pattern says (?i)
    ("matches", r"(?i)\bstudent\b", "PhD Student", True),
    ("matches", r"(?i)\bstudent\b", "students", False),
    ("matches", r"(?i)\bstudent\b", "STUDENT/intern", True),
    ("matches", r"(?i)straße", "STRASSE", False),
    ("matches", r"(?i)é", "É", True),
    ("matches", "(?i)k", "\u212a", True),  # the Kelvin sign folds to k, as Unicode says
    # RE2, not Python's re: $ is the end of the text (re also matches before a final newline); \b, \w, \d and
    # \s are ASCII (re counts é as a letter and ٣ as a digit)
    ("matches", "data$", "head of data\n", False),
    ("matches", r"\bintern\b", "éintern", True),
    ("matches", r"\w+$", "café", False),
    ("matches", r"\d", "\u0663", False),
    ("matches", r"\s", "\u00a0", False),
    ("matches", "x", "a\ud83dx", True),  # a lone surrogate in stored text is no error
    ("matches", "^VP", "vp data", False),
    ("matches", "^VP", "VP Data", True),
    ("matches", "^VP", None, False),
    # exists / missing: blank text and NaN count as missing; 0 and false are present
    ("exists", None, "x", True),
    ("exists", None, None, False),
    ("exists", None, "", False),
    ("exists", None, 0, True),
    ("exists", None, False, True),
    ("missing", None, None, True),
    ("missing", None, "", True),
    ("missing", None, math.nan, True),
    ("missing", None, "x", False),
    ("missing", None, 0, False),
    # in_list: built-in freemail, or a list of the pact
    ("in_list", "freemail", "gmail.com", True),
    ("in_list", "freemail", "GMAIL.COM", True),
    ("in_list", "freemail", "acme.example", False),
    ("in_list", "freemail", None, False),
    ("in_list", "competitors", "Rival.Example", True),
]


@pytest.mark.parametrize(("op", "value", "actual", "expected"), CASES)
def test_operator(op: str, value: object, actual: object, expected: bool) -> None:
    assert OPERATORS[op].predicate(value, LISTS)(actual) is expected


def test_every_operator_is_covered() -> None:
    assert {case[0] for case in CASES} == set(OPERATORS)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_missing_field_result(op: str) -> None:
    """A test on a missing field is false, except missing / not_in / neq."""
    value = {"scalar": "x", "values": ["x"], "number": 1, "range": [1, 2], "text": "x", "regex": "x",
             "nothing": None, "list_name": "freemail"}[OPERATORS[op].takes]
    assert OPERATORS[op].predicate(value, LISTS)(None) is (op in ("missing", "not_in", "neq"))


@pytest.mark.parametrize(
    ("op", "value", "phrase"),
    [
        ("between", [200, 5000], "is between 200 and 5,000"),
        ("in", ["data", "engineering"], "is data or engineering"),
        ("not_in", ["US", "CA", "MX"], "is not US, CA or MX"),
        ("gte", 0.6, "is at least 0.6"),
        ("exists", None, "is known"),
        ("in_list", "freemail", "is in the freemail list"),
        ("starts_with", "/pricing", 'starts with "/pricing"'),
    ],
)
def test_operator_phrase(op: str, value: object, phrase: str) -> None:
    assert OPERATORS[op].phrase(value) == phrase
