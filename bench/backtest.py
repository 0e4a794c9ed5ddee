"""The vectorised backtest at scale, beside a hand-written Polars query computing the same MQL set in the same run.

One pact (the demo's starting pact) over the demo company's export: 1,000,000 people and about 20,000,000
events by default, written once as Parquet to a cache directory and reused. Each measurement runs in its own
subprocess, so its peak memory (ru_maxrss) is its own:

- resolve: reading the export and resolving identities and facts (shared by both; reported on its own);
- backtest: `prepare(pact, history).at(as_of)` — every person's full evaluation (statuses, scores, readiness);
- query: a Polars query written by hand for this one pact, computing the set of people whose status is mql.

The two MQL sets must be equal. Targets: backtest ≤ 60 s, ≤ 2× the hand-written query, peak memory ≤ 6 GB.

Reproduce: `.venv/bin/python bench/backtest.py [--people 1000000] [--cache DIR]`."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._handwritten import mql_people  # noqa: E402

AS_OF = datetime(2026, 10, 31, tzinfo=UTC)
SEED = 7


def export_directory(cache: Path, people: int) -> Path:
    """Return the cached export of the demo company of this size, writing it first if it is not there."""
    directory = cache / f"people-{people}-seed-{SEED}"
    if (directory / "events.parquet").exists() and (directory / "content.parquet").exists():
        return directory
    from leadpact.demo import generate_company, write_company

    print(f"writing the demo company ({people:,} people) to {directory} — this takes a while, once", flush=True)
    company = generate_company(seed=SEED, people=people, accounts=max(1, people // 4))
    summary = write_company(company, directory, fmt="parquet", workers=os.cpu_count())
    print(f"  {summary.events:,} events in {summary.seconds:.0f} s", flush=True)
    return directory


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, directory: Path, out: Path) -> None:
    """Run one measurement in this process and write its figures and MQL set (the subprocess side)."""
    import polars as pl

    from leadpact.demo import STARTING_PACT_PATH
    from leadpact.insights.backtest import conditions, prepare, read_export, readiness
    from leadpact.pact import compile_pact, load_pact_file

    compiled = compile_pact(load_pact_file(STARTING_PACT_PATH))
    paths = conditions.field_paths(conditions.person_conditions(compiled.pact)) | set(readiness.READINESS_FIELDS)
    started = time.perf_counter()
    history = read_export(directory, as_of=AS_OF, fields=sorted(paths))  # facts read once per history, kept
    resolved = time.perf_counter() - started
    events = history.events.height
    started = time.perf_counter()
    if kind == "backtest":
        result = prepare(compiled, history).at(AS_OF)
        people = result.filter(pl.col("status") == "mql").select("person")
    else:
        people = mql_people(history, compiled, AS_OF)
    seconds = time.perf_counter() - started
    # person numbers depend on the process (categorical codes); people are compared by their key
    people = people.join(history.people, on="person", how="left").select("key")
    people.write_parquet(out.with_suffix(".parquet"))
    out.write_text(json.dumps({"kind": kind, "resolve_s": resolved, "seconds": seconds, "peak_mb": _peak_mb(),
                               "events": events, "people": history.people.height,
                               "mqls": people.height}))


def run(kind: str, directory: Path, scratch: Path) -> dict[str, object]:
    """Measure in a fresh subprocess and return its figures."""
    out = scratch / f"{kind}.json"
    subprocess.run([sys.executable, __file__, "--measure", kind, "--export", str(directory), "--out", str(out)],
                   check=True)
    return json.loads(out.read_text())


def main() -> None:
    """Measure both ways in subprocesses, check the MQL sets are equal and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("LEADPACT_BENCH_CACHE",
                                                                          "/tmp/leadpact-bench")))
    parser.add_argument("--measure", choices=["backtest", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        measure(arguments.measure, arguments.export, arguments.out)
        return
    import polars as pl

    directory = export_directory(arguments.cache, arguments.people)
    with tempfile.TemporaryDirectory() as scratch:
        backtest = run("backtest", directory, Path(scratch))
        query = run("query", directory, Path(scratch))
        ours = set(pl.read_parquet(Path(scratch) / "backtest.parquet")["key"].to_list())
        theirs = set(pl.read_parquet(Path(scratch) / "query.parquet")["key"].to_list())
    assert ours == theirs, f"the MQL sets differ: {len(ours - theirs):,} only in the backtest, " \
                           f"{len(theirs - ours):,} only in the hand-written query"
    ratio = backtest["seconds"] / query["seconds"]  # type: ignore[operator]
    print(f"starting pact over {backtest['people']:,} people / {backtest['events']:,} events (as of {AS_OF:%Y-%m-%d})")
    print(f"  resolve export (identities, facts): {backtest['resolve_s']:6.1f} s   (shared by both)")
    print(f"  backtest, every person's evaluation: {backtest['seconds']:6.1f} s   peak {backtest['peak_mb']:,.0f} MB"
          f"   target ≤ 60 s, ≤ 6,144 MB")
    print(f"  hand-written Polars query, MQL set:  {query['seconds']:6.1f} s   peak {query['peak_mb']:,.0f} MB")
    print(f"  ratio backtest / hand-written: {ratio:.2f}   target ≤ 2.0   same MQL set: {len(ours):,} people")


if __name__ == "__main__":
    main()
