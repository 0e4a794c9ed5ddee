"""Readers for import files: CSV (any delimiter), XLSX and JSONL, yielding numbered rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
DELIMITERS = ",;\t|"


class SourceError(ValueError):
    """A file that cannot be read at all (unknown format, missing sheet, no header), in words."""


@dataclass(slots=True)
class SourceRow:
    """One data row: its human row number, its values by column, or why it could not be read."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    raw: str | None = None

    def original(self) -> dict[str, Any]:
        """Return the row as it appeared in the file, for a rejects file."""
        if self.raw is not None:
            return {"json": self.raw}
        return dict(self.values)


@dataclass
class Source:
    """An opened import file: its format, its header (empty for JSONL) and an estimate of its rows."""

    path: Path
    format: str
    columns: list[str]
    total: int | None
    sheet: str | None = None

    def rows(self) -> Iterator[SourceRow]:
        """Yield every non-blank data row in file order."""
        if self.format == "csv":
            return _csv_rows(self.path)
        if self.format == "xlsx":
            return _xlsx_rows(self.path, self.sheet)
        return _jsonl_rows(self.path)


def open_source(path: Path, *, sheet: str | None = None) -> Source:
    """Open an import file, read its header and count its rows; raise SourceError if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        columns, total = _csv_header(path)
        return Source(path, "csv", columns, total)
    if suffix in XLSX_SUFFIXES:
        name, columns, total = _xlsx_header(path, sheet)
        return Source(path, "xlsx", columns, total, sheet=name)
    if suffix in JSONL_SUFFIXES:
        with path.open("rb") as handle:
            total = sum(1 for line in handle if line.strip())
        return Source(path, "jsonl", [], total)
    raise SourceError(f"{path.name}: unknown file type {suffix or '(none)'}; use .csv, .tsv, .xlsx or .jsonl")


def clean(value: Any) -> Any:
    """Strip text, turn empty cells into None and spreadsheet dates into ISO-8601 text."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _dialect(path: Path) -> type[csv.Dialect] | csv.Dialect:
    # Bytes first: a multi-byte character cut at the end of the sample must not look like bad encoding.
    with path.open("rb") as handle:
        sample = handle.read(64 * 1024).decode("utf-8-sig", errors="ignore")
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        # One column, or too little text to tell: a comma is what almost every export uses.
        return csv.excel


def _csv_reader(path: Path) -> Iterator[list[str]]:
    dialect = _dialect(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle, dialect)
    except UnicodeDecodeError as error:
        raise SourceError(f"{path.name} is not UTF-8 text ({error.reason} at byte {error.start})") from None


def _csv_header(path: Path) -> tuple[list[str], int]:
    reader = _csv_reader(path)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise SourceError(f"{path.name} is empty: the first row must name the columns")
    return _names(header), sum(1 for cells in reader if any(cell.strip() for cell in cells))


def _csv_rows(path: Path) -> Iterator[SourceRow]:
    reader = _csv_reader(path)
    columns = _names(next(reader))
    # Spreadsheet numbering: the header is row 1, so the first record is row 2.
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        yield _tabular_row(number, columns, cells)


def _xlsx_book(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a damaged file
        raise SourceError(f"{path.name} is not a readable XLSX workbook: {error}") from None


def _xlsx_sheet(book: Any, path: Path, sheet: str | None) -> Any:
    if sheet is None:
        return book.active if book.active is not None else book.worksheets[0]
    if sheet not in book.sheetnames:
        raise SourceError(f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}")
    return book[sheet]


def _xlsx_header(path: Path, sheet: str | None) -> tuple[str, list[str], int | None]:
    book = _xlsx_book(path)
    try:
        worksheet = _xlsx_sheet(book, path, sheet)
        first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if first is None or all(cell is None for cell in first):
            raise SourceError(f"sheet {worksheet.title!r} of {path.name} is empty: row 1 must name the columns")
        # max_row comes from the sheet's stored dimensions, which some writers leave out.
        total = worksheet.max_row - 1 if worksheet.max_row else None
        return worksheet.title, _names([cell for cell in first]), total
    finally:
        book.close()


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[SourceRow]:
    book = _xlsx_book(path)
    try:
        worksheet = _xlsx_sheet(book, path, sheet)
        rows = worksheet.iter_rows(values_only=True)
        columns = _names(list(next(rows)))
        for number, cells in enumerate(rows, start=2):
            if all(clean(cell) is None for cell in cells):
                continue
            yield _tabular_row(number, columns, list(cells))
    finally:
        book.close()


def _jsonl_rows(path: Path) -> Iterator[SourceRow]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield SourceRow(number, error=f"line {number} is not valid JSON: {error.msg} at column {error.colno}",
                                raw=text)
                continue
            if not isinstance(value, dict):
                yield SourceRow(number, error=f"line {number} is not a JSON object", raw=text)
                continue
            yield SourceRow(number, values=value, raw=text)


def _names(header: list[Any]) -> list[str]:
    names = []
    for index, cell in enumerate(header, start=1):
        name = str(cell).strip() if cell is not None else ""
        # An unnamed column still has to be addressable by --map.
        names.append(name or f"column_{index}")
    return names


def _tabular_row(number: int, columns: list[str], cells: list[Any]) -> SourceRow:
    extra = [cell for cell in cells[len(columns) :] if clean(cell) is not None]
    values = {name: clean(cell) for name, cell in zip(columns, cells, strict=False)}
    if extra:
        return SourceRow(number, values, error=f"has {len(columns) + len(extra)} or more cells; the header names "
                                               f"{len(columns)} columns")
    return SourceRow(number, values)
