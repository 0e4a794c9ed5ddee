"""Routing, vectorised: the first routing rule that holds for each person, and who a rule cannot be decided for.

The backtest leaves routing out (its results carry no route), but a routing test on a value that is an object
or a list is an error the live evaluator stores with the evaluation, so activation sends those people to it;
the route itself is what listeners to moves read (the handoff assigns by it).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from leadpact.insights.backtest import conditions, events, typed
from leadpact.insights.backtest.engine import Backtest, _by_distinct_value
from leadpact.pact.schema import EventTest, FieldTest


def routes(backtest: Backtest, frame: pl.DataFrame, micros: int) -> pl.DataFrame:
    """Return `person`, `route` (the position of the first routing rule that holds, null when none does) and
    `route_unsure` (a rule the live evaluator may reach cannot be decided) for every person of `frame`."""
    reached: list[Any] = []
    for rule, test in backtest.compiled.routing:
        reached.append(rule.when if test is not None else None)
        if test is None:  # a rule with no `when` always holds: the live evaluator stops there
            break
    conditions_ = [c for c in reached if c is not None]
    names, lists = dict(backtest.names), backtest.compiled.lists
    nodes = _leaves(conditions_)
    missing = sorted({n.field for n in nodes if isinstance(n, FieldTest)} - _present(frame))
    if missing:
        extra = backtest.history.facts.fields(missing)
        frame = frame.join(extra.select("person", *[c for c in extra.columns if c not in frame.columns]),
                           on="person", how="left")
    branches = {}
    for position, node in enumerate(nodes):
        if isinstance(node, FieldTest) and node.op == "matches":  # a regex runs in Python, once per value
            names[id(node)] = name = f"route_regex{position}"
            frame = _by_distinct_value(frame, node, name, lists)
        elif isinstance(node, EventTest):
            names[id(node)] = name = f"route_event{position}"
            branches[name] = events.branch(backtest.history, node, lists)
    frame = events.test_columns(frame, branches, micros)
    route, unsure = pl.lit(None, pl.Int32), [pl.lit(False)]
    for position, condition in reversed(list(enumerate(reached))):  # the first rule that holds wins
        if condition is None:
            route = pl.lit(position, pl.Int32)
            continue
        holds, undecidable = conditions.expression(condition, names, lists)
        route = pl.when(holds.fill_null(False)).then(pl.lit(position, pl.Int32)).otherwise(route)
        unsure.append(undecidable)
    return frame.select("person", route.alias("route"), pl.any_horizontal(unsure).fill_null(False)
                        .alias("route_unsure"))


def _leaves(roots: list[Any]) -> list[Any]:
    """Return the field and event tests of some conditions, each once."""
    found: dict[int, Any] = {}
    for root in roots:
        for node in conditions.walk(root):
            if isinstance(node, FieldTest | EventTest):
                found.setdefault(id(node), node)
    return list(found.values())


def _present(frame: pl.DataFrame) -> set[str]:
    """Return the paths whose typed columns the frame already holds."""
    columns = set(frame.columns)
    return {column.split("#", 1)[0] for column in columns if "#" in column
            if set(typed.names(column.split("#", 1)[0]).values()) <= columns}
