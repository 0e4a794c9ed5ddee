"""Reading delimited text (CSV, TSV, a European `;` export): quoted line breaks, any cell size up to a bound, and a
row the csv module cannot parse reported by number instead of ending the import with a traceback."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from leadpact.files.rows import SourceError, SourceRow, column_names, tabular_row
from leadpact.files.text import TextFormat, lines_without_nul, open_text

# The csv module's own ceiling, far above CELL_LIMIT so that an over-long cell is read whole (and the records after
# it stay in step) and rejected by `tabular_row`; only a cell past this stops the reading.
PARSER_LIMIT = 64 * 1024 * 1024


def _records(path: Path, text: TextFormat) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (record number, cells) — or (number, why it cannot be read), after which the reading stops."""
    # The limit is process-wide; raising it never narrows what another reader accepts.
    if csv.field_size_limit() < PARSER_LIMIT:
        csv.field_size_limit(PARSER_LIMIT)
    number = 0
    with open_text(path, text.encoding) as handle:
        reader = csv.reader(lines_without_nul(handle), delimiter=text.delimiter)
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield number, f"cannot be read ({error}); the rest of the file from here was not read"
                return
            except UnicodeDecodeError as error:
                yield number, (f"is not {text.encoding_label} text ({error.reason}); the rest of the file from here "
                               "was not read")
                return
            yield number, cells


def csv_header(path: Path, text: TextFormat) -> tuple[list[str], int]:
    """Return the header's column names and how many non-blank records follow it."""
    records = _records(path, text)
    first = next(records, None)
    if first is None or isinstance(first[1], list) and not any(cell.strip() for cell in first[1]):
        raise SourceError(f"{path.name} is empty: the first row must name the columns")
    if isinstance(first[1], str):
        raise SourceError(f"{path.name}: the header row {first[1]}")
    total = sum(1 for _, cells in records if isinstance(cells, str) or any(cell.strip() for cell in cells))
    return column_names(first[1]), total


def csv_rows(path: Path, text: TextFormat) -> Iterator[SourceRow]:
    """Yield every non-blank record after the header, numbered as a spreadsheet numbers rows (header = row 1)."""
    records = _records(path, text)
    first = next(records, None)
    if first is None or isinstance(first[1], str):
        return
    columns = column_names(first[1])
    for number, cells in records:
        if isinstance(cells, str):
            yield SourceRow(number, error=cells)
            return
        if not any(cell.strip() for cell in cells):
            continue
        yield tabular_row(number, columns, list(cells))
