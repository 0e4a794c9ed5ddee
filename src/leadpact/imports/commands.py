"""`leadpact import people|accounts|events|content FILE`: parse options, run one import, print the report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.imports.mapping import MappingError, load_mapping_file, parse_map_options
from leadpact.imports.outcomes import import_outcomes
from leadpact.imports.readers import SourceError
from leadpact.imports.report import ImportReport, write_rejects
from leadpact.imports.service import IMPORTERS
from leadpact.imports.stages import load_stage_file, parse_stage_options

import_app = typer.Typer(
    help="Import people, accounts, events, the content catalog or historic outcomes from CSV, XLSX or JSONL.",
    no_args_is_help=True,
)

DESCRIPTIONS = {
    "people": "Import people (upsert by email; matched to accounts by email domain, else company name).",
    "accounts": "Import accounts (upsert by domain, else company name; owner is a rep's email).",
    "events": "Import events as Segment messages (JSONL lines are messages; CSV columns map to message fields).",
    "content": "Import the content catalog (upsert by id; funnel_stage is awareness, consideration or decision).",
    "outcomes": "Import historic outcomes: opportunities from a CRM export, by a person's email or by the account "
                "alone (domain or company name), their stage read as won, lost or open.",
}
DATE_FORMAT_HELP = ("How the file writes dates when they could be read two ways: DD/MM/YYYY, MM/DD/YYYY, "
                    "DD.MM.YYYY or a strptime format such as %d/%m/%Y.")
# Files shorter than this finish before a progress bar would tell anyone anything.
PROGRESS_FROM_ROWS = 2000
SHOWN_REJECTIONS = 20


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.add_typer(import_app, name="import")


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: Path = typer.Argument(..., help="CSV, TSV, XLSX or JSONL file to import."),
        map_options: list[str] = typer.Option(
            [], "--map", help="source_column=field (repeatable); overrides the default and --mapping columns."
        ),
        mapping: Path | None = typer.Option(None, "--mapping", help="YAML or JSON file of source_column: field."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store nothing."),
        sheet: str | None = typer.Option(None, "--sheet", help="Sheet to read from an XLSX workbook."),
        rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows, with a reason, to this CSV."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
    ) -> None:
        run_import(
            kind,
            file,
            map_options=map_options,
            mapping=mapping,
            dry_run=dry_run,
            sheet=sheet,
            rejects=rejects,
            as_json=as_json,
        )

    def dated_command(
        file: Path = typer.Argument(..., help="CSV, TSV, XLSX or JSONL file to import."),
        map_options: list[str] = typer.Option(
            [], "--map", help="source_column=field (repeatable); overrides the default and --mapping columns."
        ),
        mapping: Path | None = typer.Option(None, "--mapping", help="YAML or JSON file of source_column: field."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store nothing."),
        sheet: str | None = typer.Option(None, "--sheet", help="Sheet to read from an XLSX workbook."),
        rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows, with a reason, to this CSV."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
        date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    ) -> None:
        run_import(kind, file, map_options=map_options, mapping=mapping, dry_run=dry_run, sheet=sheet,
                   rejects=rejects, as_json=as_json, options={"date_format": date_format})

    chosen = dated_command if kind == "events" else command
    chosen.__doc__ = DESCRIPTIONS[kind]
    chosen.__name__ = f"import_{kind}"
    return chosen



for _kind in IMPORTERS:
    import_app.command(_kind, help=DESCRIPTIONS[_kind])(_command(_kind))


@import_app.command("outcomes", help=DESCRIPTIONS["outcomes"])
def import_outcomes_command(
    file: Path = typer.Argument(..., help="CSV, TSV or XLSX export of opportunities or deals."),
    map_options: list[str] = typer.Option(
        [], "--map", help="source_column=field (repeatable); overrides the default and --mapping columns."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML or JSON file of source_column: field, and "
                                                                  "optionally `stages: {Stage name: won}`."),
    stage: list[str] = typer.Option([], "--stage", help='"Stage name=won|lost|open" (repeatable), for stages '
                                                         "beyond HubSpot's and Salesforce's defaults."),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store nothing."),
    sheet: str | None = typer.Option(None, "--sheet", help="Sheet to read from an XLSX workbook."),
    rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows, with a reason, to this CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
) -> None:
    """Import historic outcomes (closed and open deals) from a CRM export."""
    try:
        stages = load_stage_file(mapping) if mapping is not None else {}
        stages.update(parse_stage_options(stage))
    except (MappingError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    run_import("outcomes", file, map_options=map_options, mapping=mapping, dry_run=dry_run, sheet=sheet,
               rejects=rejects, as_json=as_json, options={"date_format": date_format, "stages": stages})


def run_import(
    kind: str,
    file: Path,
    *,
    map_options: list[str],
    mapping: Path | None,
    dry_run: bool,
    sheet: str | None,
    rejects: Path | None,
    as_json: bool,
    options: dict[str, Any] | None = None,
) -> None:
    """Run one import in one transaction (rolled back on a dry run) and print its report; exit 2 on bad usage."""
    errors = Console(stderr=True)
    try:
        columns = load_mapping_file(mapping) if mapping is not None else {}
        columns.update(parse_map_options(map_options))
        migrate(get_engine())
        with session_scope() as session, _progress_bar(errors, kind) as progress:
            importer = import_outcomes if kind == "outcomes" else IMPORTERS[kind]
            report = importer(session=session, path=file, columns=columns, sheet=sheet, now=get_clock().now(),
                              progress=progress, **{k: v for k, v in (options or {}).items() if v is not None})
            if dry_run:
                session.rollback()
    except (MappingError, SourceError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if rejects is not None:
        try:
            count = write_rejects(report, rejects)
        except OSError as error:
            stored = "nothing was stored" if dry_run else "the valid rows were stored"
            typer.echo(f"error: cannot write the rejects file ({error}); {stored}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"wrote {count:,} rejected row{'s' if count != 1 else ''} to {rejects}", err=True)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if report.ignored_columns:
        typer.echo(f"ignored columns (content assets have no traits): {', '.join(report.ignored_columns)}", err=True)
    if as_json:
        typer.echo(json.dumps(report.to_dict(dry_run=dry_run)))
        return
    _print_report(report, dry_run=dry_run, rejects=rejects)


def _print_report(report: ImportReport, *, dry_run: bool, rejects: Path | None) -> None:
    typer.echo(report.summary_line(dry_run=dry_run))
    ordered = sorted(report.rejections, key=lambda r: r.row)
    for rejection in ordered[:SHOWN_REJECTIONS]:
        typer.echo(f"  row {rejection.row}: {rejection.reason}")
    hidden = len(ordered) - SHOWN_REJECTIONS
    if hidden > 0:
        hint = "" if rejects is not None else " (write them all with --rejects FILE.csv)"
        typer.echo(f"  … and {hidden:,} more rejected row{'s' if hidden != 1 else ''}{hint}")


@contextmanager
def _progress_bar(console: Console, kind: str) -> Iterator[Callable[[int, int | None], None]]:
    """Yield a progress callback that shows a bar on stderr once a file turns out to be long."""
    bar = Progress(
        TextColumn(f"importing {kind}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task: list[int] = []

    def update(done: int, total: int | None) -> None:
        if not task:
            if not console.is_terminal or (total is not None and total < PROGRESS_FROM_ROWS):
                return
            bar.start()
            task.append(bar.add_task(kind, total=total))
        bar.update(task[0], completed=done)

    try:
        yield update
    finally:
        if task:
            bar.stop()
