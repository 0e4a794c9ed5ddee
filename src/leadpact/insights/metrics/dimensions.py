"""The ways metrics can be sliced, in the users' words, and the company size bands that make a segment."""

from __future__ import annotations

from typing import Any

import polars as pl

NONE = "(none)"

# Slice name → column of the lead and handoff frames. `period` reads as `month`: the ritual reports are monthly.
SLICES: dict[str, str] = {
    "channel": "channel",
    "source": "source",
    "medium": "medium",
    "persona": "persona",
    "grade": "grade",
    "segment": "segment",
    "industry": "industry",
    "pact_version": "pact_version",
    "team": "team",
    "rep": "rep",
    "tier": "tier",
    "month": "month",
    "week": "week",
    "period": "month",
}

# Slices whose values have a natural order (time, size, version); the rest are ranked by MQL volume.
ORDERED = {"month", "week", "segment", "pact_version", "period", "grade"}

# Lower bound of each company size band, in employees.
SIZE_BANDS: list[tuple[int, str]] = [
    (1, "1-49"),
    (50, "50-199"),
    (200, "200-999"),
    (1000, "1000-4999"),
    (5000, "5000+"),
]


class UnknownSlice(ValueError):
    """A `by` that names no slice, with the ones that exist."""


def slice_column(by: str) -> str:
    """Return the frame column a slice name reads; raise UnknownSlice for a name that is not one."""
    column = SLICES.get(by.strip().lower())
    if column is None:
        raise UnknownSlice(f"unknown slice {by!r}: use one of {', '.join(sorted(SLICES))}")
    return column


def size_band(employees: pl.Expr) -> pl.Expr:
    """Return the size band of an employees column (NONE when unknown)."""
    expression: Any = pl.when(employees.is_null() | (employees < 1)).then(pl.lit(NONE))
    for (low, label), (high, _) in zip(SIZE_BANDS, [*SIZE_BANDS[1:], (None, None)], strict=True):
        condition = employees >= low if high is None else (employees >= low) & (employees < high)
        expression = expression.when(condition).then(pl.lit(label))
    return expression.otherwise(pl.lit(NONE))


def sort_key(by: str, value: str) -> tuple[int, str]:
    """Order slice values naturally: bands by size, versions by number, unknowns last."""
    if value == NONE:
        return (10**9, value)
    if by == "segment":
        labels = [label for _, label in SIZE_BANDS]
        return (labels.index(value) if value in labels else len(labels), value)
    if by == "pact_version" and value.lstrip("v").isdigit():
        return (int(value.lstrip("v")), value)
    return (0, value)
