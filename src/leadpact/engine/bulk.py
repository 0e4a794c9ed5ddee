"""Activation's vectorised decisions: every open person evaluated at once by the backtest engine, with the stored
evaluation and the move's reasons written out as the live path writes them (`outcome.evaluation_row`, `reasons`).

The backtest equals the live evaluator person for person on what it computes; the few people it cannot decide
the live evaluator's way (an undecidable test, a score a hair from a rounding tie, an undecidable routing rule)
are returned as `deferred`, for the live evaluator itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import polars as pl
from sqlalchemy.engine import Connection

from leadpact.engine.bulk_routing import routes
from leadpact.engine.snapshot import read_snapshot
from leadpact.insights.backtest import fallback, prepare, typed
from leadpact.insights.backtest.history import micros as history_micros
from leadpact.lifecycle import Status, is_allowed
from leadpact.lifecycle.states import BEFORE_HANDOFF
from leadpact.pact import Catalog, CompiledPact, as_utc

# What each open person's row holds, in `evaluation_row`'s column order after person_id and pact_version.
ROW = ["person", "fit_score", "grade", "engagement_score", "persona", "buying_role", "status", "matched", "missing"]


@dataclass(frozen=True)
class BulkDecisions:
    """Every open person decided at once: `frame` has `person`, `from_status`, `to_status` (null: no move), the
    evaluation row's columns (ROW, JSON as text), `reasons` (JSON text) and what the Evaluation is rebuilt from
    (`detail_columns`); `deferred` go to the live evaluator."""

    frame: pl.DataFrame
    deferred: frozenset[int]


def bulk_decisions(
    connection: Connection, compiled: CompiledPact, catalog: Catalog, now: datetime, open_states: list[str],
    *, workers: int = 1,
) -> BulkDecisions:
    """Evaluate every person whose status is open under `compiled` at `now`, in one pass over the database
    (its events read in `workers` slices at once)."""
    history, statuses = read_snapshot(connection, catalog, workers=workers)
    backtest = prepare(compiled, history)
    frame, doubtful = backtest.decided(now)
    frame = frame.join(statuses.rename({"status": "from_status"}), on="person", how="inner").filter(
        pl.col("from_status").is_in(open_states))
    held, tied = _criteria(compiled, frame)
    frame = frame.with_columns(*held)
    deferred = set(doubtful["person"].to_list())
    deferred |= set(frame.filter(pl.any_horizontal([pl.col("near_tie"), *tied]).fill_null(False))["person"])
    frame = frame.join(routes(backtest, frame, history_micros(as_utc(now))), on="person", how="left")
    deferred |= set(frame.filter(pl.col("route_unsure"))["person"].to_list())
    ambiguous = _disqualifier_reasons(compiled) is None
    if ambiguous:  # two disqualifiers share an id (validation forbids it): their reasons are told apart live
        deferred |= set(frame.filter(pl.col("disqualified_by").list.len() > 0)["person"].to_list())
    frame = frame.filter(~pl.col("person").is_in(list(deferred)))
    frame = _with_documents(compiled, _with_moves(frame).with_columns(pl.col("missing").alias("missing_items")))
    columns = ["person", "from_status", "to_status", *ROW[1:], "reasons", *detail_columns(compiled)]
    return BulkDecisions(frame.select(columns).sort("person"), frozenset(deferred))


def detail_columns(compiled: CompiledPact) -> list[str]:
    """The per-criterion, stage, disqualifier, readiness and routing columns an Evaluation is rebuilt from."""
    fit = [f"fit{index}" for index in range(len(compiled.fit))]
    engagement = [f"{kind}{index}" for index in range(len(compiled.engagement)) for kind in ("points", "n")]
    return [*fit, *engagement, "mql", "hot", "disqualified_by", "missing_items", "route"]


def _criteria(compiled: CompiledPact, frame: pl.DataFrame) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Return each engagement criterion's points as the live engine rounds them, and where that rounding is a tie."""
    points, ties = [], []
    for index, _ in enumerate(compiled.engagement):
        raw = f"e{index}"
        points.append(typed.divide((pl.col(raw) * 100).round(0), 100).alias(f"points{index}"))
        ties.append(fallback.near_tie(raw).fill_null(False).alias(f"tie{index}"))
    return points, ties


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_list(parts: list[pl.Expr]) -> pl.Expr:
    """A JSON array of the non-null JSON fragments, in order."""
    if not parts:
        return pl.lit("[]")
    # a null fragment is skipped with its separator: no list column is built row by row
    return pl.concat_str([pl.lit("["), pl.concat_str(parts, separator=",", ignore_nulls=True), pl.lit("]")])


def _mapped(column: str, mapping: dict[Any, str], default: str = "null") -> pl.Expr:
    """A column's values replaced by their JSON text (looked up per distinct value)."""
    return pl.col(column).replace_strict(mapping, default=pl.lit(default), return_dtype=pl.String)


def _disqualifier_reasons(compiled: CompiledPact) -> dict[str, str] | None:
    reasons = {rule.id: rule.reason for rule, _ in compiled.disqualify}
    return reasons if len(reasons) == len(compiled.disqualify) else None


def _lists_as_json(frame: pl.DataFrame, column: str, item: Any) -> pl.Expr:
    """A list column as JSON text (each distinct list written once, its items mapped by `item`)."""
    distinct = frame[column].unique().to_list()
    mapping = {tuple(values): _json([item(v) for v in values]) for values in distinct if values is not None}
    keyed = pl.col(column).list.join("\x1f")
    return keyed.replace_strict({"\x1f".join(k): v for k, v in mapping.items()}, default=pl.lit("[]"),
                                return_dtype=pl.String)


def _with_documents(compiled: CompiledPact, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `matched`, `missing` and `reasons` as the live path stores them, as JSON text."""
    stored, brief = [], []  # the evaluation row's criteria, and the reasons' shorter form
    float_held = []
    for index, (criterion, _) in enumerate(compiled.fit):
        held = pl.col(f"fit{index}")
        points = round(criterion.points, 2)
        stored.append(pl.when(held).then(pl.lit(_json({"section": "fit", "id": criterion.id, "label": criterion.label,
                                                       "points": points, "occurrences": None}))))
        brief.append(pl.when(held).then(pl.lit(_json({"section": "fit", "id": criterion.id, "points": points}))))
        if isinstance(criterion.points, float):
            float_held.append(held)
    for index, rule in enumerate(compiled.engagement):
        criterion, found = rule.criterion, pl.col(f"n{index}").is_not_null()
        points = pl.col(f"points{index}").cast(pl.String)
        head = f'{{"section":"engagement","id":{_json(criterion.id)}'
        stored.append(pl.when(found).then(pl.concat_str([
            pl.lit(f'{head},"label":{_json(criterion.label)},"points":'), points, pl.lit(',"occurrences":'),
            pl.col(f"n{index}").cast(pl.String), pl.lit("}")])))
        brief.append(pl.when(found).then(pl.concat_str([pl.lit(f'{head},"points":'), points, pl.lit("}")])))
    stages = _json_list([pl.when(pl.col(name)).then(pl.lit(_json(name))) for name, _ in compiled.stages])
    reasons_by_id = _disqualifier_reasons(compiled) or {}
    disqualified = _lists_as_json(frame, "disqualified_by", lambda rule: reasons_by_id.get(rule, rule))
    missing = _lists_as_json(frame, "missing", lambda item: item)
    # The live engine adds fit points to an integer 0: the score stays an integer until a float criterion holds.
    fit = pl.when(pl.any_horizontal([pl.lit(False), *float_held])).then(pl.col("fit_score").cast(pl.String)) \
        .otherwise(pl.col("fit_score").cast(pl.Int64).cast(pl.String))
    texts = {column: {v: _json(v) for v in frame[column].unique().to_list() if v is not None}
             for column in ("grade", "persona")}
    return frame.with_columns(
        pl.concat_str([pl.lit('{"criteria":'), _json_list(stored), pl.lit(',"stages":'), stages,
                       pl.lit(',"disqualified_by":'), disqualified, pl.lit(',"errors":[]}')]).alias("matched"),
        pl.concat_str([pl.lit('{"items":'), missing, pl.lit("}")]).alias("missing"),
        pl.concat_str([pl.lit('{"fit_score":'), fit, pl.lit(',"grade":'), _mapped("grade", texts["grade"]),
                       pl.lit(',"engagement_score":'), pl.col("engagement_score").cast(pl.String),
                       pl.lit(',"persona":'), _mapped("persona", texts["persona"]), pl.lit(',"matched":'),
                       _json_list(brief), pl.lit(',"disqualified_by":'), disqualified, pl.lit(',"stages":'), stages,
                       pl.lit(',"missing":'), missing, pl.lit("}")]).alias("reasons"),
    )


def _with_moves(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `to_status`: the target the evaluation points to, where the lifecycle lets the engine move there."""
    # as outcome.target_status: qualified with context missing waits in needs_context
    target = pl.when(pl.col("status").is_in(["mql", "hot"]) & (pl.col("missing").list.len() > 0)) \
        .then(pl.lit(Status.needs_context.value)).otherwise(pl.col("status"))
    frame = frame.with_columns(target.alias("target"))
    pairs = frame.select("from_status", "target").unique()
    allowed = [_earned(current, target) for current, target in pairs.iter_rows()]
    pairs = pairs.with_columns(pl.Series("earned", allowed, dtype=pl.Boolean))
    frame = frame.join(pairs, on=["from_status", "target"], how="left")
    return frame.with_columns(pl.when(pl.col("earned")).then(pl.col("target")).alias("to_status"))


def _earned(current: str, target: str) -> bool:
    """Whether the engine moves a person from `current` to `target` (as `live.decide` does)."""
    source, goal = Status(current), Status(target)
    return source in BEFORE_HANDOFF and goal != source and is_allowed(source, goal, automatic=True)
