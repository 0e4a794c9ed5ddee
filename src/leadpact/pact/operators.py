"""Every operator of the pact in one table: Python predicate, Polars expression and English phrase.

Adding an operator is adding one entry; its three faces live side by side so they cannot drift.
A test on a missing field gives the entry's `when_missing` (false except for missing/not_in/neq).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from leadpact.pact.patterns import searcher
from leadpact.pact.values import (
    WHITESPACE,
    column_missing,
    column_number,
    column_text,
    format_value,
    is_missing,
    to_number,
    to_text,
)

Predicate = Callable[[Any], bool]
Lists = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Operator:
    """One operator: what value it takes, its result on a missing field, and its three faces."""

    name: str
    takes: str  # scalar | values | number | range | text | regex | nothing | list_name
    when_missing: bool
    python: Callable[[Any, Lists], Predicate]
    polars: Callable[[pl.Expr, pl.DataType, Any, Lists], pl.Expr]
    phrase: Callable[[Any], str]

    def predicate(self, value: Any, lists: Lists) -> Predicate:
        """Return the compiled Python test of one actual value."""
        core = self.python(value, lists)
        when_missing = self.when_missing

        def test(actual: Any) -> bool:
            # is_missing inlined for the common types: this runs for every test of every person
            if actual is None:
                return when_missing
            kind = actual.__class__
            if kind is str:
                if not actual.strip(WHITESPACE):
                    return when_missing
            elif kind is int or kind is bool:
                pass
            elif is_missing(actual):
                return when_missing
            return core(actual)

        return test

    def expression(self, column: pl.Expr, dtype: pl.DataType, value: Any, lists: Lists) -> pl.Expr:
        """Return the Polars Boolean expression (never null) testing a column of the given type."""
        core = self.polars(column, dtype, value, lists).fill_null(False)
        return pl.when(column_missing(column, dtype)).then(pl.lit(self.when_missing)).otherwise(core)


# --- equality: booleans match booleans, text matches text (any case), numbers match numbers or numeric text


def _equal(expected: Any) -> Predicate:
    if isinstance(expected, bool):
        return lambda actual: isinstance(actual, bool) and actual == expected
    number = to_number(expected)
    if isinstance(expected, str):
        lowered = expected.lower()
        if number is None:
            return lambda actual: isinstance(actual, str) and actual.lower() == lowered

        def text_or_number(actual: Any) -> bool:
            if isinstance(actual, str):
                return actual.lower() == lowered
            return to_number(actual) == number

        return text_or_number
    return lambda actual: to_number(actual) == number


def _equal_expr(column: pl.Expr, dtype: pl.DataType, expected: Any) -> pl.Expr:
    if isinstance(expected, bool):
        return column == expected if dtype == pl.Boolean else pl.lit(False)
    number = to_number(expected)
    if isinstance(expected, str) and dtype == pl.String:
        return column.str.to_lowercase() == expected.lower()
    if isinstance(expected, str) and not dtype.is_numeric():
        return pl.lit(False)
    if number is None:
        return pl.lit(False)
    return column_number(column, dtype) == number


def _any_equal_expr(column: pl.Expr, dtype: pl.DataType, values: Sequence[Any]) -> pl.Expr:
    texts = [v.lower() for v in values if isinstance(v, str)]
    if texts and dtype == pl.String:
        # one hash lookup instead of a chain of comparisons: lists of domains can be long
        parts = [column.str.to_lowercase().is_in(texts)]
        parts += [_equal_expr(column, dtype, v) for v in values if not isinstance(v, str)]
    else:
        parts = [_equal_expr(column, dtype, v) for v in values]
    expr = pl.lit(False)
    for part in parts:
        expr = expr | part.fill_null(False)
    return expr


def _any_equal(values: Sequence[Any]) -> Predicate:
    tests = [_equal(v) for v in values]
    return lambda actual: any(test(actual) for test in tests)


# --- numbers


def _compare(check: Callable[[float, Any], bool]) -> Callable[[Any, Lists], Predicate]:
    def build(expected: Any, lists: Lists) -> Predicate:
        def test(actual: Any) -> bool:
            number = to_number(actual)
            return number is not None and check(number, expected)

        return test

    return build


def _compare_expr(check: Callable[[pl.Expr, Any], pl.Expr]) -> Callable[..., pl.Expr]:
    return lambda column, dtype, expected, lists: check(column_number(column, dtype), expected)


# --- text


def _text(check: Callable[[str, str], bool]) -> Callable[[Any, Lists], Predicate]:
    def build(expected: Any, lists: Lists) -> Predicate:
        lowered = str(expected).lower()

        def test(actual: Any) -> bool:
            text = to_text(actual)
            return text is not None and check(text.lower(), lowered)

        return test

    return build


def _text_expr(method: str) -> Callable[..., pl.Expr]:
    def build(column: pl.Expr, dtype: pl.DataType, expected: Any, lists: Lists) -> pl.Expr:
        lowered = column_text(column, dtype).str.to_lowercase()
        if method == "contains":
            return lowered.str.contains(str(expected).lower(), literal=True)
        return getattr(lowered.str, method)(str(expected).lower())

    return build


def _matches(pattern: Any, lists: Lists) -> Predicate:
    found = searcher(pattern)
    return lambda actual: (text := to_text(actual)) is not None and found(text)


def _matches_expr(column: pl.Expr, dtype: pl.DataType, pattern: Any, lists: Lists) -> pl.Expr:
    # The same RE2 program as the Python face, not Polars' own regex engine: that one is linear-time too but reads
    # patterns differently (its \b, \w, \d and \s are Unicode-aware, so `\bintern\b` does not match "éintern";
    # `[a-z&&[^aeiou]]` is a set intersection; `a{,3}` and `\Q...\E` are errors), and the backtest must decide
    # exactly as the live engine does.
    found = searcher(pattern)

    def run(series: pl.Series) -> pl.Series:
        return pl.Series([v is not None and found(v) for v in series], dtype=pl.Boolean)

    return column_text(column, dtype).map_batches(run, return_dtype=pl.Boolean)


def _in_list(name: Any, lists: Lists) -> Predicate:
    members = lists[name]
    return lambda actual: (text := to_text(actual)) is not None and text.lower() in members


def _in_list_expr(column: pl.Expr, dtype: pl.DataType, name: Any, lists: Lists) -> pl.Expr:
    return column_text(column, dtype).str.to_lowercase().is_in(sorted(lists[name]))


def _values_phrase(values: Any) -> str:
    words = [format_value(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _negate(build: Callable[[Any], Predicate]) -> Callable[[Any, Lists], Predicate]:
    def negated(expected: Any, lists: Lists) -> Predicate:
        test = build(expected)
        return lambda actual: not test(actual)

    return negated


def _always(result: bool) -> Callable[[Any, Lists], Predicate]:
    return lambda expected, lists: lambda actual: result


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in [
        Operator("eq", "scalar", False, lambda v, lists: _equal(v),
                 lambda c, t, v, lists: _equal_expr(c, t, v), lambda v: f"is {format_value(v)}"),
        Operator("neq", "scalar", True, _negate(_equal),
                 lambda c, t, v, lists: ~_equal_expr(c, t, v).fill_null(False),
                 lambda v: f"is not {format_value(v)}"),
        Operator("in", "values", False, lambda v, lists: _any_equal(v),
                 lambda c, t, v, lists: _any_equal_expr(c, t, v), lambda v: f"is {_values_phrase(v)}"),
        Operator("not_in", "values", True, _negate(_any_equal),
                 lambda c, t, v, lists: ~_any_equal_expr(c, t, v).fill_null(False),
                 lambda v: f"is not {_values_phrase(v)}"),
        Operator("gt", "number", False, _compare(lambda n, v: n > v),
                 _compare_expr(lambda n, v: n > v), lambda v: f"is more than {format_value(v)}"),
        Operator("gte", "number", False, _compare(lambda n, v: n >= v),
                 _compare_expr(lambda n, v: n >= v), lambda v: f"is at least {format_value(v)}"),
        Operator("lt", "number", False, _compare(lambda n, v: n < v),
                 _compare_expr(lambda n, v: n < v), lambda v: f"is less than {format_value(v)}"),
        Operator("lte", "number", False, _compare(lambda n, v: n <= v),
                 _compare_expr(lambda n, v: n <= v), lambda v: f"is at most {format_value(v)}"),
        Operator("between", "range", False, _compare(lambda n, v: v[0] <= n <= v[1]),
                 _compare_expr(lambda n, v: (n >= v[0]) & (n <= v[1])),
                 lambda v: f"is between {format_value(v[0])} and {format_value(v[1])}"),
        Operator("contains", "text", False, _text(lambda a, v: v in a),
                 _text_expr("contains"), lambda v: f'contains "{v}"'),
        Operator("starts_with", "text", False, _text(lambda a, v: a.startswith(v)),
                 _text_expr("starts_with"), lambda v: f'starts with "{v}"'),
        Operator("ends_with", "text", False, _text(lambda a, v: a.endswith(v)),
                 _text_expr("ends_with"), lambda v: f'ends with "{v}"'),
        Operator("matches", "regex", False, _matches, _matches_expr, lambda v: f'matches the pattern "{v}"'),
        Operator("exists", "nothing", False, _always(True), lambda c, t, v, lists: pl.lit(True),
                 lambda v: "is known"),
        Operator("missing", "nothing", True, _always(False), lambda c, t, v, lists: pl.lit(False),
                 lambda v: "is not known"),
        Operator("in_list", "list_name", False, _in_list, _in_list_expr, lambda v: f"is in the {v} list"),
    ]
}

# Operators a score or an event count may use: they compare numbers.
NUMERIC_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "between")
