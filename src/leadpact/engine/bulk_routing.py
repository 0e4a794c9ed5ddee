"""Which people a routing rule cannot be decided for, vectorised: the live evaluator records an error for them.

The backtest leaves routing out (its results carry no route), but a routing test on a value that is an object
or a list is an error the live evaluator stores with the evaluation, so activation sends those people to it.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from leadpact.insights.backtest import conditions, events, typed
from leadpact.insights.backtest.engine import Backtest, _by_distinct_value
from leadpact.pact.schema import EventTest, FieldTest


def routing_doubts(backtest: Backtest, frame: pl.DataFrame, micros: int) -> pl.DataFrame:
    """Return `person` of everyone for whom a routing rule the live evaluator may reach is undecidable."""
    reached = []
    for rule, test in backtest.compiled.routing:
        if test is None:  # a rule with no `when` always holds: the live evaluator stops there
            break
        reached.append(rule.when)
    if not reached:
        return pl.DataFrame(schema={"person": pl.Int64})
    names, lists = dict(backtest.names), backtest.compiled.lists
    nodes = _leaves(reached)
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
    undecidable = [conditions.expression(condition, names, lists)[1] for condition in reached]
    return frame.filter(pl.any_horizontal(undecidable).fill_null(False)).select("person")


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
