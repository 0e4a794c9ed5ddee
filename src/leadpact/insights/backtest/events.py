"""Event tests and engagement, counted per person with group-bys: the part `condition_expression` leaves out.

Ages are `(as_of − t)` in days computed as the live engine does (microseconds → seconds → days, in
floating point), windows keep `age ≤ within_days`, and each engagement criterion keeps the first
`max_per_day` of its occurrences per UTC day, in event order, before decaying and summing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from leadpact.insights.backtest import conditions, typed
from leadpact.insights.backtest.history import History
from leadpact.pact.conditions import event_key
from leadpact.pact.operators import OPERATORS, Lists
from leadpact.pact.schema import AnyOf, Count, EngagementCriterion, EventTest

ROW = ["person", "order", "day", "age", "named"]


@dataclass(frozen=True)
class Branch:
    """One event test, with its static `where` decided once per event (as_of does not change it)."""

    test: EventTest
    rows: pl.DataFrame  # person, order, ts, day, matched, undecidable — events of the test's key only

    def at(self, as_of: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Return (matching events at as_of with their age, people whose `where` was undecidable)."""
        age = typed.divide(typed.divide(pl.lit(as_of, pl.Int64) - pl.col("ts"), 1_000_000), 86_400)
        rows = self.rows.lazy().filter(pl.col("ts") <= as_of).with_columns(age.alias("age"))
        if self.test.within_days is not None:
            rows = rows.filter(pl.col("age") <= self.test.within_days)
        if self.test.where is None:
            return rows.select(ROW).collect(), _NOBODY
        frame = rows.filter(pl.col("matched") | pl.col("undecidable")).collect()
        doubtful = frame.filter(pl.col("undecidable")).select("person").unique()
        return frame.filter(pl.col("matched")).select(ROW), doubtful


_NOBODY = pl.DataFrame(schema={"person": pl.Int64})


def branch(history: History, test: EventTest, lists: Lists) -> Branch:
    """Return the events an event test matches (or cannot decide), its `where` decided once per document."""
    rows = history.by_key(event_key(test.event))
    if "named" not in rows.columns:
        rows = rows.with_columns(pl.lit(False).alias("named"))
    columns = ["person", "order", "ts", "day", "named"]
    if test.where is None:
        return Branch(test, rows.select(columns))
    paths = sorted(conditions.where_paths(test))
    holds, undecidable = conditions.expression(test.where, {}, lists)
    if all(path.startswith("properties.") for path in paths):
        decided = rows.select("props").unique()
        for path in paths:
            decided = history.event_field(decided, path)
        decided = decided.select("props", holds.alias("matched"), undecidable.alias("undecidable"))
        # looked up by set membership, not joined: the documents are few, the events millions
        rows = rows.filter(_per_document(decided, pl.col("matched") | pl.col("undecidable"))).with_columns(
            _per_document(decided, pl.col("matched")).alias("matched"),
            _per_document(decided, pl.col("undecidable")).alias("undecidable"))
    else:
        for path in paths:
            rows = history.event_field(rows, path)
        rows = rows.with_columns(holds.alias("matched"), undecidable.alias("undecidable"))
    return Branch(test, rows.filter(pl.col("matched") | pl.col("undecidable"))
                  .select(*columns, "matched", "undecidable"))


def _per_document(decided: pl.DataFrame, condition: pl.Expr) -> pl.Expr:
    """Whether each event's properties document is one of those `decided` says the condition holds for."""
    documents = decided.filter(condition)["props"]
    holds = pl.col("props").is_in(documents.drop_nulls().implode()).fill_null(False)
    return holds | pl.col("props").is_null() if documents.null_count() else holds


def count_test(count: Count | None, column: pl.Expr) -> pl.Expr:
    """Return the Polars face of an event test's count (at least one by default)."""
    if count is None:
        return column >= 1
    return OPERATORS[count.op].expression(column, pl.Int64(), count.value, {})


def test_columns(people: pl.DataFrame, branches: dict[str, Branch], as_of: int) -> pl.DataFrame:
    """Return `people` with, per named event test, whether it holds and whether it was undecidable."""
    # joined onto the people alone, in their order, then set beside the facts: joining the wide frame of facts
    # once per test would copy every column of a million people each time
    tests = people.select("person")
    for name, item in branches.items():
        rows, doubtful = item.at(as_of)
        counts = rows.group_by("person").agg(pl.len().cast(pl.Int64).alias("n"))
        tests = (tests.join(counts, on="person", how="left", maintain_order="left")
                 .join(doubtful.with_columns(pl.lit(True).alias(f"{name}#u")), on="person", how="left",
                       maintain_order="left")
                 .with_columns(count_test(item.test.count, pl.col("n").fill_null(0)).fill_null(False).alias(name),
                               pl.col(f"{name}#u").fill_null(False))
                 .drop("n"))
    return people.hstack(tests.drop("person").get_columns())


def criterion_branches(criterion: EngagementCriterion) -> list[EventTest]:
    """Return the event tests of an engagement criterion (the live engine ignores any other member)."""
    tests = criterion.when.any if isinstance(criterion.when, AnyOf) else [criterion.when]
    return [test for test in tests if isinstance(test, EventTest)]


def occurrences(branches: list[Branch], as_of: int, max_per_day: int | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (the criterion's scoring occurrences at as_of, people it could not decide)."""
    parts, doubtful = [], []
    for item in branches:
        rows, unsure = item.at(as_of)
        doubtful.append(unsure)
        if item.test.count is not None:
            counts = rows.group_by("person").agg(pl.len().cast(pl.Int64).alias("n"))
            enough = counts.filter(count_test(item.test.count, pl.col("n")).fill_null(False))
            rows = rows.join(enough.select("person"), on="person", how="semi", maintain_order="left")
        parts.append(rows)
    if not parts:
        return pl.DataFrame(schema={"person": pl.Int64, "order": pl.Int64, "day": pl.Int32, "age": pl.Float64,
                                    "named": pl.Boolean}), _NOBODY
    found = parts[0] if len(parts) == 1 else (
        pl.concat(parts).unique(["person", "order"]).sort(["person", "order"]))  # an event scores once
    if max_per_day is not None:
        new_day = ((pl.col("person") != pl.col("person").shift(1)) | (pl.col("day") != pl.col("day").shift(1)))
        index = pl.int_range(pl.len(), dtype=pl.Int64)
        start = pl.when(new_day.fill_null(True)).then(index).forward_fill()
        found = found.filter(index - start < max_per_day)
    return found, pl.concat(doubtful).unique()
