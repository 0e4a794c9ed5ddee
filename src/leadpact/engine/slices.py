"""Slices of a SQLite query read by helper processes at once, each handing back an Arrow file.

A thread does not help here: sqlite3 lets go of the GIL for every row it steps and takes it back to build the
row, so two threads reading at once mostly wait for each other. A helper process is a bare interpreter with
sqlite3 and Polars only (not leadpact, whose imports cost more than a slice), started while the caller reads
its own slice. Helpers see what is committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

# Rows are handed to Polars this many at a time, while they are still in the processor's caches: building each
# frame costs some 15% less than building one from every row at once (and the rows never all live at once).
BATCH = 20_000
# The helper's whole program: argv = database, query, low, high, schema (JSON [[name, dtype], ...]), output, batch.
HELPER = """
import gc, json, sqlite3, sys
import polars as pl
gc.disable()
database, query, low, high, schema, out, batch = sys.argv[1:8]
connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
connection.execute("PRAGMA mmap_size = 1099511627776")
cursor = connection.execute(query, (int(low), int(high)))
schema = {n: getattr(pl, t) for n, t in json.loads(schema)}
parts = []
while rows := cursor.fetchmany(int(batch)):
    parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
(pl.concat(parts) if parts else pl.DataFrame(schema=schema)).write_ipc(out)
"""


def by_batches(cursor: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """The rest of a cursor's rows as a frame of `schema`, built a batch at a time (see BATCH)."""
    parts = []
    while rows := cursor.fetchmany(BATCH):
        parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


class Slices:
    """Helper processes reading `query` (its last two parameters: an id range) over some ranges of ids."""

    def __init__(self, database: str, query: str, schema: dict[str, Any], bounds: list[tuple[int, int]]) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="leadpact-slices-")
        names = json.dumps([[name, str(dtype)] for name, dtype in schema.items()])
        self.outputs = [Path(self.directory.name) / f"{n}.arrow" for n in range(len(bounds))]
        self.helpers = [subprocess.Popen([sys.executable, "-c", HELPER, database, query, str(low), str(high), names,
                                          str(out), str(BATCH)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                        for (low, high), out in zip(bounds, self.outputs, strict=True)]

    def frames(self) -> list[pl.DataFrame | None]:
        """Wait for every helper; return each slice, or None where its helper failed (the caller reads it)."""
        found: list[pl.DataFrame | None] = []
        try:
            for helper, out in zip(self.helpers, self.outputs, strict=True):
                helper.communicate()
                found.append(pl.read_ipc(out.read_bytes()) if helper.returncode == 0 else None)
        finally:
            self.close()
        return found

    def close(self) -> None:
        """Stop any helper still running and remove their files."""
        for helper in self.helpers:
            if helper.poll() is None:
                helper.kill()
                helper.wait()
        self.directory.cleanup()
