"""The vectorised backtest at scale, beside a hand-written Polars query computing the same MQL set in the same run.

One pact (the demo's starting pact) over the demo company's export: 1,000,000 people who identify (and 300,000
anonymous visitors) with 19,497,408 events at the default size and seed, written once as Parquet to a cache
directory and reused. Each measurement runs in its own subprocess, so its peak memory (ru_maxrss, the whole
process: reading the export included) is its own:

- resolve: reading the export and resolving identities and facts (shared by both; reported on its own);
- backtest: `prepare(pact, history).at(as_of)` — every person's full evaluation (statuses, scores, readiness);
- query: a Polars query written by hand for this one pact, computing the set of people whose status is mql.

The two MQL sets must be equal. Targets: ≤ 60 s from the export to every person's evaluation, the evaluation
≤ 2× the hand-written query, peak memory ≤ 6 GB. Wall and CPU seconds are both printed, with the load
average: on a shared machine the wall time includes waiting for the cores, so `--repeat N` alternates N
rounds of both and compares the best of each.

Reproduce: `.venv/bin/python bench/backtest.py [--people 1000000] [--cache DIR] [--repeat N]`."""

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
from typing import Any

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


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (Polars works on all cores)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, directory: Path, out: Path) -> None:
    """Run one measurement in this process and write its figures and MQL set (the subprocess side)."""
    import polars as pl

    from leadpact.demo import STARTING_PACT_PATH
    from leadpact.insights.backtest import conditions, prepare, read_export, readiness
    from leadpact.pact import compile_pact, load_pact_file

    compiled = compile_pact(load_pact_file(STARTING_PACT_PATH))
    paths = conditions.field_paths(conditions.person_conditions(compiled.pact)) | set(readiness.READINESS_FIELDS)
    started, cpu = time.perf_counter(), _cpu()
    history = read_export(directory, as_of=AS_OF, fields=sorted(paths))  # facts read once per history, kept
    resolved, resolved_cpu = time.perf_counter() - started, _cpu() - cpu
    events = history.events.height
    started, cpu = time.perf_counter(), _cpu()
    if kind == "backtest":
        result = prepare(compiled, history).at(AS_OF)
        people = result.filter(pl.col("status") == "mql").select("person")
    else:
        people = mql_people(history, compiled, AS_OF)
    seconds, seconds_cpu = time.perf_counter() - started, _cpu() - cpu
    # person numbers depend on the process (categorical codes); people are compared by their key
    people = people.join(history.people, on="person", how="left").select("key")
    people.write_parquet(out.with_suffix(".parquet"))
    out.write_text(json.dumps({"kind": kind, "resolve_s": resolved, "resolve_cpu": resolved_cpu, "seconds": seconds,
                               "cpu": seconds_cpu, "peak_mb": _peak_mb(), "events": events,
                               "people": history.people.height, "mqls": people.height}))


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
    parser.add_argument("--repeat", type=int, default=1, help="Rounds of both measurements; the best of each "
                                                                "is compared (the machine may be shared).")
    parser.add_argument("--measure", choices=["backtest", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        measure(arguments.measure, arguments.export, arguments.out)
        return
    import polars as pl

    directory = export_directory(arguments.cache, arguments.people)
    rows = pl.scan_parquet(directory / "events.parquet").select(pl.len()).collect().item()
    runs: dict[str, list[dict[str, Any]]] = {"backtest": [], "query": []}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(arguments.repeat):  # alternated, so a busy spell on the machine hits both
            for kind in runs:
                runs[kind].append(run(kind, directory, Path(scratch)))
            ours = set(pl.read_parquet(Path(scratch) / "backtest.parquet")["key"].to_list())
            theirs = set(pl.read_parquet(Path(scratch) / "query.parquet")["key"].to_list())
            assert ours == theirs, f"the MQL sets differ: {len(ours - theirs):,} only in the backtest, " \
                                   f"{len(theirs - ours):,} only in the hand-written query"
    print(report(runs, rows=rows, mqls=len(ours), load=os.getloadavg()))


def report(runs: dict[str, list[dict[str, Any]]], *, rows: int, mqls: int, load: tuple[float, float, float]) -> str:
    """Return the figures as printed: the best run of each (wall and CPU time), peak memory, against the targets."""
    backtest, query = (min(runs[kind], key=lambda r: r["seconds"]) for kind in ("backtest", "query"))
    ratio = backtest["seconds"] / query["seconds"]
    end_to_end = min(r["resolve_s"] + r["seconds"] for r in runs["backtest"])
    peak = max(r["peak_mb"] for kind in runs for r in runs[kind])
    lines = [
        f"starting pact over {backtest['people']:,} people / {backtest['events']:,} events as of {AS_OF:%Y-%m-%d} "
        f"({rows:,} rows in events.parquet); best of {len(runs['backtest'])} round(s)",
        f"  resolve export (identities, facts):  {backtest['resolve_s']:6.1f} s wall "
        f"{backtest['resolve_cpu']:6.1f} s cpu   shared by both",
        f"  backtest, every person's evaluation: {backtest['seconds']:6.1f} s wall {backtest['cpu']:6.1f} s cpu",
        f"  hand-written Polars query, MQL set:  {query['seconds']:6.1f} s wall {query['cpu']:6.1f} s cpu",
        f"  ratio backtest / hand-written: {ratio:.2f} wall, {backtest['cpu'] / query['cpu']:.2f} cpu   target ≤ 2.0"
        f"   same MQL set: {mqls:,} people",
        f"  end to end, export to every person's evaluation: {end_to_end:.1f} s   target ≤ 60 s",
        f"  peak memory (a whole process, resolve included): {peak:,.0f} MB   target ≤ 6,144 MB",
        "  every round (resolve + evaluation, wall): "
        + "; ".join(f"backtest {b['resolve_s']:.1f} + {b['seconds']:.1f} s, query {q['resolve_s']:.1f} + "
                    f"{q['seconds']:.1f} s" for b, q in zip(runs["backtest"], runs["query"], strict=True)),
        f"  load average at the end (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"on {os.cpu_count()} cores",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
