"""Commands of this domain, registered on the `leadpact` CLI: `demo-data` writes the synthetic company."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadpact.clock import parse_time
from leadpact.demo.company import generate_company
from leadpact.demo.output import WriteSummary, write_company


class OutputFormat(StrEnum):
    """File format of the generated data."""

    jsonl = "jsonl"
    parquet = "parquet"


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.command("demo-data")(demo_data_command)


def demo_data_command(
    people: int = typer.Option(10_000, "--people", min=0, help="People who identify at some point."),
    accounts: int | None = typer.Option(None, "--accounts", min=1, help="Accounts (default: one per 4 people)."),
    seed: int = typer.Option(7, "--seed", help="Same seed and sizes, same company, byte for byte."),
    out: Path = typer.Option(Path("demo-data"), "--out", help="Directory to write into."),
    output_format: OutputFormat = typer.Option(OutputFormat.jsonl, "--format", help="jsonl or parquet."),
    months: int = typer.Option(6, "--months", min=1, help="Months of history."),
    end: str = typer.Option("2026-10-31T00:00:00Z", "--end", help="The demo's 'now' (ISO 8601, UTC)."),
    visitors: int | None = typer.Option(None, "--visitors", min=0,
                                        help="Anonymous-only visitors (default: 0.3 per person)."),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="Processes generating chunks (default: up to 4 for big runs)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write a synthetic B2B company: events, people, accounts, content and reps, with its truth in truth/."""
    company = generate_company(seed=seed, people=people, accounts=accounts or max(1, people // 4),
                               end=parse_time(end), months=months, visitors=visitors)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=as_json) as progress:
        generating = progress.add_task("generating chunks", total=len(company.plans))
        sorting = progress.add_task("sorting events", total=None, visible=False)

        def report(stage: str, done: int, total: int) -> None:
            """Move the bar of a stage: chunks generated, then time buckets sorted and written."""
            task = generating if stage == "generate" else sorting
            progress.update(task, completed=done, total=total, visible=True)

        summary = write_company(company, out, fmt=output_format.value, workers=workers, progress=report)
    if as_json:
        typer.echo(json.dumps(_as_dict(summary, seed)))
    else:
        _print_summary(summary, seed)


def _as_dict(summary: WriteSummary, seed: int) -> dict[str, object]:
    return {"directory": str(summary.directory), "format": summary.fmt, "seed": seed,
            "accounts": summary.accounts, "people": summary.people, "visitors": summary.visitors,
            "events": summary.events, "seconds": round(summary.seconds, 2),
            "events_per_second": round(summary.events_per_second),
            "files": {name: str(path) for name, path in summary.files.items()}}


def _print_summary(summary: WriteSummary, seed: int) -> None:
    table = Table(title=f"Demo company (seed {seed}) written to {summary.directory}", show_header=False)
    for label, value in (("accounts", summary.accounts), ("people", summary.people),
                         ("anonymous visitors", summary.visitors), ("events", summary.events)):
        table.add_row(label, f"{value:,}")
    table.add_row("time", f"{summary.seconds:.1f} s ({summary.events_per_second:,.0f} events/s)")
    table.add_row("hidden truth", str(summary.directory / "truth"))
    Console().print(table)
