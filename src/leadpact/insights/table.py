"""A lead table read for modelling: target checked, identifiers set aside, each column typed and encoded.

Numbers stay numbers (missing as NaN); text columns become categories, with the form default "Select"
treated as missing (SOURCES.md) and rare values pooled; every column with gaps gets a missing indicator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from leadpact.files import SourceError, read_frame

MISSING_WORDS = ("select", "")  # a form left at its default says nothing
POSITIVE_WORDS = ("1", "yes", "true", "won", "converted", "accepted", "y", "t")
RARE = 30  # values seen fewer times than this share one "other" category: too few to learn from
MOST_CATEGORIES = 250  # the trees take at most 255 categories per column


class TrainingError(ValueError):
    """The table cannot be modelled as asked; the message says why."""


@dataclass
class Column:
    """One feature column: its name, kind and encoded values (NaN where missing)."""

    name: str
    categorical: bool
    values: np.ndarray
    categories: list[str] = field(default_factory=list)  # code → value for categorical columns

    def describe(self, code: float) -> str:
        """Return a value as a person reads it."""
        if np.isnan(code):
            return "missing"
        if self.categorical:
            return self.categories[int(code)] if int(code) < len(self.categories) else "other"
        return f"{code:g}"


@dataclass
class LeadTable:
    """The modelling view of a lead table."""

    frame: pl.DataFrame  # the rows kept (target present), as read
    target: str
    positive: str
    y: np.ndarray
    columns: list[Column]
    identifiers: list[str]
    excluded: list[str]

    @property
    def names(self) -> list[str]:
        """Return the feature column names."""
        return [c.name for c in self.columns]

    def matrix(self) -> np.ndarray:
        """Return the features as one float matrix (columns in `names` order)."""
        return np.column_stack([c.values for c in self.columns]) if self.columns else np.empty((len(self.y), 0))


def read_csv(path: Path) -> pl.DataFrame:
    """Return a CSV (or XLSX) of leads with every column as text, or raise TrainingError saying what is wrong."""
    # The imports' reader: any delimiter, BOM, Windows-1252, quoted line breaks, the same errors in the same words.
    if not Path(path).is_file():
        raise TrainingError(f"{path}: no such file")
    try:
        frame = read_frame(Path(path))
    except SourceError as error:
        message = str(error)
        raise TrainingError(f"{path}: the file is empty" if " is empty" in message else message) from None
    if frame.height == 0:
        raise TrainingError(f"{path}: no rows under the header")
    return frame


def _missing(series: pl.Series) -> pl.Series:
    """Return the column with blanks and form defaults ("Select") as null."""
    text = series.cast(pl.String).str.strip_chars()
    return pl.Series(series.name, [None if v is None or v.lower() in MISSING_WORDS else v for v in text.to_list()],
                     dtype=pl.String)


def _target(frame: pl.DataFrame, target: str) -> tuple[pl.DataFrame, np.ndarray, str]:
    if target not in frame.columns:
        raise TrainingError(f"no column {target!r}; the columns are: {', '.join(frame.columns)}")
    values = _missing(frame[target])
    frame = frame.filter(values.is_not_null())
    values = values.drop_nulls()
    distinct = sorted(set(values.to_list()))
    if len(distinct) != 2:
        shown = ", ".join(repr(v) for v in distinct[:6]) + (" …" if len(distinct) > 6 else "")
        raise TrainingError(f"the target {target!r} must have exactly two values (won/lost); it has "
                            f"{len(distinct)}: {shown}")
    positive = next((v for v in distinct if v.lower() in POSITIVE_WORDS), distinct[1])
    return frame, (values == positive).cast(pl.Int8).to_numpy(), positive


def _encode(name: str, series: pl.Series) -> Column:
    numbers = series.cast(pl.Float64, strict=False)
    if numbers.null_count() == series.null_count():
        return Column(name, False, numbers.to_numpy().astype(float))
    counts = series.drop_nulls().value_counts(sort=True).filter(pl.col("count") >= RARE).head(MOST_CATEGORIES)
    categories = sorted(counts[name].to_list())
    codes = {value: float(i) for i, value in enumerate(categories)}
    other = float(len(categories))
    values = np.array([np.nan if v is None else codes.get(v, other) for v in series.to_list()], dtype=float)
    return Column(name, True, values, categories)


def lead_table(frame: pl.DataFrame, *, target: str, exclude: Sequence[str] = ()) -> LeadTable:
    """Return the modelling view of a lead table; raise TrainingError for a bad target or unknown columns."""
    unknown = [c for c in exclude if c not in frame.columns]
    if unknown:
        raise TrainingError(f"--exclude names no column: {', '.join(unknown)}; the columns are: "
                            f"{', '.join(frame.columns)}")
    if target in exclude:
        raise TrainingError(f"the target {target!r} cannot also be excluded")
    frame, y, positive = _target(frame, target)
    if len(set(y.tolist())) < 2:
        raise TrainingError(f"every row with a {target!r} has the same value: nothing to learn")
    columns, identifiers = [], []
    for name in frame.columns:
        if name == target or name in exclude:
            continue
        series = _missing(frame[name])
        present = series.drop_nulls()
        if present.len() and present.n_unique() == present.len() and present.len() >= 0.95 * frame.height:
            identifiers.append(name)  # unique per row (Prospect ID, Lead Number): says who, not how likely
            continue
        if present.len() == 0 or present.n_unique() == 1 and series.null_count() == 0:
            continue  # constant columns carry nothing
        columns.append(_encode(name, series))
    indicators = [Column(f"{c.name} (missing)", False, np.isnan(c.values).astype(float))
                  for c in columns if np.isnan(c.values).any()]
    if not columns:
        raise TrainingError("no feature columns left to learn from")
    return LeadTable(frame, target, positive, y, columns + indicators, identifiers, list(exclude))
