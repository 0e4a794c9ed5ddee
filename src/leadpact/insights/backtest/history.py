"""A replayable history: events already attributed to people, the people's facts and the content catalog.

Events are one frame sorted by (person, order), where `order` follows (timestamp, arrival) as the live
engine orders a person's events; timestamps are integer microseconds since the epoch (UTC), so ages
and UTC days are computed exactly as the live engine computes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import polars as pl

from leadpact.insights.backtest import typed
from leadpact.insights.backtest.documents import Documents
from leadpact.pact import Catalog
from leadpact.pact.conditions import event_key

US_PER_DAY = 86_400_000_000
EVENT_SCHEMA = {"person": pl.Int64, "order": pl.Int64, "arrival": pl.Int64, "ts": pl.Int64, "day": pl.Int32,
                "key": pl.Categorical, "props": pl.UInt32, "hint": pl.Categorical}
# Context documents are large and rarely needed (a `where` on context.X, a page path only the context
# holds): they are loaded for the rows that need them, by arrival number.
ContextLoader = Callable[[pl.Series], pl.DataFrame]


@dataclass(frozen=True)
class LiveInputs:
    """What the live evaluator reads for one person: their facts, account and events."""

    person: Mapping[str, Any]
    account: Mapping[str, Any] | None
    events: list[Mapping[str, Any]]


class FactSource(Protocol):
    """Where people's and accounts' facts come from (the database, or a resolved export)."""

    def fields(self, paths: Sequence[str]) -> pl.DataFrame:
        """Return `person` and the typed columns of each `person.X` / `account.X` path, one row per person."""
        ...

    def live_inputs(self, people: Sequence[int]) -> dict[int, LiveInputs]:
        """Return the live evaluator's inputs for a few people (those the vectorised faces cannot decide)."""
        ...


@dataclass
class History:
    """Events (see EVENT_SCHEMA), distinct properties documents, people and where facts come from."""

    events: pl.DataFrame
    properties: Documents
    load_contexts: ContextLoader  # arrivals → arrival, context_json
    people: pl.DataFrame  # person, key
    facts: FactSource
    catalog: Catalog
    # True when `hint` holds the raw properties.path, else context.page.path (the export's `path` column)
    path_hint: bool = False
    _by_key: dict[str, pl.DataFrame] | None = field(default=None, repr=False)
    first_problem: pl.DataFrame | None = field(default=None, repr=False)  # person, problem_ts (see annotate)

    def annotate(self) -> None:
        """Mark events naming a page or asset and note each person's first problem-stating asset (for readiness)."""
        if "named" in self.events.columns:
            return
        from leadpact.insights.backtest import readiness

        events = self.all_events()
        named, self.first_problem = readiness.event_assets(self)
        self.events = events.with_columns(named)  # in the order of all_events()
        self._by_key = None

    def by_key(self, key: str) -> pl.DataFrame:
        """Return the events with one event key (track name or type, case-folded), sorted by person and order."""
        if self._by_key is None:
            # keys arrive as categoricals; partition keys come back as their text
            self._by_key = {str(k): part for (k,), part in self.events.partition_by("key", as_dict=True).items()}
            self.events = self.events.clear()  # the partitions hold every event: not a second copy of millions
        return self._by_key.get(key, self.events.clear())

    def all_events(self) -> pl.DataFrame:
        """Return every event, sorted by person and order (from the partitions once they are made)."""
        if self._by_key is None:
            return self.events
        return pl.concat(list(self._by_key.values())).sort(["person", "order"])

    def with_contexts(self, rows: pl.DataFrame) -> tuple[pl.DataFrame, Documents]:
        """Return `rows` with a `context` document code, and those documents."""
        texts = self.load_contexts(rows["arrival"].unique())
        texts, documents = Documents.encode(texts, "context_json", "context")
        return rows.join(texts, on="arrival", how="left", maintain_order="left"), documents

    def event_field(self, rows: pl.DataFrame, path: str) -> pl.DataFrame:
        """Return `rows` with the typed columns of `properties.X` or `context.X` joined on."""
        root, _, rest = path.partition(".")
        if not rest or root not in ("properties", "context"):
            return rows.with_columns(typed.absent(path))
        if root == "properties":
            values, on = self.properties.field(path, rest.split("."), "props"), "props"
        else:
            rows, documents = self.with_contexts(rows.drop("context", strict=False))
            values, on = documents.field(path, rest.split("."), "context"), "context"
        return rows.join(values, on=on, how="left", maintain_order="left").with_columns(
            pl.col(typed.names(path)["k"]).fill_null(typed.ABSENT))


def keyed_events(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the event key the live engine indexes by: the track name, or the type, stripped and case-folded."""
    pairs = frame.select("type", "event").unique()
    keys = []
    for kind, name in pairs.select(pl.all().cast(pl.String)).iter_rows():
        kind = kind or ("track" if name else "")
        value = name if kind == "track" else kind
        keys.append(event_key(value if isinstance(value, str) else str(value or "")))
    mapping = pairs.with_columns(pl.Series("key", keys, dtype=pl.String).cast(pl.Categorical))
    return frame.join(mapping, on=["type", "event"], how="left", nulls_equal=True, maintain_order="left")


def finish_events(frame: pl.DataFrame, *, ordered: bool = False) -> pl.DataFrame:
    """Order events by (timestamp, arrival), number them, and sort by person: the frame every step reads."""
    if not ordered:
        frame = frame.sort(["ts", "arrival"], maintain_order=True)
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("order"))
    frame = frame.with_columns((pl.col("ts") // US_PER_DAY).cast(pl.Int32).alias("day"))
    for name, dtype in EVENT_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(name))
    # rows are in `order` already: a stable sort by person alone gives (person, order) in half the time of both keys
    return frame.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA).sort(  # type: ignore[arg-type]
        "person", maintain_order=True)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Return an aware datetime as integer microseconds since the epoch (exact, before 1970 too)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def as_micros(column: pl.Expr) -> pl.Expr:
    """Return a UTC datetime column as integer microseconds since the epoch."""
    return column.dt.epoch("us").cast(pl.Int64)
