"""A whole file as a Polars frame of text columns, read by the same reader as the imports."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from leadpact.files.rows import SourceError
from leadpact.files.source import open_source

# Rows that cannot be read, named in the error before the reading gives up.
SHOWN_PROBLEMS = 3


def read_frame(path: Path, *, sheet: str | None = None) -> pl.DataFrame:
    """Return a CSV or XLSX file's rows as text columns (empty cells null); raise SourceError naming the rows that
    cannot be read."""
    source = open_source(Path(path), sheet=sheet)
    if source.format == "jsonl":
        raise SourceError(f"{Path(path).name}: a table is read from CSV or XLSX, not JSONL")
    columns: dict[str, list[str | None]] = {name: [] for name in source.columns}
    problems: list[str] = []
    for row in source.rows():
        if row.error:
            problems.append(f"row {row.number} {row.error}" if not row.error.startswith("column") else
                            f"row {row.number}: {row.error}")
            continue
        for name in source.columns:
            value = row.values.get(name)
            columns[name].append(None if value is None else str(value))
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = f" (and {len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > SHOWN_PROBLEMS else ""
        raise SourceError(f"{Path(path).name}: {shown}{more}")
    return pl.DataFrame(columns, schema={name: pl.String for name in source.columns})
