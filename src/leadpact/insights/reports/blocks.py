"""What a report is made of, independent of its format: sections of figures, tables, charts and text.

Each renderer (HTML, Markdown, CSV, XLSX) walks the same blocks, so every format shows the same rows. Sections
computed elsewhere (evidence, proposals, backtests) are built from these same blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import polars as pl

# How a column's values are shown: text renderers format them, XLSX keeps numbers and sets a number format.
Format = Literal["text", "int", "number", "percent", "minutes", "money", "datetime", "date", "days"]


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its values read."""

    title: str
    format: Format = "text"
    width: int | None = None  # characters, for XLSX; None = from the heading and values
    blank: bool = False  # left empty for people to fill in (the review meeting's columns)


@dataclass(frozen=True)
class Table:
    """Rows under column headings."""

    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    empty: str = "Nothing to show."
    kind: str = field(default="table", init=False)


@dataclass(frozen=True)
class Figure:
    """One headline number with what to compare it to."""

    label: str
    value: Any
    format: Format = "text"
    note: str = ""
    alert: bool = False  # short of a commitment or target: shown highlighted


@dataclass(frozen=True)
class Figures:
    """A row of headline numbers."""

    items: list[Figure]
    title: str = ""
    kind: str = field(default="figures", init=False)


@dataclass(frozen=True)
class Chart:
    """A chart as inline SVG (HTML only; the numbers behind it are always in a table too)."""

    title: str
    svg: str
    kind: str = field(default="chart", init=False)


@dataclass(frozen=True)
class Text:
    """Paragraphs of plain text."""

    paragraphs: list[str]
    title: str = ""
    kind: str = field(default="text", init=False)


Block = Table | Figures | Chart | Text


@dataclass(frozen=True)
class Section:
    """A titled part of a report."""

    title: str
    blocks: list[Block]
    intro: str = ""


@dataclass(frozen=True)
class Report:
    """A whole report: what it is, the moment and period it describes, and its sections."""

    kind: str
    title: str
    subtitle: str
    as_of: datetime
    sections: list[Section]

    def tables(self) -> list[Table]:
        """Return every table of the report, in order."""
        return [block for section in self.sections for block in section.blocks if isinstance(block, Table)]


def table_from_frame(title: str, frame: pl.DataFrame, columns: dict[str, Column], **options: Any) -> Table:
    """Return a table of `frame`'s columns named in `columns` (frame column → Column), in that order."""
    rows = [list(row) for row in frame.select(list(columns)).iter_rows()] if frame.height else []
    return Table(title, list(columns.values()), rows, **options)
