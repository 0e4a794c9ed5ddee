"""Typed fields of many JSON documents decoded by Polars, with guards that send doubtful documents to Python.

Polars' JSON reader infers one type per field and quietly converts values that do not fit it (5 becomes
"5", true becomes 1), keeps the first of two equal keys where Python keeps the last, and may round
floats differently. A document is decoded by Polars only when, for every key a field reads, the key
appears at most once and its value starts the way the inferred type says (a quote for text, a digit
for an integer, …); every other document (and every float) is read by Python, value for value.
Types are inferred from an even sample of a large set; a key the sample never saw sends every document
holding it to Python, and a document the sample's types cannot hold sends the set back to full inference.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

import polars as pl

from leadpact.insights.backtest import typed

# How a value of each inferred type starts, after the colon that follows its key.
_STARTS = {"String": '"', "Boolean": "tf", "Struct": "{", "List": "["}
_INTEGER_BAD = r"(?:[^-0-9\s]|-?[0-9]+[.eE]|-?[0-9]{19,})"
SAMPLE = 10_000  # past this many documents, the types are inferred from about this many, evenly spread


def _key_pattern(key: str) -> str:
    return '"' + re.escape(key) + r'"\s*:'


class _Nowhere:
    """The inferred structure has no such key: no document of the slice holds it there."""


NOWHERE = _Nowhere()


def _dtype_at(dtype: pl.DataType, keys: Sequence[str]) -> pl.DataType | _Nowhere:
    """The inferred type at a path, or NOWHERE when no document holds the path (inference saw every one)."""
    for key in keys:
        if not isinstance(dtype, pl.Struct):
            return NOWHERE  # walking into text, a number or a list finds nothing
        fields = {f.name: f.dtype for f in dtype.fields}
        if key not in fields:
            return NOWHERE
        dtype = fields[key]
    return dtype


def _bad_value(key: str, dtype: pl.DataType) -> str | None:
    """A regex matching a value of `key` that the inferred type would misread (None: every value is doubtful)."""
    name = "Struct" if isinstance(dtype, pl.Struct) else "List" if isinstance(dtype, pl.List) else str(dtype)
    if name in _STARTS:
        return _key_pattern(key) + r"\s*[^" + re.escape(_STARTS[name]) + r"\s]"
    if dtype == pl.Int64:
        return _key_pattern(key) + r"\s*" + _INTEGER_BAD
    return None  # floats (rounding), unsigned or null-only inference: leave to Python


class Decoder:
    """Polars' decoding of one set of documents, done once; fields and guards computed on request."""

    def __init__(self, texts: pl.Series, tops: Collection[str] | None = None) -> None:
        self.texts = texts
        self.tops = None if tops is None else set(tops)  # the only top-level keys `decode` may be asked to read
        self.sampled = False  # the types were inferred from a sample: keys it never saw must be guarded too
        self.decoded: pl.Series | None = None
        if len(texts) > SAMPLE:
            # inferring the types from every document costs as much as decoding them all once more
            try:
                dtype = texts.gather_every(len(texts) // SAMPLE).str.json_decode(infer_schema_length=None).dtype
                self.decoded, self.sampled = texts.str.json_decode(dtype=_only(dtype, self.tops)), True
            except Exception:  # a document the sample's types cannot hold: infer from every document
                self.decoded = None
        if self.decoded is None:
            try:
                self.decoded = texts.str.json_decode(infer_schema_length=None)
            except Exception:  # mixed shapes Polars cannot unify: every document is read in Python
                self.decoded = None
        self._doubtful = ~texts.str.contains(r"^\s*\{") | texts.str.contains("\\u", literal=True)
        self._checked: set[str] = set()

    def decode(self, fields: Mapping[str, tuple[Sequence[str], bool]]) -> tuple[pl.DataFrame, pl.Series] | None:
        """Return (typed columns of each path → (keys, whole_first), documents Polars may misread), or None."""
        # documents holding a key spelled with the whole dotted path are left to Python, whichever way it reads
        if self.decoded is None:
            return None
        assert self.tops is None or {keys[0] for keys, _ in fields.values()} <= self.tops, "a key left undecoded"
        texts, dtype = self.texts, self.decoded.dtype
        # what makes a document doubtful, gathered first and matched in two passes over the texts (one pass per
        # guard costs more than the decoding itself): any of `signs`, or a key of `repeatable` seen twice
        signs: list[str] = []
        repeatable: list[str] = []
        for keys, _ in fields.values():
            if len(keys) > 1 and ".".join(keys) not in self._checked:
                self._checked.add(".".join(keys))
                signs.append(re.escape('"' + ".".join(keys) + '"'))
            for depth, key in enumerate(keys):
                inferred = _dtype_at(dtype, keys[:depth + 1])
                if isinstance(inferred, _Nowhere):
                    # no document holds the path from here on: nothing to misread, unless the types came from a
                    # sample that did not see the key (below an object; below anything else the parent's guard
                    # already sends away the documents where it is an object)
                    parent = _dtype_at(dtype, keys[:depth]) if depth else dtype
                    if self.sampled and isinstance(parent, pl.Struct) and f"{key}|unseen" not in self._checked:
                        self._checked.add(f"{key}|unseen")
                        signs.append(_key_pattern(key))
                    break
                pattern = _bad_value(key, inferred)
                if f"{key}|{pattern}" in self._checked:
                    continue
                self._checked.add(f"{key}|{pattern}")
                signs.append(_key_pattern(key) if pattern is None else pattern)
                if key not in repeatable:
                    repeatable.append(key)
        if signs:
            self._doubtful = self._doubtful | texts.str.contains("|".join(f"(?:{sign})" for sign in signs))
        if repeatable:
            # a key twice: its pattern, anything (newlines too), its pattern again
            twice = "|".join(f"(?:{_key_pattern(key)}(?s:.)*{_key_pattern(key)})" for key in repeatable)
            self._doubtful = self._doubtful | texts.str.contains(twice)
        frame = self.decoded.to_frame("document")
        columns: dict[str, pl.Series] = {}
        for path, (keys, _) in fields.items():
            columns.update(_typed(frame, path, keys, _dtype_at(dtype, keys)))
        return pl.DataFrame(columns), self._doubtful.fill_null(True)


def _only(dtype: pl.DataType, tops: set[str] | None) -> pl.DataType:
    """The inferred type with only these top-level keys: decoding the others into structs is most of the cost."""
    # a value's type is the same whether or not its neighbours are decoded, so the kept keys read exactly the same
    if tops is None or not isinstance(dtype, pl.Struct):
        return dtype
    return pl.Struct([f for f in dtype.fields if f.name in tops])


def _typed(frame: pl.DataFrame, path: str, keys: Sequence[str], dtype: pl.DataType | _Nowhere) -> dict[str, pl.Series]:
    n = typed.names(path)
    if isinstance(dtype, _Nowhere) or _bad_value(keys[-1], dtype) is None:
        # outside the inferred structs, or a type left to Python (every document holding the key is doubtful)
        result = frame.with_columns(typed.absent(path))
        return {c: result[c] for c in n.values()}
    value = pl.col("document")
    for key in keys:
        value = value.struct.field(key)
    if isinstance(dtype, pl.Struct | pl.List):
        kind = typed.OBJECT if isinstance(dtype, pl.Struct) else typed.LIST
        exprs = [pl.when(value.is_null()).then(pl.lit(typed.ABSENT, pl.Int8)).otherwise(pl.lit(kind, pl.Int8))
                 .alias(n["k"]), *[e for e in typed.absent(path) if e.meta.output_name() != n["k"]]]
    else:
        exprs = typed.from_column(value, dtype, path)
        exprs[0] = pl.when(value.is_null()).then(pl.lit(typed.ABSENT, pl.Int8)).otherwise(exprs[0]).alias(n["k"])
    result = frame.select(exprs)
    return {c: result[c] for c in n.values()}
