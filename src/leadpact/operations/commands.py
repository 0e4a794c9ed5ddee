"""`leadpact doctor`: check the deployment and say what to fix."""

from __future__ import annotations

import json

import typer

from leadpact.db import get_engine
from leadpact.operations.doctor import run_checks

MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def register(app: typer.Typer) -> None:
    """Add `doctor` to `app`."""
    app.command()(doctor)


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array of checks."),
    smtp_timeout: float = typer.Option(5.0, "--smtp-timeout", help="Seconds to wait for the SMTP relay."),
) -> None:
    """Check the database, migrations, active pact, keys, SMTP relay, channels, outbox and CRM connectors; print
    what to fix for each problem (exit 1 when something fails)."""
    checks = run_checks(engine=get_engine(), smtp_timeout=smtp_timeout)
    if as_json:
        typer.echo(json.dumps([check.as_dict() for check in checks]))
    else:
        for check in checks:
            typer.echo(f"[{MARKS[check.status]}] {check.name}: {check.detail}")
            if check.fix:
                typer.echo(f"       fix: {check.fix}")
    if any(check.status == "fail" for check in checks):
        raise typer.Exit(1)
