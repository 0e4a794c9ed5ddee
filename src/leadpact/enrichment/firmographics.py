"""Loading a firmographics file for the built-in provider: CSV or XLSX through the imports' reader, or Parquet,
with the imports' column mapping; one row per domain (upserted), each bad row rejected with its reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from leadpact.enrichment.models import Firmographic
from leadpact.files import SourceError, SourceRow, clean, open_source
from leadpact.imports import checks
from leadpact.imports.mapping import build_mapping
from leadpact.imports.report import ImportReport, RowRejected

PARQUET_SUFFIXES = (".parquet", ".pq")


def rows_of(path: Path, *, sheet: str | None = None) -> tuple[list[str], int | None, Iterator[SourceRow]]:
    """(columns, row count, rows) of a CSV, XLSX or Parquet file; raise SourceError when it cannot be read."""
    path = Path(path)
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        source = open_source(path, sheet=sheet)
        if source.format == "jsonl":
            raise SourceError(f"{path.name}: firmographics are read from CSV, XLSX or Parquet, not JSONL")
        return source.columns, source.total, source.rows()
    import polars as pl

    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file")
    try:
        frame = pl.read_parquet(path)
    except Exception as error:  # polars and pyarrow raise several types for a damaged file
        raise SourceError(f"{path.name} is not a readable Parquet file: {error}") from None
    rows = (SourceRow(number, {k: clean(v) for k, v in values.items()})
            for number, values in enumerate(frame.iter_rows(named=True), start=1))
    return frame.columns, frame.height, rows


def load_firmographics(*, session: Session, path: Path, columns: dict[str, str] | None = None,
                       sheet: str | None = None, now: datetime,
                       progress: Callable[[int, int | None], None] | None = None) -> tuple[ImportReport, set[str]]:
    """Store each row's company under its domain (the file's name as its source); return the report and the
    domains stored or updated."""
    names, total, rows = rows_of(path, sheet=sheet)
    column_map = build_mapping("firmographics", names, columns)
    report = ImportReport("firmographics")
    first_row: dict[str, int] = {}
    ignored: set[str] = set()
    for row in rows:
        report.read += 1
        if progress is not None and report.read % 250 == 0:
            progress(report.read, total)
        try:
            if row.error:
                raise RowRejected(row.error)
            fields, extra = column_map.apply(row.values)
            ignored.update(extra)
            domain = checks.domain(fields.get("domain"))
            if domain is None:
                raise RowRejected("domain is missing")
            if domain in first_row:
                raise RowRejected(f"domain {domain} already appears in row {first_row[domain]}")
            outcome = _store(session, domain, fields, source=Path(path).name, now=now)
        except RowRejected as error:
            report.reject(row.number, str(error), row.original())
            continue
        first_row[domain] = row.number
        report.stored += outcome == "stored"
        report.updated += outcome == "updated"
    if progress is not None:
        progress(report.read, total)
    report.ignored_columns = sorted(ignored)
    session.flush()
    return report, set(first_row)


def _store(session: Session, domain: str, fields: dict[str, Any], *, source: str, now: datetime) -> str:
    employees = checks.whole_number("employees", fields.get("employees"))
    if employees is not None and employees >= 2**31:
        raise RowRejected(f"employees {employees} is more than any company has")
    values: dict[str, str | int | None] = {
        "name": checks.text("name", fields.get("name"), 255),
        "industry": checks.text("industry", fields.get("industry"), 120),
        "employees": employees,
        "country": checks.text("country", fields.get("country"), 64),
    }
    if all(value is None for value in values.values()):
        raise RowRejected(f"says nothing about {domain}: no name, industry, employees or country")
    row = session.get(Firmographic, domain)
    created = row is None
    if row is None:
        row = Firmographic(domain=domain)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.source, row.loaded_at = source[:500], now
    return "stored" if created else "updated"
