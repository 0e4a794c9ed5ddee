"""Web pages: p50/p95 server time of the rep's inbox, a handoff page, an account page, the marketing dashboard and
the active pact's page over the demo's data, each beside the time of the page's main database query in the same
run (the reference: what the page cannot be faster than). Target: p95 at most 150 ms on 2 cores.

Server time is measured inside the application (an ASGI wrapper around the app: from the request arriving to the
last byte of the response), so the client's own time is not counted. Pages are read as the demo's users would
see them: the rep with the most open handoffs, their newest handoff, that handoff's account, the dashboard's
default period, the active pact.

Reproduce: `.venv/bin/python bench/web.py [--dir leadpact-demo] [--runs 40]` (without --dir, a fresh `leadpact
demo` is built first in a temporary directory, which takes a few minutes)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


class Timed:
    """An ASGI wrapper that records how long the application takes per request, in milliseconds."""

    def __init__(self, app: Any) -> None:
        self.app, self.times = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.times.append((time.perf_counter() - started) * 1000)


def workspace(directory: Path | None, people: int) -> Path:
    """A copy of the demo workspace to read (the bench gives its readers passwords: never the original's), else a
    fresh `leadpact demo` in a temporary directory."""
    if directory is not None:
        copy = Path(tempfile.mkdtemp(prefix="leadpact-bench-web."))
        with sqlite3.connect(directory / "leadpact.db") as source, sqlite3.connect(copy / "leadpact.db") as target:
            source.backup(target)
        return copy
    fresh = Path(tempfile.mkdtemp(prefix="leadpact-bench-web.")) / "demo"
    print(f"building a demo workspace in {fresh} ({people:,} people)…", flush=True)
    subprocess.run([sys.executable, "-m", "leadpact.cli", "demo", "--dir", str(fresh), "--people", str(people)],
                   check=True, stdout=subprocess.DEVNULL)
    return fresh


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls of `action` (after one warm-up call)."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    """Measure each page and its main query; print p50/p95 of both and the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="An existing demo workspace (leadpact-demo).")
    parser.add_argument("--people", type=int, default=10_000, help="People of a fresh demo (without --dir).")
    parser.add_argument("--runs", type=int, default=40, help="Requests per page.")
    options = parser.parse_args()
    directory = workspace(options.dir, options.people)
    os.environ["LEADPACT_DATABASE_URL"] = f"sqlite:///{directory.resolve() / 'leadpact.db'}"

    from bench.web_pages import pages  # the pages and their main queries, over this workspace

    results = []
    for name, url, query, client, app in pages():
        app.times.clear()
        for _ in range(options.runs + 1):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{name} {url}: {response.status_code} {response.text[:300]}")
        first, server = app.times[0], app.times[1:]
        reference = timed(query, options.runs)
        results.append((name, url, first, server, reference))
    print(f"web pages over {directory} ({options.runs} requests each after a first one; server time inside the "
          "app, ms)")
    print(f"{'page':<11}{'url':<22}{'first':>8}{'p50':>8}{'p95':>8}   {'main query p50':>15}{'p95':>8}")
    for name, url, first, server, reference in results:
        print(f"{name:<11}{url[:21]:<22}{first:>8.1f}{statistics.median(server):>8.1f}"
              f"{percentile(server, 0.95):>8.1f}   {statistics.median(reference):>15.1f}"
              f"{percentile(reference, 0.95):>8.1f}")
    worst = max(percentile(server, 0.95) for _, _, _, server, _ in results)
    print(f"target: p95 <= 150 ms on 2 cores; slowest page p95 {worst:.1f} ms "
          f"({'met' if worst <= 150 else 'NOT met'})")


if __name__ == "__main__":
    main()
