"""Writing a whole demo company to a directory, chunk by chunk, optionally on several processes.

Layout: events, accounts, people, identities, content, teams and reps at the top; the hidden truth
under `truth/` so that nothing observable sits next to it by accident.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from leadpact.demo.catalog import CatalogIndex, build_catalog
from leadpact.demo.chunks import ChunkPlan, CompanyShape, generate_chunk
from leadpact.demo.company import DemoCompany
from leadpact.demo.serialize import Buckets, jsonl_buckets, parquet_buckets
from leadpact.demo.writers import RecordWriter, SortedEventWriter

Progress = Callable[[str, int, int], None]
_S, _I, _F, _B = pl.String, pl.Int64, pl.Float64, pl.Boolean
_TIME = pl.Datetime("us", "UTC")
RECORD_SCHEMAS: dict[str, dict[str, Any]] = {
    "accounts": {"id": _S, "domain": _S, "name": _S, "industry": _S, "employees": _I, "country": _S, "owner": _S},
    "people": {"id": _S, "account_id": _S, "first_name": _S, "last_name": _S, "email": _S, "title": _S,
               "seniority": _S, "department": _S, "country": _S, "phone": _S, "company_name": _S},
    "identities": {"person_id": _S, "user_id": _S, "email": _S, "anonymous_ids": pl.List(_S)},
    "content": {"id": _S, "title": _S, "path": _S, "topic": _S, "problem": _S, "funnel_stage": _S, "kind": _S,
                "gated": _B, "url": _S},
    "teams": {"id": _S, "name": _S, "manager_id": _S, "countries": pl.List(_S), "timezone": _S},
    "reps": {"id": _S, "name": _S, "email": _S, "team": _S, "role": _S, "weight": _F, "capacity": _I,
             "timezone": _S},
    "truth/accounts": {"account_id": _S, "industry": _S, "employees": _I, "problem": _S, "in_market": _B,
                       "timing_start": _TIME, "timing_end": _TIME, "already_solved": _B, "competitor": _B},
    "truth/people": {"person_id": _S, "account_id": _S, "buying_role": _S, "noise_kind": _S, "intent": _S,
                     "seniority": _S, "department": _S, "duplicate_of": _S, "acceptance_probability": _F,
                     "win_probability": _F},
    "truth/reps": {"rep_id": _S, "response_pace_minutes": _F},
}
CHUNK_RECORDS = ("accounts", "people", "identities", "truth/accounts", "truth/people")


@dataclass
class WriteSummary:
    """What a write produced and how fast."""

    directory: Path
    fmt: str
    accounts: int
    people: int
    visitors: int
    events: int
    seconds: float
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        """Return events written per wall-clock second, generation and sorting included."""
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class _ChunkOutput:
    records: dict[str, list[dict[str, Any]]]
    blobs: dict[int, bytes]
    events: int
    people: int


def expected_events(people: int, visitors: int) -> int:
    """Return a rough event count for sizing time buckets (about 19 per person, 3-4 per visitor)."""
    return people * 19 + visitors * 4


def write_company(company: DemoCompany, directory: Path, *, fmt: str = "jsonl", workers: int | None = None,
                  progress: Progress | None = None) -> WriteSummary:
    """Write every file of the company under `directory` and return a summary with the event rate."""
    began = time.perf_counter()
    directory = Path(directory)
    suffix = "jsonl" if fmt == "jsonl" else "parquet"
    files = {name: directory / f"{name}.{suffix}" for name in RECORD_SCHEMAS}
    files["events"] = directory / f"events.{suffix}"
    buckets = Buckets(company.start, company.end, expected_events(company.sizes["people"],
                                                                  company.sizes["visitors"]))
    events = SortedEventWriter(files["events"], fmt, buckets)
    writers = {name: RecordWriter(files[name], fmt, RECORD_SCHEMAS[name]) for name in CHUNK_RECORDS}
    people = 0
    for done, output in enumerate(_outputs(company, fmt, workers, buckets), start=1):
        for name, rows in output.records.items():
            writers[name].write(rows)
        events.add(output.blobs, output.events)
        people += output.people
        if progress is not None:
            progress("generate", done, len(company.plans))
    counts = {name: writer.close() for name, writer in writers.items()}
    _write_static(company, files, fmt)
    events_written = events.close(None if progress is None else lambda d, t: progress("sort", d, t))
    return WriteSummary(directory, fmt, counts["accounts"], people, company.sizes["visitors"], events_written,
                        time.perf_counter() - began, files)


def _write_static(company: DemoCompany, files: dict[str, Path], fmt: str) -> None:
    static = {
        "content": [asset.to_dict() for asset in company.content],
        "teams": [team.to_dict() for team in company.teams],
        "reps": [rep.to_dict() for rep in company.reps],
        "truth/reps": [{"rep_id": rep_id, "response_pace_minutes": pace}
                       for rep_id, pace in company.shape.rep_pace],
    }
    for name, rows in static.items():
        writer = RecordWriter(files[name], fmt, RECORD_SCHEMAS[name])
        writer.write(rows)
        writer.close()


def _outputs(company: DemoCompany, fmt: str, workers: int | None, buckets: Buckets) -> Iterator[_ChunkOutput]:
    """Yield each chunk's output in chunk order, generated here or on worker processes."""
    jobs = [(company.shape, plan, fmt, buckets) for plan in company.plans]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(jobs) >= 8 else 1
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield render_chunk(*job)
        return
    # Spawned, not forked: polars' thread pool in this process must not be copied mid-flight.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        pending: deque[Future[_ChunkOutput]] = deque()
        queue = iter(jobs)
        for job in queue:  # keep a bounded window in flight so finished chunks do not pile up in memory
            pending.append(pool.submit(render_chunk, *job))
            if len(pending) >= workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@lru_cache(maxsize=1)
def _catalog() -> CatalogIndex:
    return CatalogIndex(build_catalog())


def render_chunk(shape: CompanyShape, plan: ChunkPlan, fmt: str, buckets: Buckets) -> _ChunkOutput:
    """Generate one chunk and serialise it: record rows plus per-bucket event blobs."""
    chunk = generate_chunk(shape, plan, _catalog(), sort_events=False)  # the merge sorts by the same key
    blobs = jsonl_buckets(chunk.events, buckets) if fmt == "jsonl" else parquet_buckets(chunk.events, buckets)
    truth = chunk.truth
    records = {
        "accounts": [a.to_dict() for a in chunk.accounts],
        "people": [p.to_dict() for p in chunk.people],
        "identities": [i.to_dict() for i in chunk.identities],
        "truth/accounts": [t.to_dict() for t in truth.accounts.values()],
        "truth/people": [truth.person_record(person_id) for person_id in truth.people],
    }
    return _ChunkOutput(records, blobs, len(chunk.events), len(chunk.people))
