"""Rows of a tabular file as the importers see them: a human row number, values by column, or what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

# The most characters a cell may hold: what Python's csv module allows by default, four times Excel's own limit.
CELL_LIMIT = 131_072


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


def column_names(header: list[Any]) -> list[str]:
    """Return the header's column names: stripped, unnamed ones numbered, repeated ones told apart."""
    names: list[str] = []
    for index, cell in enumerate(header, start=1):
        name = str(cell).strip() if cell is not None else ""
        # An unnamed column still has to be addressable by --map.
        name = name or f"column_{index}"
        base, copy = name, 2
        while name in names:
            name, copy = f"{base} ({copy})", copy + 1
        names.append(name)
    return names


def tabular_row(number: int, columns: list[str], cells: list[Any]) -> SourceRow:
    """Return one row of a CSV or XLSX file, with an error when it is wider than its header or a cell too long."""
    extra = [cell for cell in cells[len(columns) :] if clean(cell) is not None]
    # Cut before cleaning: an over-long cell must not be copied around whole.
    long = [(name, len(cell)) for name, cell in zip(columns, cells, strict=False)
            if isinstance(cell, str) and len(cell) > CELL_LIMIT]
    values = {name: (cell[:200] + "…" if isinstance(cell, str) and len(cell) > CELL_LIMIT else clean(cell))
              for name, cell in zip(columns, cells, strict=False)}
    if long:
        name, size = long[0]
        return SourceRow(number, values, error=f"column {name!r} holds {size:,} characters; a cell may hold at most "
                                               f"{CELL_LIMIT:,}")
    if extra:
        return SourceRow(number, values, error=f"has {len(columns) + len(extra)} or more cells; the header names "
                                               f"{len(columns)} columns")
    return SourceRow(number, values)
