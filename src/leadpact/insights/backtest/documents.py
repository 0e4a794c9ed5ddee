"""Distinct JSON documents of a column: events repeat the same few properties over and over, so each
distinct document is parsed once and its fields joined back to the rows by a small integer code."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import polars as pl

from leadpact.insights.backtest import typed

CODE = pl.UInt32
# Parsed documents are kept for reuse up to this many; past it they are parsed again per pass (in chunks),
# because millions of small Python dicts would cost more memory than parsing again costs time.
KEEP_PARSED = 250_000
CHUNK = 100_000
Derive = Callable[[Any], Any]
Getter = Callable[[Any], tuple[bool, Any]]


class Documents:
    """The distinct documents of one column, keyed by code, parsed on use; extracted columns are cached."""

    def __init__(self, codes: pl.Series, texts: pl.Series, parser: Callable[[str | None], Any] = typed.parse) -> None:
        self.codes = codes.cast(CODE)
        self.texts = texts
        self.parser = parser
        self._parsed: list[Any] | None = None
        self._columns: dict[str, pl.Series] = {}

    @classmethod
    def encode(cls, frame: pl.DataFrame, column: str, code: str,
               parser: Callable[[str | None], Any] = typed.parse) -> tuple[pl.DataFrame, Documents]:
        """Replace a JSON text column of `frame` by a code column and return the distinct documents."""
        frame = frame.with_columns(pl.col(column).cast(pl.String))
        frame = frame.with_columns(pl.col(column).cast(pl.Categorical).to_physical().cast(CODE).alias(code))
        distinct = (frame.lazy().filter(pl.col(code).is_not_null()).group_by(code)
                    .agg(pl.col(column).first()).sort(code).collect())
        return frame.drop(column), cls(distinct[code], distinct[column], parser)

    @classmethod
    def of_values(cls, values: Sequence[Any]) -> Documents:
        """Return documents already parsed (codes 0..n-1), e.g. the database's JSON columns."""
        documents = cls(pl.Series(range(len(values)), dtype=CODE), pl.Series([None] * len(values), dtype=pl.String))
        documents._parsed = list(values)
        return documents

    def chunks(self) -> Iterator[list[Any]]:
        """Yield the parsed documents in chunks, in the order of `self.codes`."""
        if self._parsed is not None:
            yield self._parsed
            return
        parse, texts = self.parser, self.texts
        keep = len(texts) <= KEEP_PARSED
        kept: list[Any] = []
        for start in range(0, len(texts), CHUNK):
            chunk = [parse(text) for text in texts.slice(start, CHUNK).to_list()]
            if keep:
                kept.extend(chunk)
            yield chunk
        if keep:
            self._parsed = kept

    def table(self, code: str, derived: dict[str, tuple[Derive, pl.DataType]] | None = None,
              fields: dict[str, Sequence[str] | Getter] | None = None) -> pl.DataFrame:
        """Return `code` with Python-derived columns and typed fields (path → keys or a getter), in one pass."""
        derived, fields = derived or {}, fields or {}
        wanted_derived = {n: d for n, d in derived.items() if f"derived:{n}" not in self._columns}
        wanted_fields = {p: k for p, k in fields.items() if f"field:{p}" not in self._columns}
        if wanted_derived or wanted_fields:
            self._extract(wanted_derived, wanted_fields)
        columns: dict[str, pl.Series] = {code: self.codes}
        for name in derived:
            columns[name] = self._columns[f"derived:{name}"]
        for path in fields:
            columns.update(self._columns[f"field:{path}"].struct.unnest().to_dict())
        return pl.DataFrame(columns)

    def _extract(self, derived: dict[str, tuple[Derive, pl.DataType]], fields: dict[str, Any]) -> None:
        values: dict[str, list[Any]] = {name: [] for name in derived}
        raw: dict[str, list[Any]] = {path: [] for path in fields}
        missing = typed.MISSING
        for chunk in self.chunks():
            for name, (derive, _) in derived.items():
                values[name].extend([derive(document) for document in chunk])
            for path, keys in fields.items():
                if not callable(keys) and len(keys) == 1:  # the common case, at C speed
                    key = keys[0]
                    raw[path].extend([d.get(key, missing) if d.__class__ is dict else
                                      _read(d, keys) for d in chunk])
                else:
                    read = keys if callable(keys) else (lambda d, k=list(keys): typed.read_path(d, k))
                    raw[path].extend([value if present else missing for present, value in map(read, chunk)])
        for name, (_, dtype) in derived.items():
            self._columns[f"derived:{name}"] = pl.Series(name, values[name], dtype=dtype)
        for path, items in raw.items():
            self._columns[f"field:{path}"] = pl.DataFrame(typed.columns(items, path)).to_struct(path)

    def field(self, path: str, keys: list[str], code: str) -> pl.DataFrame:
        """Return `code` and the typed columns of one field read from each document at `keys`."""
        return self.table(code, fields={path: keys})

    def derived(self, name: str, derive: Derive, dtype: pl.DataType, code: str) -> pl.DataFrame:
        """Return `code` and one column computed in Python from each document."""
        return self.table(code, derived={name: (derive, dtype)})

    def __len__(self) -> int:
        return len(self.codes)


def _read(document: Any, keys: Sequence[str]) -> Any:
    present, value = typed.read_path(document, keys)
    return value if present else typed.MISSING
