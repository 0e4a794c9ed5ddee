"""Values as the live engine sees them, in columns: a kind per row and one column per JSON type.

A field (say `properties.amount`) may hold text in one event and a number in the next; the operators'
Polars faces decide per column type, so each field becomes `PATH#k` (its kind) beside `PATH#s`,
`PATH#i`, `PATH#f` and `PATH#b`, and a test picks the face of each row's kind. JSON documents are
parsed once per distinct document, never once per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
import polars as pl

from leadpact.pact.operators import OPERATORS, Lists

ABSENT, NULL, TEXT, INTEGER, REAL, BOOLEAN, OBJECT, LIST, HUGE = range(9)
# Kinds no single-value operator can test: the live engine reports an error (objects, lists) or holds an
# integer wider than a Polars Int64; people with such values are evaluated by the live engine itself.
UNDECIDABLE = (OBJECT, LIST, HUGE)
_INT64 = (-(2**63), 2**63 - 1)


def names(path: str) -> dict[str, str]:
    """Return the column names of a typed field: kind, text, integer, real and boolean."""
    return {suffix: f"{path}#{suffix}" for suffix in "ksifb"}


def schema(path: str) -> dict[str, pl.DataType]:
    """Return the Polars schema of a typed field's columns."""
    n = names(path)
    return {n["k"]: pl.Int8(), n["s"]: pl.String(), n["i"]: pl.Int64(), n["f"]: pl.Float64(), n["b"]: pl.Boolean()}


class _Missing:
    """Marks a key a document does not have (distinct from a key holding null)."""


MISSING = _Missing()
_KINDS: dict[type, int] = {str: TEXT, bool: BOOLEAN, int: INTEGER, float: REAL, dict: OBJECT, list: LIST,
                           type(None): NULL, _Missing: ABSENT}


def kind_of(value: Any) -> int:
    """Return the kind of a Python value as JSON or the database gives it."""
    kind = _KINDS.get(value.__class__)
    if kind is None:
        if isinstance(value, Mapping):
            return OBJECT
        if isinstance(value, list | tuple):
            return LIST
        if isinstance(value, str):
            return TEXT
        return REAL if isinstance(value, float) and not isinstance(value, bool) else HUGE
    if kind == INTEGER and not _INT64[0] <= value <= _INT64[1]:
        return HUGE
    return kind


def columns(values: list[Any], path: str, present: Iterable[bool] | None = None) -> dict[str, pl.Series]:
    """Return the typed columns of a field from Python values (MISSING, or false in `present`, is absent)."""
    if present is not None:
        values = [v if p else MISSING for v, p in zip(values, present, strict=True)]
    kinds_of = _KINDS.get
    kinds = [kinds_of(v.__class__, -1) for v in values]
    ints = [v if k == INTEGER else None for v, k in zip(values, kinds, strict=True)]
    try:
        integers = pl.Series(ints, dtype=pl.Int64)
    except Exception:  # an integer wider than 64 bits
        integers = None
    if integers is None or -1 in kinds:  # rare: wide integers or unusual classes
        kinds = [kind_of(v) for v in values]
        integers = pl.Series([v if k == INTEGER else None for v, k in zip(values, kinds, strict=True)],
                             dtype=pl.Int64)
    n = names(path)
    return {n["k"]: pl.Series(n["k"], kinds, dtype=pl.Int8),
            n["s"]: pl.Series(n["s"], [v if k == TEXT else None for v, k in zip(values, kinds, strict=True)],
                              dtype=pl.String),
            n["i"]: integers.alias(n["i"]),
            n["f"]: pl.Series(n["f"], [v if k == REAL else None for v, k in zip(values, kinds, strict=True)],
                              dtype=pl.Float64),
            n["b"]: pl.Series(n["b"], [v if k == BOOLEAN else None for v, k in zip(values, kinds, strict=True)],
                              dtype=pl.Boolean)}


def from_column(column: pl.Expr, dtype: pl.DataType, path: str) -> list[pl.Expr]:
    """Return typed-field expressions for a plain database column of one type (null means absent)."""
    n = names(path)
    if dtype == pl.String:
        kind, slot = TEXT, "s"
    elif dtype == pl.Boolean:
        kind, slot = BOOLEAN, "b"
    elif dtype.is_integer():
        kind, slot = INTEGER, "i"
    else:
        kind, slot = REAL, "f"
    target = {"s": pl.String, "i": pl.Int64, "f": pl.Float64, "b": pl.Boolean}
    exprs = [pl.when(column.is_null()).then(pl.lit(NULL, pl.Int8)).otherwise(pl.lit(kind, pl.Int8)).alias(n["k"])]
    for suffix, cast in target.items():
        value = column.cast(cast) if suffix == slot else pl.lit(None, cast)
        exprs.append(value.alias(n[suffix]))
    return exprs


def absent(path: str) -> list[pl.Expr]:
    """Return typed-field expressions of a field nobody has."""
    return [pl.lit(None, dtype).alias(name) if name[-1] != "k" else pl.lit(ABSENT, pl.Int8).alias(name)
            for name, dtype in schema(path).items()]


def read_path(data: Any, keys: Sequence[str]) -> tuple[bool, Any]:
    """Return (present, value) of a dotted path, read as the live engine reads it (a dotted trait name first)."""
    if len(keys) == 1:
        if data.__class__ is dict:
            return (True, data[keys[0]]) if keys[0] in data else (False, None)
        return (True, data[keys[0]]) if isinstance(data, Mapping) and keys[0] in data else (False, None)
    if isinstance(data, Mapping):
        whole = ".".join(keys)
        if whole in data:
            return True, data[whole]
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return False, None
        data = data[key]
    return True, data


def parse(text: str | None) -> Any:
    """Return a JSON document as Python values (None when there is none or it is not JSON)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # the standard library also reads NaN, Infinity and integers wider than 64 bits
            return json.loads(text)
        except ValueError:
            return None


def field_test(path: str, op: str, value: Any, lists: Lists) -> tuple[pl.Expr, pl.Expr]:
    """Return (holds, undecidable): the operator's Polars face applied to the face of each row's kind."""
    operator = OPERATORS[op]
    n = names(path)
    kind = pl.col(n["k"])
    faces = [(TEXT, n["s"], pl.String()), (INTEGER, n["i"], pl.Int64()), (REAL, n["f"], pl.Float64()),
             (BOOLEAN, n["b"], pl.Boolean())]
    chain: Any = pl
    for code, name, dtype in faces:
        chain = chain.when(kind == code).then(operator.expression(pl.col(name), dtype, value, lists))
    # objects and lists are never missing: exists holds, missing does not; any other test is an error
    structured = pl.lit(op == "exists") if op in ("exists", "missing") else pl.lit(False)
    holds = chain.when(kind.is_in(list(UNDECIDABLE))).then(structured).otherwise(pl.lit(operator.when_missing))
    undecidable = kind.is_in(list(UNDECIDABLE)) if op not in ("exists", "missing") else kind == HUGE
    return holds.fill_null(False), undecidable.fill_null(False)


def missing(path: str) -> pl.Expr:
    """Return whether a typed field counts as missing (absent, null, blank text or NaN)."""
    n = names(path)
    kind = pl.col(n["k"])
    blank = pl.col(n["s"]).str.strip_chars(" \t\n\r\x0b\x0c") == ""
    return ((kind <= NULL) | ((kind == TEXT) & blank) | ((kind == REAL) & pl.col(n["f"]).is_nan())).fill_null(True)


def truthy(path: str) -> pl.Expr:
    """Return Python truthiness of a typed field's value (objects, lists and huge integers count as true)."""
    n = names(path)
    kind = pl.col(n["k"])
    return (pl.when(kind == TEXT).then(pl.col(n["s"]) != "")
            .when(kind == INTEGER).then(pl.col(n["i"]) != 0)
            .when(kind == REAL).then(pl.col(n["f"]) != 0)  # NaN != 0, and NaN is truthy
            .when(kind == BOOLEAN).then(pl.col(n["b"]))
            .otherwise(kind.is_in(list(UNDECIDABLE)))).fill_null(False)


def divide(expression: pl.Expr, divisor: float) -> pl.Expr:
    """Return expression / divisor, correctly rounded as Python divides it."""
    # Polars turns division by a constant into multiplication by its reciprocal, which can differ in the last bit
    def run(series: pl.Series) -> pl.Series:
        """Divide in numpy, which divides."""
        return pl.Series(series.name, series.cast(pl.Float64).to_numpy() / float(divisor), dtype=pl.Float64)

    return expression.map_batches(run, return_dtype=pl.Float64)
