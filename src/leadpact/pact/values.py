"""How the pact reads a value: what counts as missing, as a number, as text.

The Python predicates and the Polars expressions both go through these rules, so the live
engine and the backtest cannot disagree on, say, whether "250" is a number.
"""

from __future__ import annotations

import math
import re
from typing import Any

import polars as pl

# ASCII whitespace only: Python's str.strip() and Polars' strip_chars() disagree on a few
# Unicode separators, and the two faces of every operator must agree exactly.
WHITESPACE = " \t\n\r\x0b\x0c"

# A number written as text: "250", "-3.5", ".5", "1e3". Deliberately narrower than float():
# no "nan", "inf", "1_000" or hex, which Polars would read differently.
NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(NUMBER_PATTERN)


def is_missing(value: Any) -> bool:
    """Tell whether a value counts as missing: None, blank text or NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip(WHITESPACE)
    if isinstance(value, float):
        return math.isnan(value)
    return False


def to_number(value: Any) -> float | None:
    """Return the value as a float when it is a number or numeric text, else None (not booleans)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return None if math.isnan(number) else number
    if isinstance(value, str):
        text = value.strip(WHITESPACE)
        if _NUMBER.fullmatch(text):
            return float(text)
    return None


def to_text(value: Any) -> str | None:
    """Return the value as text for text operators: strings, or whole numbers written out; else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def is_number(value: Any) -> bool:
    """Tell whether a pact value is a plain number (not a boolean)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def column_missing(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Polars face of `is_missing` for a column of the given type."""
    if dtype == pl.String:
        return column.is_null() | (column.str.strip_chars(WHITESPACE) == "")
    if dtype.is_float():
        return column.is_null() | column.is_nan()
    return column.is_null()


def column_number(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Polars face of `to_number`: a Float64 expression, null where the value is not a number."""
    if dtype == pl.String:
        text = column.str.strip_chars(WHITESPACE)
        return pl.when(text.str.contains(NUMBER_PATTERN)).then(text.cast(pl.Float64, strict=False))
    if dtype.is_numeric():
        return column.cast(pl.Float64).fill_nan(None)
    return pl.lit(None, dtype=pl.Float64)


def column_text(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Polars face of `to_text`: a String expression, null where the value is not text."""
    if dtype == pl.String:
        return column
    if dtype.is_integer():
        return column.cast(pl.String)
    # nulls of the column's length (not a scalar literal) so row-wise Python steps line up
    return pl.when(pl.lit(False)).then(column.cast(pl.String))


def format_value(value: Any) -> str:
    """Write a pact value the way a person reads it: 5,000 not 5000, true not True."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return format(int(value), ",")
    if isinstance(value, int | float):
        return format(value, ",")
    return str(value)
