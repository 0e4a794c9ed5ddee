"""Distinct JSON documents of a column: events repeat the same few properties over and over, so each
distinct document is parsed once and its fields joined back to the rows by a small integer code."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl

from leadpact.insights.backtest import fastjson, typed

CODE = pl.UInt32
# Parsed documents are kept for reuse up to this many; past it they are parsed again per pass (in chunks),
# because millions of small Python dicts would cost more memory than parsing again costs time.
KEEP_PARSED = 250_000
CHUNK = 100_000
# Past this many documents, fields are decoded by Polars (see fastjson.py) and only doubtful ones by Python.
FAST_FROM = 20_000
DECODE_SLICE = 250_000
DECODERS = min(4, os.cpu_count() or 1)  # slices decoded at once (each holds its decoded structs meanwhile)
Derive = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    """Where a field is read: its keys, and whether a trait named with the whole dotted path wins over the walk."""

    # the engine's field readers prefer the dotted name; `company.get("name")` in resolve simply walks

    keys: tuple[str, ...]
    whole_first: bool = True

    def read(self, document: Any) -> Any:
        """Return the value at this field of a parsed document, or MISSING."""
        if self.whole_first:
            present, value = typed.read_path(document, self.keys)
            return value if present else typed.MISSING
        for key in self.keys:
            if not isinstance(document, Mapping) or key not in document:
                return typed.MISSING
            document = document[key]
        return document


def walk(*keys: str) -> Field:
    """Return a field read by walking its keys (no whole dotted name)."""
    return Field(tuple(keys), whole_first=False)


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
        # distinct texts by an exact join, not a categorical: the global string cache keeps every text for good.
        # Numbered in order of first appearance, not sorted: sorting two million texts of 200 bytes takes longer
        # than the rest of the encoding, and leaves them scattered in memory, which makes every later pass over
        # them (JSON decoding, the guards' regexes) several times slower.
        distinct = (frame.select(pl.col(column).cast(pl.String)).unique(maintain_order=True).drop_nulls()
                    .with_row_index(code))
        frame = frame.with_columns(pl.col(column).cast(pl.String)).join(
            distinct, on=column, how="left", maintain_order="left").drop(column)
        return frame, cls(distinct[code], distinct[column], parser)

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
              fields: dict[str, Sequence[str] | Field] | None = None) -> pl.DataFrame:
        """Return `code` with derived columns and typed fields (path → keys or Field); same keys, one extraction."""
        derived = derived or {}
        specs = {path: spec if isinstance(spec, Field) else Field(tuple(spec)) for path, spec in (fields or {}).items()}
        wanted_derived = {n: d for n, d in derived.items() if f"derived:{n}" not in self._columns}
        if wanted_derived:
            self._derive(wanted_derived)
        wanted_fields = {self._spec_name(f): f for f in specs.values() if self._spec_name(f) not in self._columns}
        if wanted_fields:
            self._fields(wanted_fields)
        columns: dict[str, pl.Series] = {code: self.codes}
        for name in derived:
            columns[name] = self._columns[f"derived:{name}"]
        for path, spec in specs.items():
            shared = self._columns[self._spec_name(spec)].struct.unnest()
            columns.update(zip(typed.names(path).values(), [shared.to_series(i) for i in range(5)], strict=True))
        return pl.DataFrame(columns)

    def prefetch(self, fields: dict[str, Sequence[str] | Field]) -> None:
        """Extract fields into the cache now, all in one pass over the documents (later `table` calls reuse them)."""
        specs = [spec if isinstance(spec, Field) else Field(tuple(spec)) for spec in fields.values()]
        wanted = {self._spec_name(f): f for f in specs if self._spec_name(f) not in self._columns}
        if wanted:
            self._fields(wanted)

    @staticmethod
    def _spec_name(spec: Field) -> str:
        return f"field:{'.'.join(spec.keys)}|{spec.whole_first}"

    def forget(self) -> None:
        """Drop the extracted columns (they weigh much for millions of documents; asking again re-extracts)."""
        self._columns.clear()

    def _derive(self, derived: dict[str, tuple[Derive, pl.DataType]]) -> None:
        values: dict[str, list[Any]] = {name: [] for name in derived}
        for chunk in self.chunks():
            for name, (derive, _) in derived.items():
                values[name].extend([derive(document) for document in chunk])
        for name, (_, dtype) in derived.items():
            self._columns[f"derived:{name}"] = pl.Series(name, values[name], dtype=dtype)

    def _fields(self, fields: dict[str, Field]) -> None:
        """Extract fields (keyed by spec name) into the column cache."""
        if self._parsed is not None or len(self.texts) < FAST_FROM:
            frame = self._python_fields(fields, self.chunks())
        else:
            # decoded a slice at a time: the decoded structs of millions of documents weigh gigabytes, and each
            # slice's guards are judged against the types Polars inferred for that slice. Polars decodes one
            # slice on one core and lets go of the GIL: a few slices at once use the others.
            slices = [self.texts.slice(start, DECODE_SLICE) for start in range(0, len(self.texts), DECODE_SLICE)]
            with ThreadPoolExecutor(max_workers=DECODERS) as pool:
                frame = pl.concat(list(pool.map(lambda texts: self._decoded(texts, fields), slices)),
                                  how="vertical_relaxed")
        for name in fields:
            self._columns[name] = frame.select(list(typed.names(name).values())).to_struct(name)

    def _decoded(self, texts: pl.Series, fields: dict[str, Field]) -> pl.DataFrame:
        """Typed fields of some documents: Polars' decoding, with Python's for the doubtful ones."""
        wanted = {p: (f.keys, f.whole_first) for p, f in fields.items()}
        fast = fastjson.Decoder(texts, tops={keys[0] for keys, _ in wanted.values()}).decode(wanted)
        if fast is None:
            return self._python_fields(fields, iter([[self.parser(t) for t in texts.to_list()]]))
        decoded, doubtful = fast
        rows = doubtful.arg_true()
        python = self._python_fields(fields, iter([[self.parser(t) for t in texts.gather(rows).to_list()]]))
        frame = pl.concat([decoded.with_row_index("row").filter(~doubtful),
                           python.with_columns(rows.cast(pl.UInt32).alias("row"))], how="diagonal_relaxed")
        return frame.sort("row").drop("row")

    @staticmethod
    def _python_fields(fields: dict[str, Field], chunks: Iterator[list[Any]]) -> pl.DataFrame:
        raw: dict[str, list[Any]] = {path: [] for path in fields}
        missing = typed.MISSING
        for chunk in chunks:
            for path, spec in fields.items():
                if spec.whole_first and len(spec.keys) == 1:  # the common case, at C speed
                    key = spec.keys[0]
                    raw[path].extend([d.get(key, missing) if d.__class__ is dict else spec.read(d) for d in chunk])
                else:
                    raw[path].extend([spec.read(d) for d in chunk])
        columns: dict[str, pl.Series] = {}
        for path, items in raw.items():
            columns.update(typed.columns(items, path))
        return pl.DataFrame(columns)

    def field(self, path: str, keys: list[str], code: str) -> pl.DataFrame:
        """Return `code` and the typed columns of one field read from each document at `keys`."""
        return self.table(code, fields={path: keys})

    def derived(self, name: str, derive: Derive, dtype: pl.DataType, code: str) -> pl.DataFrame:
        """Return `code` and one column computed in Python from each document."""
        return self.table(code, derived={name: (derive, dtype)})

    def __len__(self) -> int:
        return len(self.codes)
