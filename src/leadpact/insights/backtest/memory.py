"""A history from people already in memory, in the live evaluator's own shapes (person, account, events):
for tests, and for callers that hold resolved people (e.g. `leadpact.pact.resolve`'s output)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from leadpact.insights.backtest import derived, typed
from leadpact.insights.backtest.documents import Documents
from leadpact.insights.backtest.history import History, LiveInputs, finish_events, micros
from leadpact.pact import Catalog, as_utc
from leadpact.pact.conditions import event_key

Person = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, Sequence[Mapping[str, Any]]]


class MemoryFacts:
    """Facts read from the person and account mappings exactly as the live engine's field readers read them."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.people = people

    def fields(self, paths: Sequence[str]) -> pl.DataFrame:
        """Return person and the typed columns of each person/account path."""
        wanted = sorted(set(paths) | {"person.email", "person.email_domain"})
        columns: dict[str, pl.Series] = {"person": pl.Series(range(len(self.people)), dtype=pl.Int64)}
        for path in wanted:
            root, _, rest = path.partition(".")
            keys = rest.split(".")
            values = []
            for person, account, _ in self.people:
                data = (person or {}) if root == "person" else account
                present, value = typed.read_path(data, keys) if data is not None else (False, None)
                values.append(value if present else typed.MISSING)
            columns.update(typed.columns(values, path))
        frame = derived.with_email_domain(pl.DataFrame(columns)).drop("derived_domain", "business")
        return frame.select("person", *[c for c in frame.columns if c.split("#")[0] in set(paths) | {"person.email"}])

    def live_inputs(self, people: Sequence[int]) -> dict[int, LiveInputs]:
        """Return the given mappings themselves."""
        return {i: LiveInputs(self.people[i][0] or {}, self.people[i][1], list(self.people[i][2])) for i in people}


def _micros(moment: Any) -> int | None:
    try:
        stamp = as_utc(moment)
    except (AttributeError, TypeError, ValueError):
        return None  # the live engine leaves out an event with no readable timestamp
    return micros(stamp)


def _key(event: Mapping[str, Any]) -> str:
    kind = event.get("type") or ("track" if event.get("event") else "")
    name = event.get("event") if kind == "track" else kind
    return event_key(name if name.__class__ is str else str(name or ""))


def history_of(people: Sequence[Person], catalog: Catalog | Mapping[str, Mapping[str, Any]] | None = None,
               keys: Sequence[str] | None = None) -> History:
    """Return a history of people given as (person, account, events) in the live evaluator's shapes."""
    rows: dict[str, list[Any]] = {"person": [], "arrival": [], "ts": [], "key": []}
    properties, contexts = [], []
    for index, (_, _, events) in enumerate(people):
        for event in events:
            micros = _micros(event.get("timestamp"))
            if micros is None:
                continue
            rows["person"].append(index)
            rows["arrival"].append(len(properties))
            rows["ts"].append(micros)
            rows["key"].append(_key(event))
            properties.append(event.get("properties"))
            contexts.append(json.dumps(event.get("context"), default=str))
    frame = pl.DataFrame(rows, schema={"person": pl.Int64, "arrival": pl.Int64, "ts": pl.Int64, "key": pl.String})
    frame = frame.with_columns(pl.col("arrival").cast(pl.UInt32).alias("props"),
                               pl.lit(None, pl.Categorical).alias("hint"))
    texts = pl.DataFrame({"arrival": range(len(contexts)), "context_json": contexts},
                         schema={"arrival": pl.Int64, "context_json": pl.String})

    def load(arrivals: pl.Series) -> pl.DataFrame:
        """Return the context texts of some events."""
        return texts.join(arrivals.cast(pl.Int64).to_frame("arrival"), on="arrival", how="semi")

    names = list(keys) if keys is not None else [str(i) for i in range(len(people))]
    table = pl.DataFrame({"person": range(len(people)), "key": names}, schema={"person": pl.Int64, "key": pl.String})
    return History(events=finish_events(frame), properties=Documents.of_values(properties), load_contexts=load,
                   people=table, facts=MemoryFacts(people), catalog=Catalog.of(catalog))
