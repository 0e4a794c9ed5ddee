"""Activation's writes for one chunk of people, as `live.apply_decisions` makes them: every evaluation row in one
statement, the moves through the lifecycle in one set, then the engine's listeners for each move."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from leadpact.db import driver_params, json_text, placeholder
from leadpact.engine import live
from leadpact.engine.bulk import ROW
from leadpact.engine.live import AWAITING_HANDOFF, Decision
from leadpact.engine.outcome import evaluation_row, reasons
from leadpact.lifecycle import SYSTEM
from leadpact.lifecycle.service import EncodedMove, Move, apply_moves
from leadpact.pact import Evaluation
from leadpact.pact.models import Evaluation as EvaluationRow
from leadpact.wiring import installed

COLUMNS = ["person_id", "pact_version", "fit_score", "grade", "engagement_score", "persona", "buying_role", "status",
           "matched", "missing", "evaluated_at"]
JSON_COLUMNS = ("matched", "missing")


def write_chunk(session: Session, *, bulk: pl.DataFrame, decisions: list[Decision], version: int, now: datetime,
                evaluations: dict[int, Evaluation]) -> dict[str, int]:
    """Store the evaluations of a chunk (rows decided in bulk, and decisions of the live evaluator), make its
    moves, tell the listeners of each and of the people left awaiting a handoff (with `evaluations` of those decided
    in bulk); return the moves counted by kind."""
    connection = session.connection()
    stamp = driver_params(connection, EvaluationRow.__table__, ["evaluated_at"], [{"evaluated_at": now}])[0][0]
    # Polars builds the row tuples itself: unpacking and repacking them in Python costs more than the statement
    rows = bulk.select(pl.col(ROW[0]), pl.lit(version).alias("version"), *ROW[1:],
                       pl.lit(stamp).alias("evaluated_at")).rows()
    for d in decisions:
        row = evaluation_row(d.person_id, version, d.evaluation, now)
        rows.append((*(row[c] for c in COLUMNS[:8]), *(json_text(row[c]) for c in JSON_COLUMNS), stamp))
    rows.sort(key=lambda row: row[0])
    _upsert(connection, rows)
    moving = bulk.filter(pl.col("to_status").is_not_null()).select("person", "from_status", "to_status", "reasons")
    # the reasons stay text unless a listener reads them: decoding and encoding again gives the same text
    moves: list[Move] = [EncodedMove(person, source, target, why) for person, source, target, why in moving.rows()]
    live_moves = [d for d in decisions if d.to_status is not None]
    moves += [Move(d.person_id, d.from_status, d.to_status or "", reasons(d.evaluation), None) for d in live_moves]
    moves.sort(key=lambda m: m.person_id)
    apply_moves(session=session, moves=moves, at=now, actor=SYSTEM, pact_version=version)
    if installed().engine_moved:
        decided = {d.person_id: d.evaluation for d in decisions}
        # `evaluations` holds the bulk decisions some listener hears of (moves, and people left awaiting a
        # handoff); the others are nobody's business.
        heard = [(m.person_id, m.from_status, m.to_status) for m in moves
                 if m.person_id in decided or m.person_id in evaluations]
        heard += [(d.person_id, d.from_status, d.from_status) for d in decisions
                  if d.to_status is None and d.from_status in AWAITING_HANDOFF]
        staying = bulk.filter(pl.col("to_status").is_null() & pl.col("from_status").is_in(list(AWAITING_HANDOFF)))
        heard += [(person, source, source) for person, source in staying.select("person", "from_status").rows()
                  if person in evaluations]
        heard.sort(key=lambda h: h[0])
        live.tell_listeners(
            session,
            [(person, source, target, decided[person] if person in decided else evaluations[person])
             for person, source, target in heard],
            now,
        )
    counted: dict[str, int] = {}
    for m in moves:
        kind = f"{m.from_status}→{m.to_status}"
        counted[kind] = counted.get(kind, 0) + 1
    return counted


def _upsert(connection: Any, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace the evaluation rows in one executemany, JSON columns passed as text."""
    if not rows:
        return
    mark = placeholder(connection)
    postgres = connection.dialect.name == "postgresql"
    values = [f"CAST({mark} AS JSONB)" if postgres and c in JSON_COLUMNS else mark for c in COLUMNS]
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    connection.exec_driver_sql(
        f"INSERT INTO {EvaluationRow.__tablename__} ({', '.join(COLUMNS)}) VALUES ({', '.join(values)}) "
        f"ON CONFLICT (person_id) DO UPDATE SET {updates}", rows)
