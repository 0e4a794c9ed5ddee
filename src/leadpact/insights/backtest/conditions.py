"""Conditions as Polars expressions over one row per person (or per event, inside `where`).

Field tests read typed columns (see typed.py); event tests read a per-person column counted beforehand;
score, grade and persona tests go through `leadpact.pact.condition_expression`. Each condition also
yields an `undecidable` expression: true where a tested value is an object or a list, which the live
engine reports as an error, so those people are left to the live engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl

from leadpact.insights.backtest import typed
from leadpact.pact import condition_expression
from leadpact.pact.operators import Lists
from leadpact.pact.schema import AllOf, AnyOf, EventTest, FieldTest, NoneOf, Pact

# Columns the later sections test, with the types condition_expression reads them as.
DECIDED: dict[str, pl.DataType] = {"fit_score": pl.Float64(), "engagement_score": pl.Float64(),
                                   "grade": pl.String(), "persona": pl.String(), "buying_role": pl.Boolean()}


def children(condition: Any) -> list[Any]:
    """Return the members of a group condition (none for a leaf)."""
    if isinstance(condition, AllOf):
        return list(condition.all)
    if isinstance(condition, AnyOf):
        return list(condition.any)
    if isinstance(condition, NoneOf):
        return list(condition.none)
    return []


def walk(condition: Any) -> Iterator[Any]:
    """Yield every condition in a tree, outside event `where`s, parents first."""
    if condition is None:
        return
    yield condition
    for child in children(condition):
        yield from walk(child)


def person_conditions(pact: Pact) -> list[Any]:
    """Return every condition evaluated once per person: personas, fit, stages and disqualifiers."""
    conditions = [p.when for p in pact.personas]
    conditions += [c.when for c in (pact.fit.criteria if pact.fit else [])]
    conditions += [stage.when for stage in (pact.stages.mql, pact.stages.hot) if stage is not None]
    conditions += [d.when for d in pact.disqualify]
    return conditions


def event_tests(pact: Pact) -> list[EventTest]:
    """Return the event tests of person-level conditions (engagement criteria are scored separately)."""
    found: dict[int, EventTest] = {}
    for condition in person_conditions(pact):
        for node in walk(condition):
            if isinstance(node, EventTest):
                found.setdefault(id(node), node)
    return list(found.values())


def regex_tests(pact: Pact) -> list[FieldTest]:
    """Return the person-level field tests that run a regex: decided once per distinct value, not per person."""
    found: dict[int, FieldTest] = {}
    for condition in person_conditions(pact):
        for node in walk(condition):
            if isinstance(node, FieldTest) and node.op == "matches":
                found.setdefault(id(node), node)
    return list(found.values())


def field_paths(conditions: list[Any]) -> set[str]:
    """Return the person/account (or properties/context) paths field tests read."""
    return {node.field for condition in conditions for node in walk(condition) if isinstance(node, FieldTest)}


def where_paths(test: EventTest) -> set[str]:
    """Return the event paths an event test's `where` reads."""
    return field_paths([test.where]) if test.where is not None else set()


def expression(condition: Any, tests: Mapping[int, str], lists: Lists) -> tuple[pl.Expr, pl.Expr]:
    """Return (holds, undecidable); `tests` names the column of each test decided beforehand, by id()."""
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        parts = [expression(child, tests, lists) for child in children(condition)]
        holds = [p[0] for p in parts]
        undecidable = pl.any_horizontal([p[1] for p in parts]) if parts else pl.lit(False)
        if isinstance(condition, AllOf):
            return (pl.all_horizontal(holds) if holds else pl.lit(True)), undecidable
        either = pl.any_horizontal(holds) if holds else pl.lit(False)
        return (either if isinstance(condition, AnyOf) else ~either), undecidable
    if isinstance(condition, FieldTest | EventTest) and id(condition) in tests:  # decided beforehand
        name = tests[id(condition)]
        return pl.col(name), pl.col(f"{name}#u")
    if isinstance(condition, FieldTest):
        return typed.field_test(condition.field, condition.op, condition.value, lists)
    if isinstance(condition, EventTest):
        name = tests[id(condition)]
        return pl.col(name), pl.col(f"{name}#u")
    return condition_expression(condition, DECIDED, lists), pl.lit(False)
