"""Opening a file of rows — CSV in any delimiter and common encoding, XLSX, JSONL — with its header and row count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leadpact.files.delimited import csv_header, csv_rows
from leadpact.files.rows import SourceError, SourceRow
from leadpact.files.text import TextFormat, text_format
from leadpact.files.workbook import xlsx_header, xlsx_rows

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass
class Source:
    """An opened file: its format, its header (empty for JSONL), an estimate of its rows, and how text is written."""

    path: Path
    format: str
    columns: list[str]
    total: int | None
    sheet: str | None = None
    text: TextFormat | None = None

    def rows(self) -> Iterator[SourceRow]:
        """Yield every non-blank data row in file order (the file is read again on every call)."""
        if self.format == "csv":
            assert self.text is not None
            return csv_rows(self.path, self.text)
        if self.format == "xlsx":
            return xlsx_rows(self.path, self.sheet)
        return _jsonl_rows(self.path)


def open_source(path: Path, *, sheet: str | None = None) -> Source:
    """Open a file, read its header and count its rows; raise SourceError if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            text = text_format(path)
            columns, total = csv_header(path, text)
            return Source(path, "csv", columns, total, text=text)
        if suffix in XLSX_SUFFIXES:
            name, columns, xlsx_total = xlsx_header(path, sheet)
            return Source(path, "xlsx", columns, xlsx_total, sheet=name)
        if suffix in JSONL_SUFFIXES:
            with path.open("rb") as handle:
                lines = sum(1 for line in handle if line.strip())
            return Source(path, "jsonl", [], lines)
    except UnicodeError as error:
        raise SourceError(f"{path.name} cannot be decoded: {error}") from None
    raise SourceError(f"{path.name}: unknown file type {suffix or '(none)'}; use .csv, .tsv, .xlsx or .jsonl")


def _jsonl_rows(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as handle:
        for number, data in enumerate(handle, start=1):
            try:
                text = data.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError as error:
                yield SourceRow(number, error=f"line {number} is not UTF-8 ({error.reason} at byte {error.start})",
                                raw=data[:200].decode("utf-8", "replace"))
                continue
            if not text:
                continue
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as error:
                where = f": {error.msg} at column {error.colno}" if isinstance(error, json.JSONDecodeError) else \
                    ": nested too deeply"
                yield SourceRow(number, error=f"line {number} is not valid JSON{where}", raw=text)
                continue
            if not isinstance(value, dict):
                yield SourceRow(number, error=f"line {number} is not a JSON object", raw=text)
                continue
            yield SourceRow(number, values=value, raw=text)
