"""Conditions as Polars expressions over a flat frame whose columns are named by path.

A frame for the backtest has one row per person and columns such as `person.title`,
`account.employees`, and (for later sections) `fit_score`, `engagement_score`, `grade`, `persona`,
`buying_role`. A column that is absent counts as a missing field. Event tests need the event
history and are counted by the caller; here they raise NotVectorisable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from leadpact.pact.operators import OPERATORS, Lists
from leadpact.pact.schema import (
    AllOf,
    AnyOf,
    BuyingRoleTest,
    EventTest,
    FieldTest,
    GradeTest,
    NoneOf,
    PersonaTest,
    ScoreTest,
)


class NotVectorisable(ValueError):
    """A condition that a flat frame cannot answer (an event test)."""


def _column(name: str, schema: Mapping[str, pl.DataType]) -> tuple[pl.Expr, pl.DataType]:
    if name in schema:
        return pl.col(name), schema[name]
    if name == "person.email_domain" and "person.email" in schema and schema["person.email"] == pl.String:
        # the same derivation as leadpact.people.freemail.email_domain
        email = pl.col("person.email")
        domain = email.str.split("@").list.last().str.strip_chars().str.to_lowercase()
        return pl.when(email.str.contains("@", literal=True) & (domain != "")).then(domain), pl.String
    return pl.lit(None), pl.Null


def condition_expression(condition: Any, schema: Mapping[str, pl.DataType], lists: Lists) -> pl.Expr:
    """Return a Boolean Polars expression (never null) equivalent to the live engine's test of `condition`."""
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        children = condition.all if isinstance(condition, AllOf) else (
            condition.any if isinstance(condition, AnyOf) else condition.none)
        parts = [condition_expression(c, schema, lists) for c in children]
        if isinstance(condition, AllOf):
            return pl.all_horizontal(parts) if parts else pl.lit(True)
        either = pl.any_horizontal(parts) if parts else pl.lit(False)
        return either if isinstance(condition, AnyOf) else ~either
    if isinstance(condition, FieldTest):
        column, dtype = _column(condition.field, schema)
        return OPERATORS[condition.op].expression(column, dtype, condition.value, lists)
    if isinstance(condition, ScoreTest):
        column, dtype = _column(f"{condition.score}_score", schema)
        return OPERATORS[condition.op].expression(column, dtype, condition.value, lists)
    if isinstance(condition, GradeTest):
        column, dtype = _column("grade", schema)
        return column.cast(pl.String).is_in(condition.grade).fill_null(False)
    if isinstance(condition, PersonaTest):
        column, dtype = _column("persona", schema)
        return column.cast(pl.String).is_in(condition.persona).fill_null(False)
    if isinstance(condition, BuyingRoleTest):
        column, dtype = _column("buying_role", schema)
        return (column.cast(pl.Boolean) == condition.buying_role).fill_null(False)
    if isinstance(condition, EventTest):
        raise NotVectorisable(f"the event test on {condition.event!r} needs the event history")
    raise TypeError(f"not a condition: {condition!r}")


def flatten(prefix: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a mapping's values as flat columns: {'company': {'name': x}} → {'person.company.name': x}."""
    flat: dict[str, Any] = {}
    for key, value in (data or {}).items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(name, value))
        else:
            flat[name] = value
    return flat
