"""Property: for every operator, the Python predicate and the Polars expression agree on any data."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadpact.pact.operators import OPERATORS
from leadpact.people.freemail import FREEMAIL_DOMAINS

LISTS = {"freemail": frozenset(FREEMAIL_DOMAINS), "custom": frozenset({"acme", "250", "ß"})}
ALPHABET = "aAbBcCdDeEéÉßxXyYzZ 0123456789.-+@/_"
numbers_as_text = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=False, width=32).map(str),
                            st.sampled_from([" 250 ", "2e2", ".5", "1.", "+7", "-0", "1_000", "inf", "nan", "0x1f"]))
words = st.one_of(st.text(ALPHABET, max_size=8), numbers_as_text,
                  st.sampled_from(["Student", "PhD STUDENT", "gmail.com", "GMAIL.com", "acme", "ACME", " ", ""]))
finite = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32))
scalars = st.one_of(words, finite, st.booleans())

COLUMNS = {
    pl.String: st.lists(st.one_of(st.none(), words), min_size=1, max_size=12),
    pl.Int64: st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), min_size=1, max_size=12),
    pl.Float64: st.lists(st.one_of(st.none(), st.floats()), min_size=1, max_size=12),
    pl.Boolean: st.lists(st.one_of(st.none(), st.booleans()), min_size=1, max_size=12),
}
VALUES = {
    "scalar": scalars,
    "values": st.lists(scalars, min_size=1, max_size=4),
    "number": finite,
    "range": st.lists(finite, min_size=2, max_size=2).map(sorted),
    "text": st.text(ALPHABET, min_size=1, max_size=4),
    "regex": st.sampled_from([r"(?i)\bstudent\b", "^VP", "a$", "[0-9]+", "É", r"\s", "x|Z", r"(?i)é\b", r"\bß",
                              r"(?i)\bÉ\w*\b", r"\d+$"]),
    "nothing": st.none(),
    "list_name": st.sampled_from(["freemail", "custom"]),
}


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, pl.DataType, list[Any], Any]:
    op = draw(st.sampled_from(sorted(OPERATORS)))
    dtype = draw(st.sampled_from(list(COLUMNS)))
    return op, dtype, draw(COLUMNS[dtype]), draw(VALUES[OPERATORS[op].takes])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_python_and_polars_agree(case: tuple[str, pl.DataType, list[Any], Any]) -> None:
    op, dtype, data, value = case
    series = pl.Series("c", data, dtype=dtype)
    operator = OPERATORS[op]
    vectorised = pl.DataFrame([series]).select(
        operator.expression(pl.col("c"), dtype, value, LISTS).alias("result"))["result"].to_list()
    predicate = operator.predicate(value, LISTS)
    assert vectorised == [predicate(v) for v in series.to_list()]


# Text where Polars' own regex engine reads \b, \w, \d, \s and case folding differently from RE2: non-ASCII
# letters and digits beside ASCII ones, a Unicode space, the Kelvin sign, newlines before the end.
UNICODE_TEXT = st.text("aAeEéÉßkK\u212aıİ\u0663٣5 \u00a0\n_-", max_size=10)
PATTERNS = st.sampled_from([r"(?i)\bstudent\b", r"\be", r"e\b", r"(?i)\bé", r"\B", r"(?i)k", r"(?i)[a-z]+$",
                            r"\w+", r"^\W", r"\d", r"\s", r"\S\b", r"(?i)ss", r"(?i)ß", r"(?i)İ", r"e$", r"^$",
                            r"(?m)^e", r"(?s)a.e", r"a.e", r"\pL\b", r"(?i)\b(a|é)\b", r"[[:alpha:]]", r"\x{212a}"])


@settings(max_examples=400, deadline=None)
@given(PATTERNS, st.lists(st.one_of(st.none(), UNICODE_TEXT, st.sampled_from(["Student", "student\n", "ÉTUDIANT"])),
                          min_size=1, max_size=12))
def test_matches_agrees_on_text_the_engines_read_differently(pattern: str, data: list[str | None]) -> None:
    operator = OPERATORS["matches"]
    vectorised = pl.DataFrame({"c": pl.Series(data, dtype=pl.String)}).select(
        operator.expression(pl.col("c"), pl.String(), pattern, LISTS).alias("result"))["result"].to_list()
    predicate = operator.predicate(pattern, LISTS)
    assert vectorised == [predicate(v) for v in data]
