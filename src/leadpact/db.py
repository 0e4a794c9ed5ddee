"""The database: engine, session scope, declarative Base and migrations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, SmallInteger, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from leadpact import checkpoints
from leadpact.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: leadpact stores aware UTC only")
        value = value.astimezone(UTC)
        # SQLite has no zone type: store naive UTC so text comparison orders correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite stores SQLAlchemy's text form; writing it directly is several times faster than two layers.
        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                if value.tzinfo is None:
                    raise ValueError(f"naive datetime {value!r}: leadpact stores aware UTC only")
                value = value.astimezone(UTC)
            # SQLAlchemy's exact text form, built from the fields: faster than strftime, and than an aware
            # isoformat (which asks the zone for its offset) or a naive copy.
            return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - twice as fast as an f-string here
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
            )

        return to_text

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


# JSONB on PostgreSQL (indexable), plain JSON elsewhere.
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base for every leadpact table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JsonDoc}


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for `url` (default: LEADPACT_DATABASE_URL), tuned for the backend."""
    url = normalise_url(url or get_settings().database_url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_text,
            json_deserializer=orjson.loads,
        )

        database = engine.url.database
        on_file = bool(database) and database != ":memory:" and not database.startswith("file:")
        if on_file:
            checkpoints.watch(database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers run beside the single writer; NORMAL sync is durable across app crashes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Checkpoints run on a background thread (leadpact.checkpoints), not inside a writer's commit.
            cursor.execute(f"PRAGMA wal_autocheckpoint={0 if on_file else 8000}")
            cursor.execute("PRAGMA journal_size_limit=67108864")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )


def fold_log(engine: Engine | None = None) -> None:
    """At the end of a run, fold a SQLite file's write-ahead log into the database file (PostgreSQL: nothing)."""
    engine = engine or get_engine()
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        checkpoints.fold(database)


def json_text(value: Any) -> str:
    """A JSON document as the database stores it (orjson: several times faster than the standard library on the
    event documents ingest writes)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """Return the shared engine for `url` (one per URL per process)."""
    key = normalise_url(url or get_settings().database_url)
    if key not in _engines:
        _engines[key] = make_engine(key)
    return _engines[key]


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` that keeps objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """Yield a session whose work commits on success and rolls back on error: the caller owns the transaction."""
    session = session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(engine: Engine | None = None) -> str:
    """Create or upgrade the schema to the newest migration and return the revision reached."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    engine = engine or get_engine()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def insert_rows(
    connection: Any, table: Any, rows: list[dict[str, Any]], *, skip_conflicts_on: str | None = None
) -> int:
    """Insert many rows through the driver's executemany, skipping SQLAlchemy's per-row compilation;
    with `skip_conflicts_on`, rows whose key already exists are skipped. Returns the rows inserted."""
    if not rows:
        return 0
    columns = list(rows[0])
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([placeholder(connection)] * len(columns))})"
    )
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({skip_conflicts_on}) DO NOTHING"
    return execute_many(connection, sql, driver_params(connection, table, columns, rows))


@contextmanager
def driver_errors(connection: Any, sql: str) -> Iterator[None]:
    """Raise what the driver's own cursor raises as SQLAlchemy's exceptions (IntegrityError, OperationalError,
    DataError, …), as a statement run through SQLAlchemy would: callers that retry a lost race, or tell a bad
    value from a broken connection, then see the same exception whichever way the statement went."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as error:
        # Parameters hidden: they are people's personal data, and the message ends up in logs and answers.
        raise DBAPIError.instance(
            sql, None, error, dbapi_error, hide_parameters=True, dialect=connection.dialect
        ) from error


def fetch_rows(connection: Any, sql: str, params: tuple[Any, ...] | None = None) -> list[Any]:
    """Run a query on the driver's own cursor and return its rows: SQLAlchemy's setup of a statement costs more
    than the small queries the ingest path runs for every batch, and its row processing several times the query
    on the millions of rows activation reads. Without `params` the text is sent as it is (no placeholders)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with driver_errors(connection, sql):
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return cursor.fetchall()
    finally:
        cursor.close()


def session_rows(session: Session, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run a small query of the session's transaction on the driver's cursor (`{mark}` for each placeholder) and
    return its rows: what an ORM query autoflushes is flushed first. For lookups made once per handoff, action or
    email, where SQLAlchemy's setup of the statement costs ten to thirty times the query."""
    session.flush()
    connection = session.connection()
    return fetch_rows(connection, sql.format(mark=placeholder(connection)), params)


def execute_many(connection: Any, sql: str, rows: list[tuple[Any, ...]]) -> int:
    """Run a statement once per row of driver-ready parameters on the driver's own cursor; return rows changed."""
    if not rows:
        return 0
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with driver_errors(connection, sql):
            cursor.executemany(sql, rows)
        return cursor.rowcount
    finally:
        cursor.close()


def select_in(connection: Any, table: Any, columns: tuple[str, ...], key: str, keys: Iterable[Any]) -> list[list[Any]]:
    """The rows whose `key` is one of `keys`, in id order, as lists of `columns` with each column's result
    processing applied (JSON decoded, UTC times).

    Read through the driver's own cursor, 500 keys a query: ingest and live evaluation run this for every batch,
    and SQLAlchemy's setup of each statement costs more than the query."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    cursor = connection.connection.dbapi_connection.cursor()
    mark = placeholder(connection)
    dialect = connection.dialect
    processors = [table.c[c].type._cached_result_processor(dialect, None) for c in columns]
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    found = []
    try:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = (
                f"SELECT {', '.join(columns)} FROM {table.name} WHERE {key} IN ({', '.join([mark] * len(chunk))}) "
                "ORDER BY id"
            )
            with driver_errors(connection, sql):
                cursor.execute(sql, tuple(chunk))
                rows = cursor.fetchall()
            for values in rows:
                values = list(values)
                for index, processor in converting:
                    values[index] = processor(values[index])
                found.append(values)
    finally:
        cursor.close()
    return found


def placeholder(connection: Any) -> str:
    """The positional placeholder of the connection's driver (`?` for sqlite3, `%s` for psycopg)."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def bind_processors(connection: Any, table: Any, columns: list[str]) -> list[Any]:
    """Each column's bind processor (JSON encoding, UTC timestamps) for the connection's dialect."""
    dialect = connection.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in columns]


def upsert_rows(connection: Any, table: Any, rows: list[dict[str, Any]], *, key: str) -> None:
    """Insert rows, or update every other column where a row with the same `key` exists (one executemany)."""
    if not rows:
        return
    columns = list(rows[0])
    mark = placeholder(connection)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )
    execute_many(connection, sql, driver_params(connection, table, columns, rows))


def driver_params(connection: Any, table: Any, columns: list[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as positional tuples with each column's bind processing applied, ready for the driver."""
    processors = bind_processors(connection, table, columns)
    return [tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors, strict=True)) for row in rows]


# Race and outage: what retrying the same transaction can cure, as opposed to a value the database refuses.
_RACE_SQLSTATES = {
    "23505",  # unique_violation: another transaction inserted the same new identity or account first
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected: two transactions inserted the same new keys in different orders
    "55P03",  # lock_not_available
}
_RACE_SQLITE = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def is_race(error: BaseException) -> bool:
    """Tell whether a failed transaction lost a race with another writer (a unique key taken meanwhile, a
    deadlock, a busy lock): running it again sees the winner's rows and succeeds."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None)  # psycopg
    if state is not None:
        return state in _RACE_SQLSTATES
    name = getattr(original, "sqlite_errorname", None)  # sqlite3
    if name is not None:
        return name in _RACE_SQLITE
    return isinstance(error, IntegrityError) or "deadlock" in str(error) or "locked" in str(error)


def is_outage(error: BaseException) -> bool:
    """Tell whether an error is the database's state rather than the data's (connection lost, pool exhausted,
    server shutting down, out of resources, deadlocks or busy locks): the request should be answered 503 and sent
    again, where a value the database refuses is the one message's fault."""
    if isinstance(error, PoolTimeoutError | DisconnectionError | ConnectionError | TimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    state = getattr(original, "sqlstate", None)
    if state is not None:
        # Connection, resources, operator intervention, system error, transaction rollback (deadlock), lock wait.
        # A unique key taken is not among them: retried and still taken, it is the data's.
        return state[:2] in _OUTAGE_SQLSTATE_CLASSES or state == "55P03"
    name = getattr(original, "sqlite_errorname", None)
    if name is not None:
        return name.split("_")[1] in _OUTAGE_SQLITE
    return isinstance(error, OperationalError | InterfaceError)


_OUTAGE_SQLSTATE_CLASSES = {"08", "40", "53", "57", "58"}
_OUTAGE_SQLITE = {"BUSY", "LOCKED", "IOERR", "FULL", "CANTOPEN", "NOMEM", "PROTOCOL", "READONLY"}


# Whole numbers each integer type holds on every supported database (PostgreSQL's, the narrower).
_INTEGER_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))


def text_width(column: Any) -> int | None:
    """The most characters a text column holds (PostgreSQL enforces it; SQLite would store more, so leadpact
    cuts or refuses on both alike), or None when unbounded or not text."""
    kind = column.type
    return kind.length if isinstance(kind, String) else None


def integer_range(column: Any) -> tuple[int, int] | None:
    """The smallest and largest whole number an integer column holds on every supported database (SQLite
    stores 64 bits in any INTEGER, PostgreSQL's integer only 32), or None for other types."""
    kind = column.type
    for integer_type, bits in _INTEGER_BITS:
        if isinstance(kind, integer_type):
            return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return None


# PostgreSQL's text and jsonb cannot hold a NUL character (SQLite can): leadpact removes it on both.
UNSTORABLE_CHARACTER = "\x00"
