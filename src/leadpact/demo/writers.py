"""File writers: events sorted by time across chunks (spilling to disk past a memory budget), and records."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow.parquet as pq

from leadpact.demo.serialize import Buckets, events_frame, sorted_frame, write_sorted_jsonl

FORMATS = ("jsonl", "parquet")
MEMORY_BUDGET = 384 * 1024 * 1024  # bytes of serialized events held before spilling buckets to disk


class SortedEventWriter:
    """Collects per-bucket blobs from any number of chunks and writes one file sorted by time."""

    def __init__(self, path: Path, fmt: str, buckets: Buckets) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
        self.path, self.fmt, self.buckets = Path(path), fmt, buckets
        self.held: dict[int, list[bytes]] = {}
        self.held_bytes = 0
        self.spill_dir: Path | None = None
        self.spilled: dict[int, list[Path]] = {}
        self.events = 0

    def add(self, blobs: dict[int, bytes], events: int) -> None:
        """Take one chunk's bucket blobs (from `jsonl_buckets` or `parquet_buckets`)."""
        self.events += events
        for bucket, blob in blobs.items():
            self.held.setdefault(bucket, []).append(blob)
            self.held_bytes += len(blob)
        if self.held_bytes > MEMORY_BUDGET:
            self._spill()

    def _spill(self) -> None:
        if self.spill_dir is None:
            self.spill_dir = Path(tempfile.mkdtemp(prefix=".spill-", dir=self.path.parent))
        for bucket, blobs in self.held.items():
            # Joined per spill, so files grow with spills (rare), not with chunks.
            target = self.spill_dir / f"{bucket:05d}-{len(self.spilled.get(bucket, [])):05d}.arrow"
            sink = io.BytesIO()
            pl.concat([pl.read_ipc(io.BytesIO(blob)) for blob in blobs]).write_ipc(sink)
            target.write_bytes(sink.getvalue())
            self.spilled.setdefault(bucket, []).append(target)
        self.held, self.held_bytes = {}, 0

    def close(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Merge bucket by bucket into the output file; return the number of events written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.fmt == "jsonl":
                self._merge_jsonl(progress)
            else:
                self._merge_parquet(progress)
        finally:
            if self.spill_dir is not None:
                shutil.rmtree(self.spill_dir, ignore_errors=True)
        return self.events

    def _bucket(self, bucket: int) -> list[bytes]:
        return [path.read_bytes() for path in self.spilled.pop(bucket, [])] + self.held.pop(bucket, [])

    def _merge_jsonl(self, progress: Callable[[int, int], None] | None) -> None:
        with self.path.open("wb") as handle:
            for bucket in range(self.buckets.count):
                blobs = self._bucket(bucket)
                if blobs:
                    write_sorted_jsonl(blobs, handle)
                if progress is not None:
                    progress(bucket + 1, self.buckets.count)

    def _merge_parquet(self, progress: Callable[[int, int], None] | None) -> None:
        writer: pq.ParquetWriter | None = None
        try:
            for bucket in range(self.buckets.count):
                blobs = self._bucket(bucket)
                if blobs:
                    table = sorted_frame(blobs).to_arrow()
                    if writer is None:
                        writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
                    writer.write_table(table, row_group_size=250_000)
                if progress is not None:
                    progress(bucket + 1, self.buckets.count)
            if writer is None:  # no events at all: still leave a valid, empty event table
                events_frame([]).write_parquet(self.path)
        finally:
            if writer is not None:
                writer.close()


class RecordWriter:
    """Appends plain-dict records to a JSONL or Parquet file, chunk by chunk, with a fixed schema."""

    def __init__(self, path: Path, fmt: str, schema: dict[str, Any]) -> None:
        self.path, self.fmt, self.schema = Path(path), fmt, schema
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self._handle = self.path.open("wb") if fmt == "jsonl" else None
        self._parquet: pq.ParquetWriter | None = None

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows."""
        rows = list(rows)
        self.count += len(rows)
        if self._handle is not None:
            self._handle.write(b"".join(orjson.dumps(row) + b"\n" for row in rows))
            return
        table = pl.DataFrame(rows, schema=self.schema).to_arrow() if rows else None
        if table is not None:
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table)

    def close(self) -> int:
        """Finish the file (an empty table when no rows came) and return the row count."""
        if self._handle is not None:
            self._handle.close()
        elif self._parquet is not None:
            self._parquet.close()
        else:
            pl.DataFrame(schema=self.schema).write_parquet(self.path)
        return self.count


def read_events(path: Path) -> list[dict[str, Any]]:
    """Read an events file written here back into Segment messages (JSONL) or rows (Parquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pl.read_parquet(path).to_dicts()
    with path.open("rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]
