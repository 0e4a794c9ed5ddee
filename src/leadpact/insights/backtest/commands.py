"""`leadpact pact backtest CANDIDATE [--against ACTIVE|FILE] [--from DATE --to DATE] [--parquet DIR] [--json]`."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import typer

from leadpact.insights.backtest import conditions, readiness
from leadpact.insights.backtest.engine import prepare
from leadpact.insights.backtest.export import read_export
from leadpact.insights.backtest.history import History
from leadpact.insights.backtest.outcomes import Outcomes, read_outcomes
from leadpact.insights.backtest.report import compare, render
from leadpact.pact import Pact, load_pact, validate_pact

DEFAULT_DAYS = 90


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _is_version(reference: str) -> bool:
    return reference.isdigit() and not Path(reference).exists()


def _pact(reference: str, engine: Any) -> tuple[str, Pact]:
    """Return (label, pact) for a YAML file or a stored version number."""
    if _is_version(reference):
        if engine is None:
            raise _fail(f"pact version {reference} is stored in the database; with --parquet give a pact file")
        from sqlalchemy.orm import Session

        from leadpact.pact.versions import get_version

        with Session(engine) as session:
            row = get_version(session=session, version=int(reference))
            if row is None:
                raise _fail(f"no pact version {reference}", 2)
            return f"v{row.version} ({row.state})", load_pact(row.source)
    path = Path(reference)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise _fail(f"{path}: cannot read: {error.strerror or error}") from None
    pact, errors = validate_pact(text)
    if pact is None:
        for problem in errors:
            typer.echo(f"{path}:{problem.line}:{problem.column}: {problem.message}", err=True)
        raise typer.Exit(1)
    return path.name, pact


def _active(engine: Any) -> tuple[str, Pact] | None:
    from sqlalchemy.orm import Session

    from leadpact.pact.versions import active_version

    with Session(engine) as session:
        row = active_version(session=session)
        return (f"v{row.version} (active)", load_pact(row.source)) if row is not None else None


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}", param_hint=option) from None


def _last_event_day(parquet: Path | None, engine: Any) -> date | None:
    if parquet is not None:
        last = pl.scan_parquet(parquet / "events.parquet").select(pl.col("timestamp").max()).collect().item()
    else:
        from sqlalchemy import func, select

        from leadpact.ingest.models import Event

        with engine.connect() as connection:
            last = connection.execute(select(func.max(Event.timestamp))).scalar()
    if last is None:
        return None
    return (datetime.fromisoformat(last) if isinstance(last, str) else last).date()


def backtest_command(
    candidate: str = typer.Argument(..., help="The candidate pact: a YAML file or a stored version number."),
    against: str | None = typer.Option(None, "--against", help="Compare with this pact (file or version); "
                                                                 "default: the active version."),
    start: str | None = typer.Option(None, "--from", help="First day replayed (default: 90 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day replayed (default: the day of the last event)."),
    parquet: Path | None = typer.Option(None, "--parquet", help="Replay an exported directory (events.parquet, "
                                                                "content.parquet) instead of the database."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Replay history under a candidate pact beside the active one: MQLs, acceptance, SQLs, won deals caught and
    how many days earlier."""
    engine = None
    if parquet is None:
        from leadpact.db import get_engine, migrate

        engine = get_engine()
        migrate(engine)
    elif not (parquet / "events.parquet").exists():
        raise _fail(f"{parquet}: no events.parquet here")
    pacts = [_pact(candidate, engine)]
    other = _pact(against, engine) if against is not None else (_active(engine) if engine is not None else None)
    if other is not None:
        pacts.append(other)
    last = _day(end, "--to") or _last_event_day(parquet, engine)
    if last is None:
        raise _fail("no events to replay")
    first = _day(start, "--from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise typer.BadParameter("--from is after --to", param_hint="--from")
    paths = sorted({path for _, pact in pacts for path in
                    conditions.field_paths(conditions.person_conditions(pact))} | set(readiness.READINESS_FIELDS))
    history, outcomes = _history(parquet, engine, last, paths)
    report = compare([(name, prepare(pact, history)) for name, pact in pacts], start=first, end=last,
                     outcomes=outcomes)
    typer.echo(json.dumps(report) if as_json else render(report))


def _history(parquet: Path | None, engine: Any, last: date, paths: list[str]) -> tuple[History, Outcomes | None]:
    if parquet is not None:
        end_of_day = datetime.combine(last + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
        return read_export(parquet, as_of=end_of_day.isoformat() + "+00:00", fields=paths), None
    from leadpact.insights.backtest.database import read_database

    return read_database(engine), read_outcomes(engine)


def register_backtest(pact_app: typer.Typer) -> None:
    """Add `backtest` to the `leadpact pact` commands."""
    pact_app.command("backtest")(backtest_command)
