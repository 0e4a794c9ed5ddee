"""Import services: read a file, map its columns, store every valid row; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.clock import get_clock
from leadpact.imports.accounts import AccountImporter, ContentImporter
from leadpact.imports.events import import_event_rows
from leadpact.imports.mapping import ColumnMap, MappingCache, build_mapping
from leadpact.imports.people import PeopleImporter
from leadpact.imports.readers import Source, SourceRow, open_source
from leadpact.imports.report import ImportReport, RowRejected
from leadpact.ingest.service import notify_people_changed
from leadpact.people.models import Person

# Called with (rows done so far, estimated total rows or None) as the import goes.
Progress = Callable[[int, int | None], None]


class RowImporter(Protocol):
    """Stores one mapped row and says whether it created or updated a record."""

    def handle(self, number: int, fields: dict[str, Any], extra: dict[str, Any]) -> str: ...


def import_people(
    *,
    session: Session,
    path: Path,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Upsert people by email from a file and return what happened to each row."""
    now = now or get_clock().now()
    importer = PeopleImporter(session, now=now)
    report = _import_rows("people", importer, path, columns, sheet, progress)
    # Imported people are evaluated under the active pact straight away, as if their data had arrived live.
    notify_people_changed(session, importer.changed, now)
    return report


def import_accounts(
    *,
    session: Session,
    path: Path,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Upsert accounts by domain (else company name) from a file and return what happened to each row."""
    now = now or get_clock().now()
    importer = AccountImporter(session, now=now)
    report = _import_rows("accounts", importer, path, columns, sheet, progress)
    # The people of the accounts it changed are evaluated again: a new size or industry can qualify them.
    if importer.changed:
        people = session.scalars(select(Person.id).where(Person.account_id.in_(sorted(importer.changed))))
        notify_people_changed(session, set(people), now)
    return report


def import_content(
    *,
    session: Session,
    path: Path,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Upsert content catalog assets by id from a file and return what happened to each row."""
    now = now or get_clock().now()
    importer = ContentImporter(session, now=now)
    report = _import_rows("content", importer, path, columns, sheet, progress)
    report.ignored_columns = sorted(importer.ignored)
    return report


def import_events(
    *,
    session: Session,
    path: Path,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    date_format: str | None = None,
) -> ImportReport:
    """Store a file's rows as Segment messages through the live ingest path and return what happened to each row."""
    now = now or get_clock().now()
    source = open_source(path, sheet=sheet)
    report = ImportReport("events")
    tick = _ticker(source, progress)
    import_event_rows(session, source=source, columns=columns or {}, now=now, report=report, tick=tick,
                      date_format=date_format)
    tick(0, final=True)
    return report


IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "people": import_people,
    "accounts": import_accounts,
    "events": import_events,
    "content": import_content,
}


def _import_rows(
    kind: str,
    importer: RowImporter,
    path: Path,
    columns: dict[str, str] | None,
    sheet: str | None,
    progress: Progress | None,
) -> ImportReport:
    source = open_source(path, sheet=sheet)
    mapper = _mapper(kind, source, columns or {})
    report = ImportReport(kind)
    tick = _ticker(source, progress)
    for row in source.rows():
        report.read += 1
        tick(1)
        try:
            if row.error:
                raise RowRejected(row.error)
            fields, extra = mapper(row).apply(row.values)
            outcome = importer.handle(row.number, fields, extra)
        except RowRejected as error:
            report.reject(row.number, str(error), row.original())
            continue
        if outcome == "stored":
            report.stored += 1
        else:
            report.updated += 1
    tick(0, final=True)
    return report


def _mapper(kind: str, source: Source, columns: dict[str, str]) -> Callable[[SourceRow], ColumnMap]:
    """Resolve the mapping once for a file with a header; per distinct set of keys for JSONL."""
    if source.format == "jsonl":
        cache = MappingCache(kind, columns)
        return lambda row: cache.for_columns(list(row.values))
    column_map = build_mapping(kind, source.columns, columns)
    return lambda row: column_map


class _Ticker:
    """Reports progress every few hundred rows, so a progress bar costs nothing per row."""

    def __init__(self, total: int | None, progress: Progress | None) -> None:
        self.total = total
        self.progress = progress
        self.done = 0

    def __call__(self, advance: int, *, final: bool = False) -> None:
        self.done += advance
        if self.progress is not None and (final or self.done % 250 == 0):
            self.progress(self.done, self.total)


def _ticker(source: Source, progress: Progress | None) -> _Ticker:
    return _Ticker(source.total, progress)
