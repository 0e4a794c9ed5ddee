"""Date columns of an import: each judged from all its values before any row is stored, so that `03/04/2016` is
read the way the rest of its column says, and an ambiguous column stops the import before it starts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadpact.files import DateFormatError, DateReader, Source, date_format, evidence, read_dates
from leadpact.imports.mapping import ColumnMap, MappingError
from leadpact.imports.report import RowRejected

# (row number, value) of one field, for every row that has it.
Values = dict[str, list[tuple[int, Any]]]


def column_values(source: Source, column_map: ColumnMap, fields: Iterable[str]) -> Values:
    """Read the file once and return, for each of `fields` the file maps a column to, its (row, value) pairs."""
    columns = {target: column for column, target in column_map.fields.items() if target in set(fields)}
    seen: Values = {target: [] for target in columns}
    if not columns:
        return seen
    for row in source.rows():
        if row.error:
            continue
        for target, column in columns.items():
            value = row.values.get(column)
            if value is not None:
                seen[target].append((row.number, value))
    return seen


def readers_for(values: Values, column_map: ColumnMap, fields: Iterable[str], *,
                given: str | None = None) -> dict[str, DateReader]:
    """Return a date reader for each of `fields` found in `values`; raise MappingError for an ambiguous column
    (saying which --date-format to pass) or a --date-format that is not one."""
    try:
        fmt = date_format(given) if given is not None else None
        names = {target: column for column, target in column_map.fields.items()}
        found = [target for target in fields if target in values]
        # A file writes its dates one way: a column that cannot tell (every date ≤ 12/12) follows the others.
        orders = {evidence(values[target]).order for target in found} - {None}
        file_order = orders.pop() if len(orders) == 1 else None
        return {target: read_dates(names[target], values[target], given=fmt, file_order=file_order)
                for target in found}
    except DateFormatError as error:
        raise MappingError(str(error)) from None


def date_readers(source: Source, column_map: ColumnMap, fields: Iterable[str], *,
                 given: str | None = None) -> dict[str, DateReader]:
    """Return a reader for each of `fields` the file maps a column to (reading the file once to judge them)."""
    fields = tuple(fields)
    return readers_for(column_values(source, column_map, fields), column_map, fields, given=given)


def read_date(readers: dict[str, DateReader], fields: dict[str, Any], target: str) -> Any:
    """Return the field as an aware datetime when a reader knows its column, else as it is; RowRejected if bad."""
    value = fields.get(target)
    reader = readers.get(target)
    if reader is None or value is None:
        return value
    try:
        return reader.parse(value)
    except ValueError as error:
        raise RowRejected(str(error)) from None
