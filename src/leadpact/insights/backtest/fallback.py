"""The few people the vectorised faces cannot decide exactly as the live engine does go to the live engine.

Two cases: a tested value is an object or a list (the live engine reports an error and the test fails,
with short-circuits that depend on order), and an engagement score within a hair of a rounding tie at
two decimals (Polars sums in another order than Python, which can move the last bit). Both are rare in
real histories; the live evaluator's answer for them is the answer by definition.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from leadpact.insights.backtest import typed
from leadpact.pact import evaluate

if TYPE_CHECKING:
    from leadpact.insights.backtest.engine import Backtest


def rounded(column: str) -> pl.Expr:
    """Return the score rounded to 2 decimals (exact away from ties; ties go to the live engine)."""
    return typed.divide((pl.col(column) * 100).round(0), 100).alias("engagement_score")


def near_tie(column: str) -> pl.Expr:
    """Return whether a score is close enough to a rounding tie that summation order could matter."""
    scaled = pl.col(column) * 100
    distance = (scaled - scaled.floor() - 0.5).abs()
    return (distance < 1e-7 + scaled.abs() * 1e-10).alias("near_tie")


def settle(backtest: Backtest, frame: pl.DataFrame, doubtful: pl.DataFrame, moment: datetime) -> pl.DataFrame:
    """Return `frame` with the undecidable and near-tie people replaced by the live evaluator's results."""
    ids = set(doubtful["person"].to_list()) | set(frame.filter(pl.col("near_tie"))["person"].to_list())
    backtest.live = {"undecidable": doubtful.height, "near_tie": int(frame["near_tie"].sum()), "total": len(ids)}
    if not ids:
        return frame
    inputs = backtest.history.facts.live_inputs(sorted(ids))
    keys = dict(frame.filter(pl.col("person").is_in(list(ids))).select("person", "key").iter_rows())
    rows = []
    for person, given in inputs.items():
        result = evaluate(backtest.compiled, person=given.person, account=given.account, events=given.events,
                          content=backtest.history.catalog, as_of=moment)
        rows.append(_row(person, keys.get(person), result))
    live = pl.DataFrame(rows, schema=_SCHEMA)
    kept = frame.filter(~pl.col("person").is_in(list(inputs)))
    return pl.concat([kept.select(list(_SCHEMA)), live]).sort("person")


_SCHEMA = {"person": pl.Int64, "key": pl.String, "fit_score": pl.Float64, "grade": pl.String, "persona": pl.String,
           "buying_role": pl.Boolean, "engagement_score": pl.Float64, "status": pl.String, "mql": pl.Boolean,
           "hot": pl.Boolean, "disqualified_by": pl.List(pl.String), "missing": pl.List(pl.String)}


def _row(person: int, key: str | None, result: Any) -> dict[str, Any]:
    return {"person": person, "key": key, "fit_score": float(result.fit_score), "grade": result.grade,
            "persona": result.persona, "buying_role": result.buying_role,
            "engagement_score": float(result.engagement_score), "status": result.status,
            "mql": "mql" in result.stages, "hot": "hot" in result.stages,
            "disqualified_by": [d.id for d in result.disqualified_by], "missing": list(result.missing)}
