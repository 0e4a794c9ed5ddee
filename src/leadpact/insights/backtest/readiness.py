"""Readiness, vectorised: which of the brief's questions cannot be answered yet (SPEC §4, missing context).

`engagement` needs a scored event naming a page or an asset; `problem` needs any event (up to as_of)
whose catalog asset states a problem. Both rest on per-event facts that do not depend on as_of, so
they are computed once per history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from leadpact.insights.backtest import typed
from leadpact.insights.backtest.history import History
from leadpact.insights.backtest.labels import labels
from leadpact.pact.catalog import event_asset_id, normalise_path
from leadpact.pact.values import is_missing

OWN, FROM_HINT, FROM_CONTEXT = 0, 1, 2
NO_CODE = 0xFFFFFFFF  # a missing document or hint in a pair code (codes are 32-bit and never this many)


def _properties(document: Any) -> Any:
    return document or {}


def _own_path(document: Any) -> str | None:
    properties = _properties(document)
    path = properties.get("path") if isinstance(properties, Mapping) else None
    return None if is_missing(path) else normalise_path(path)


def _need(document: Any) -> int:
    properties = _properties(document)
    path = properties.get("path") if isinstance(properties, Mapping) else None
    if not is_missing(path):
        return OWN
    # with no path at all the export's `path` column holds context.page.path; a blank one it copied as is
    return FROM_HINT if path is None else FROM_CONTEXT


def _asset_id(document: Any) -> str | None:
    return event_asset_id({"properties": document})


def _context_path(document: Any) -> str | None:
    context = document or {}
    page = context.get("page") if isinstance(context, Mapping) else None
    return normalise_path(page.get("path") if isinstance(page, Mapping) else None)


def _normalised(values: pl.Series) -> pl.DataFrame:
    distinct = values.drop_nulls().unique()
    return pl.DataFrame({"hint": distinct, "hint_path": [normalise_path(v) for v in distinct.to_list()]},
                        schema={"hint": pl.String, "hint_path": pl.String})


def _paths(history: History, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `need`, `path` (normalised; null where the context must tell) and `asset_id` to rows with props/hint."""
    docs = history.properties
    frame = frame.join(docs.table("props", derived={"own_path": (_own_path, pl.String()), "need": (_need, pl.Int8()),
                                                    "asset_id": (_asset_id, pl.String())}),
                       on="props", how="left", maintain_order="left")
    frame = frame.with_columns(pl.col("need").fill_null(FROM_HINT))  # no properties at all: like no path
    if not history.path_hint:
        frame = frame.with_columns(pl.when(pl.col("need") == FROM_HINT).then(FROM_CONTEXT)
                                   .otherwise(pl.col("need")).alias("need"))
    hints = _normalised(frame.filter(pl.col("need") == FROM_HINT)["hint"].cast(pl.String))
    frame = frame.join(hints.with_columns(pl.col("hint").cast(pl.Categorical)), on="hint", how="left",
                       maintain_order="left")
    path = pl.when(pl.col("need") == OWN).then(pl.col("own_path")).when(pl.col("need") == FROM_HINT).then(
        pl.col("hint_path"))
    return frame.with_columns(path.alias("path"))


def _looked_up(history: History, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `named` (a page or asset) and `problem` (its catalog asset states one) to rows with path/asset_id."""
    ids, paths = _catalog_frames(history)
    frame = frame.join(ids, on="asset_id", how="left", maintain_order="left").join(
        paths, on="path", how="left", maintain_order="left")
    return frame.with_columns(
        pl.when(pl.col("by_id").is_not_null()).then(pl.col("id_problem"))
        .otherwise(pl.col("path_problem").fill_null(False)).alias("problem"),
        (pl.col("path").is_not_null() | pl.col("asset_id").is_not_null()).alias("named"))


def _pair() -> pl.Expr:
    """One integer per (properties document, path hint): a one-column key costs far less over millions of events."""
    props = pl.col("props").cast(pl.UInt64).fill_null(NO_CODE)
    hint = pl.col("hint").to_physical().cast(pl.UInt64).fill_null(NO_CODE)
    return (props * (1 << 32) + hint).alias("pair")


def event_assets(history: History) -> tuple[pl.Series, pl.DataFrame]:
    """Return `named` for every event of `all_events()` (it names a page or an asset) and each person's first
    event whose catalog asset states a problem (person, problem_ts)."""
    # both depend only on the properties document and the path hint (save where the context must be read):
    # decided once per distinct (document, hint) pair, then per event for those few
    events = history.all_events()
    pair = events.select(_pair()).to_series()
    firsts = pair.arg_unique()
    pairs = _looked_up(history, _paths(history, events.select("props", "hint").gather(firsts)
                                       .with_columns(pair.gather(firsts))))
    named = pair.is_in(pairs.filter(pl.col("named"))["pair"].implode())
    problem = pair.is_in(pairs.filter(pl.col("problem"))["pair"].implode())
    needy = pair.is_in(pairs.filter(pl.col("need") == FROM_CONTEXT)["pair"].implode())
    if needy.any():
        rows = needy.arg_true()
        fixed, contexts = history.with_contexts(events.select("arrival", "props", "hint").gather(rows))
        fixed = _paths(history, fixed.select("arrival", "props", "hint", "context")).join(
            contexts.derived("context_path", _context_path, pl.String, "context"), on="context", how="left",
            maintain_order="left")
        fixed = _looked_up(history, fixed.with_columns(pl.col("context_path").alias("path")))
        named, problem = named.scatter(rows, fixed["named"]), problem.scatter(rows, fixed["problem"])
    first = (events.select("person", "ts").filter(problem).group_by("person")
             .agg(pl.col("ts").min().alias("problem_ts")))
    return named.alias("named"), first


def _catalog_frames(history: History) -> tuple[pl.DataFrame, pl.DataFrame]:
    catalog = history.catalog
    ids = pl.DataFrame({"asset_id": list(catalog.by_id), "by_id": [True] * len(catalog.by_id),
                        "id_problem": [not is_missing(a.get("problem")) for a in catalog.by_id.values()]},
                       schema={"asset_id": pl.String, "by_id": pl.Boolean, "id_problem": pl.Boolean})
    paths = pl.DataFrame({"path": list(catalog.by_path),
                          "path_problem": [not is_missing(a.get("problem")) for a in catalog.by_path.values()]},
                         schema={"path": pl.String, "path_problem": pl.Boolean})
    return ids, paths


def missing_items(require: tuple[str, ...], *, has_persona: pl.Expr) -> pl.Expr:
    """Return the list of readiness items not answered, in the pact's order (needs `named` and `problem_ok`)."""
    answered = {
        "company": ~typed.missing("account.name"),
        "industry": ~typed.missing("account.industry"),
        "company_size": ~typed.missing("account.employees"),
        "role": has_persona | ~typed.missing("person.title"),
        "engagement": pl.col("named"),
        "problem": pl.col("problem_ok"),
    }
    # an item whose answer is null counts as missing
    return labels([(item, pl.when(answered[item]).then(pl.lit(False)).otherwise(pl.lit(True))) for item in require])


READINESS_FIELDS = ("account.name", "account.industry", "account.employees", "person.title", "person.email")
