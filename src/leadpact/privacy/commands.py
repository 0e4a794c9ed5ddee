"""Commands of this domain: `leadpact erase EMAIL` and `leadpact export EMAIL`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.privacy.service import PrivacyError, erase_person, export_person


def register(app: typer.Typer) -> None:
    """Add `erase` and `export` to `app`."""
    app.command("erase")(erase_command)
    app.command("export")(export_command)


def operator() -> str:
    """Who runs a command, as the erasure log records it: the operating-system account at the shell."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def erase_command(
    email: str = typer.Argument(..., help="The email address the person is known by."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Erase a person's personal data everywhere (keeping anonymous aggregates) and queue the CRM deletes."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            report = erase_person(session=session, email=email, actor=operator(), now=get_clock().now())
    except PrivacyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    changed = ", ".join(f"{table} {count}" for table, count in sorted(report.rows.items()) if count)
    crms = f"; deletes queued for {', '.join(report.crm_deletes)}" if report.crm_deletes else ""
    typer.echo(f"erased (log #{report.erasure_id}, by {report.actor}): {changed}{crms}")


def export_command(
    email: str = typer.Argument(..., help="The email address the person is known by."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here instead of printing it."),
) -> None:
    """Print everything held about a person as one JSON document."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            document = export_person(session=session, email=email, now=get_clock().now())
    except PrivacyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    text = json.dumps(document, indent=2, sort_keys=True, default=str)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n")
    typer.echo(f"wrote {out}")
