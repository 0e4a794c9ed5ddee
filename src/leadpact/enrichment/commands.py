"""`leadpact enrich load FILE` (the built-in provider's firmographics, then every account it can fill) and
`leadpact enrich accounts` (queue lookups with the configured provider for accounts with gaps)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.enrichment.delivery import request_enrichment
from leadpact.enrichment.firmographics import load_firmographics
from leadpact.enrichment.providers import FileProvider
from leadpact.enrichment.service import accounts_with_gaps, enrich_accounts
from leadpact.enrichment.settings import get_enrichment_settings
from leadpact.files import SourceError
from leadpact.imports.mapping import MappingError, load_mapping_file, parse_map_options
from leadpact.imports.report import write_rejects

enrich_app = typer.Typer(help="Fill accounts' missing firmographics (name, industry, employees, country) from a "
                              "provider: a firmographics file, or an HTTP API.", no_args_is_help=True)
SHOWN_REJECTIONS = 20


def register(app: typer.Typer) -> None:
    """Add the `enrich` commands to `app`."""
    app.add_typer(enrich_app, name="enrich")


def _start() -> None:
    """Migrate first; the CLI's composition root has wired the command as the server is, so the leads it releases
    are evaluated and handed off."""
    migrate(get_engine())


@enrich_app.command("load")
def load(
    file: Path = typer.Argument(..., help="CSV, TSV, XLSX or Parquet file: a domain per row, and name, industry, "
                                          "employees, country."),
    map_options: list[str] = typer.Option([], "--map", help="source_column=field (repeatable): domain, name, "
                                                            "industry, employees, country or ignore."),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML or JSON file of source_column: field."),
    sheet: str | None = typer.Option(None, "--sheet", help="Sheet to read from an XLSX workbook."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store and fill nothing."),
    rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows, with a reason, to this CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
) -> None:
    """Load a firmographics file and fill every account it knows that has gaps (never overwriting a value)."""
    now = get_clock().now()
    try:
        columns = load_mapping_file(mapping) if mapping is not None else {}
        columns.update(parse_map_options(map_options))
        _start()
        with session_scope() as session:
            report, domains = load_firmographics(session=session, path=file, columns=columns, sheet=sheet, now=now)
            accounts = accounts_with_gaps(session=session, domains=domains)
            enriched = enrich_accounts(session=session, provider=FileProvider(session), accounts=accounts, now=now)
            if dry_run:
                session.rollback()
    except (MappingError, SourceError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if rejects is not None:
        write_rejects(report, rejects)
    if report.ignored_columns:
        typer.echo(f"ignored columns (not firmographics): {', '.join(report.ignored_columns)}", err=True)
    if as_json:
        typer.echo(json.dumps({**report.to_dict(dry_run=dry_run), "accounts_enriched": enriched.enriched,
                               "fields_filled": enriched.fields, "handed_off": enriched.handed_off,
                               "filled": enriched.filled}))
        return
    typer.echo(report.summary_line(dry_run=dry_run))
    for rejection in sorted(report.rejections, key=lambda r: r.row)[:SHOWN_REJECTIONS]:
        typer.echo(f"  row {rejection.row}: {rejection.reason}")
    verb = "would fill" if dry_run else "filled"
    typer.echo(f"accounts: {verb} {enriched.fields} gaps in {enriched.enriched} accounts; "
               f"{enriched.handed_off} held leads handed off")


@enrich_app.command("accounts")
def accounts(
    again: bool = typer.Option(False, "--again", help="Ask again about accounts already asked about."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
) -> None:
    """Queue a lookup with the configured provider (LEADPACT_ENRICHMENT_PROVIDER) for every account with gaps;
    a worker delivers them (with retries) and hands off the leads they release."""
    now = get_clock().now()
    provider = get_enrichment_settings().enrichment_provider
    migrate(get_engine())
    with session_scope() as session:
        found = accounts_with_gaps(session=session)
        queued = sum(request_enrichment(session=session, account=a, now=now, again=again) is not None for a in found)
    if as_json:
        typer.echo(json.dumps({"provider": provider, "accounts_with_gaps": len(found), "queued": queued}))
        return
    typer.echo(f"{len(found)} accounts with gaps; queued {queued} lookups with the {provider} provider")
