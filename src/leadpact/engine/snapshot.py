"""Every person's stored history, read for activation in one pass through the driver, as a backtest History.

It holds what `leadpact.insights.backtest.read_database` reads, with two differences that make it fast enough to
re-evaluate 100,000 people in seconds: rows come straight from the driver into Polars (no ORM or SQLAlchemy row
processing), and an event without its own page path carries `context.page.path` picked out by the database, so
readiness needs no context document (`path_hint`). It reads through the caller's connection, so it sees the
caller's transaction as the live evaluator does; only the slices of a large SQLite file's events that helper
processes read (slices.py) come from what is committed, which is the same, as activation writes no events.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import polars as pl
from sqlalchemy.engine import Connection

from leadpact.db import fetch_rows
from leadpact.engine.inputs import ACCOUNT_COLUMNS, PERSON_COLUMNS
from leadpact.engine.slices import Slices, by_batches
from leadpact.insights.backtest.database import DatabaseFacts
from leadpact.insights.backtest.documents import Documents
from leadpact.insights.backtest.history import History, finish_events, keyed_events
from leadpact.pact import Catalog

# The schemas DatabaseFacts reads (see leadpact.insights.backtest.database).
PEOPLE = {"person": pl.Int64, "account": pl.Int64, "traits": pl.String, "company_name": pl.String,
          **{column: pl.String for column in PERSON_COLUMNS}, "status": pl.String}
ACCOUNTS = {"account": pl.Int64, "traits": pl.String, "domain": pl.String, "name": pl.String, "industry": pl.String,
            "employees": pl.Int64, "country": pl.String, "owner": pl.Int64}
EVENTS = {"arrival": pl.Int64, "person": pl.Int64, "type": pl.String, "event": pl.String, "timestamp": pl.String,
          "properties": pl.String, "hint": pl.String}
CONTEXT_CHUNK = 5_000
Meanwhile = TypeVar("Meanwhile")
TEXT_FORM = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"  # as db.UtcDateTime writes a timestamp on SQLite
MMAP_SIZE = 1 << 40  # SQLite caps it at its own limit (2 GB unless built otherwise)

# Per dialect: a JSON column as text, the timestamp (text on SQLite, microseconds on PostgreSQL), and the event's
# context.page.path where its properties hold no path at all (readiness then names the page by it).
_SQLITE = {
    "json": "{}",
    "time": "timestamp",
    "hint": "CASE WHEN coalesce(json_type(properties, '$.path'), 'null') = 'null' "
            "AND json_type(context, '$.page.path') = 'text' THEN json_extract(context, '$.page.path') END",
}
_POSTGRES = {
    "json": "{}::text",
    # whole seconds and microseconds apart: exact whether extract() answers numeric (PostgreSQL 14+) or double
    "time": "extract(epoch FROM date_trunc('second', timestamp))::bigint * 1000000 "
            "+ mod(extract(microseconds FROM timestamp)::bigint, 1000000)",
    "hint": "CASE WHEN coalesce(jsonb_typeof(properties -> 'path'), 'null') = 'null' "
            "AND jsonb_typeof(context -> 'page' -> 'path') = 'string' THEN context -> 'page' ->> 'path' END",
}


def read_snapshot(connection: Connection, catalog: Catalog, *, workers: int = 1) -> tuple[History, pl.DataFrame]:
    """Return the history of every person (attributed events, facts, the catalog) and each person's status;
    with `workers` > 1 the events of a SQLite file are read in as many slices at once."""
    sql = _SQLITE if connection.dialect.name == "sqlite" else _POSTGRES
    paused = gc.isenabled()
    gc.disable()  # millions of fresh row tuples would set off full collections over and over, finding nothing
    try:
        # people and accounts are read while helper processes still read their slices of the events
        events, (people, accounts) = _events(connection, sql, workers, lambda: _people_and_accounts(connection, sql))
    finally:
        if paused:
            gc.enable()
    events = events.with_columns(_micros(connection, events["timestamp"]).alias("ts")).drop("timestamp")
    events, properties = Documents.encode(keyed_events(events), "properties", "props")
    keys = people.select("person", pl.coalesce("email", "user_id", pl.col("person").cast(pl.String)).alias("key"))

    def contexts(arrivals: pl.Series) -> pl.DataFrame:
        """Return the stored context documents of some events (a blank properties.path, a `where` on context)."""
        ids, parts = arrivals.to_list(), []
        for start in range(0, len(ids), CONTEXT_CHUNK):
            chunk = ids[start:start + CONTEXT_CHUNK]
            marks = ", ".join(["?" if connection.dialect.paramstyle == "qmark" else "%s"] * len(chunk))
            parts.append(_fetch(connection, f"SELECT id, {sql['json'].format('context')} FROM events "
                                            f"WHERE id IN ({marks})", {"arrival": pl.Int64, "context_json": pl.String},
                                tuple(chunk)))
        return pl.concat(parts) if parts else pl.DataFrame(schema={"arrival": pl.Int64, "context_json": pl.String})

    facts = DatabaseFacts(connection, people.drop("status"), accounts)  # type: ignore[arg-type]
    history = History(events=finish_events(events), properties=properties, load_contexts=contexts,
                      people=keys.sort("person"), facts=facts, catalog=catalog, path_hint=True)
    return history, people.select("person", "status")


def _people_and_accounts(connection: Connection, sql: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    # read by row: integer keys, text columns (SQLite stores a number given to one as text), traits (an object)
    people = _fetch(connection, f"SELECT id, account_id, {sql['json'].format('traits')}, company_name, "
                                f"{', '.join(PERSON_COLUMNS)}, status FROM people", PEOPLE, by_row=True)
    accounts = _fetch(connection, f"SELECT id, {sql['json'].format('traits')}, {', '.join(ACCOUNT_COLUMNS)}, "
                                  "owner_rep_id FROM accounts", ACCOUNTS)
    return people, accounts


def _events(connection: Connection, sql: dict[str, str], workers: int,
            meanwhile: Callable[[], Meanwhile]) -> tuple[pl.DataFrame, Meanwhile]:
    """Every attributed event's row, and what `meanwhile` returns; on a SQLite file with `workers` > 1, read in as
    many slices of ids at once, one on the caller's connection (then `meanwhile` runs) and the others by helper
    processes (see slices.py), which see what is committed: the same here, as activation's own transaction
    writes no events."""
    stamps = pl.String if connection.dialect.name == "sqlite" else pl.Int64
    # read by row: integer keys, text columns (SQLite stores a number given to one as text), the properties
    # (an object) and the hint (text by its own test)
    query = (f"SELECT id, person_id, type, event, {sql['time']}, {sql['json'].format('properties')}, {sql['hint']} "
             "FROM events WHERE person_id IS NOT NULL")
    schema = {**EVENTS, "timestamp": stamps}
    database = connection.engine.url.database or ""
    on_file = connection.dialect.name == "sqlite" and database not in ("", ":memory:") and \
        not database.startswith("file:")
    # min and max apart: SQLite looks either up in the index alone, but scans the table for both at once
    low, high = connection.exec_driver_sql("SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)") \
        .one() if on_file else (None, None)
    if workers <= 1 or low is None:
        with _mapped(connection):
            return _fetch(connection, query, schema, by_row=True), meanwhile()
    step = (high - low) // workers + 1
    bounds = [(low + n * step, low + (n + 1) * step - 1) for n in range(workers)]
    sliced = f"{query} AND id BETWEEN ? AND ?"
    helpers = Slices(database, sliced, schema, bounds[1:])
    try:
        with _mapped(connection):
            first = _fetch(connection, sliced, schema, bounds[0], by_row=True)
        also = meanwhile()
        others = helpers.frames()
    finally:
        helpers.close()
    # a slice whose helper failed is read here: slower, the same rows
    return pl.concat([first, *[frame if frame is not None else _fetch(connection, sliced, schema, bound, by_row=True)
                                for frame, bound in zip(others, bounds[1:], strict=True)]]), also


@contextmanager
def _mapped(connection: Connection) -> Iterator[None]:
    """Let SQLite read the database file through memory mapping for a while (a scan of every event reads
    it all: mapping saves copying each page); other backends are left as they are."""
    if connection.dialect.name != "sqlite":
        yield
        return
    (before,) = connection.exec_driver_sql("PRAGMA mmap_size").one()
    connection.exec_driver_sql(f"PRAGMA mmap_size = {MMAP_SIZE}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size = {int(before)}")


def _fetch(connection: Connection, sql: str, schema: dict[str, Any], parameters: tuple[Any, ...] = (), *,
           by_row: bool = False) -> pl.DataFrame:
    """Run a query through the driver and return its rows as a frame, column by column; `by_row` hands Polars the
    rows as they come (500,000 events' frame in 0.5-0.6 s of CPU instead of 0.8-1.0 s), for columns whose stored
    type is certain: it casts a value of another type where the column by column build refuses it."""
    if by_row:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, parameters) if parameters else cursor.execute(sql)
            return by_batches(cursor, schema)
        finally:
            cursor.close()
    rows = fetch_rows(connection, sql, parameters or None)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pl.DataFrame([pl.Series(name, values, dtype=dtype) for (name, dtype), values in
                         zip(schema.items(), columns, strict=True)])


def _micros(connection: Connection, stamps: pl.Series) -> pl.Series:
    """Return event timestamps as integer microseconds since the epoch (UTC)."""
    if stamps.dtype == pl.Int64:
        return stamps
    # SQLite holds SQLAlchemy's text form: read by position (a third of the cost of parsing each whole); any
    # other form, or an impossible day or time, is parsed as before
    parsed = _by_position(stamps)
    rest = parsed.is_null() & stamps.is_not_null()
    if not rest.any():
        return parsed
    return parsed.scatter(rest.arg_true(), _parsed(connection, stamps.filter(rest)))


def _by_position(stamps: pl.Series) -> pl.Series:
    """Microseconds of the timestamps in SQLAlchemy's text form, `YYYY-MM-DD HH:MM:SS.ffffff`; null for the rest."""
    text = pl.col("stamp")

    def number(start: int, length: int) -> pl.Expr:
        return text.str.slice(start, length).cast(pl.Int64, strict=False)

    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).cast(pl.Int64)
    micros = day * 86_400_000_000 + hour * 3_600_000_000 + minute * 60_000_000 + second * 1_000_000 + number(20, 6)
    valid = text.str.contains(TEXT_FORM) & (hour < 24) & (minute < 60) & (second < 60)
    return stamps.to_frame("stamp").lazy().select(pl.when(valid).then(micros).alias("ts")).collect().to_series()


def _parsed(connection: Connection, stamps: pl.Series) -> pl.Series:
    """Microseconds of timestamps in any form the ORM reads."""
    # Polars parses SQLAlchemy's form with any number of decimals; the odd other form is parsed as the ORM would.
    parsed = stamps.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", strict=False).dt.epoch("us")
    odd = parsed.is_null() & stamps.is_not_null()
    if not odd.any():
        return parsed
    from leadpact.ingest.models import Event

    read = Event.__table__.c.timestamp.type._cached_result_processor(connection.dialect, None)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    fixed = [None if text is None else (read(text) - epoch) // timedelta(microseconds=1) for text in stamps.filter(odd)]
    return parsed.scatter(odd.arg_true(), pl.Series(fixed, dtype=pl.Int64))
