"""`leadpact pact propose`: the next pact, derived from sales' feedback and outcomes, as a draft version."""

from __future__ import annotations

import json

import typer

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.insights.backtest import render
from leadpact.insights.proposals.service import NothingToPropose, propose_next_pact


def register(pact_app: typer.Typer) -> None:
    """Add `propose` to the `pact` commands."""
    pact_app.command("propose")(propose_command)


def propose_command(
    author: str = typer.Option("leadpact-insights", "--author", help="Who the draft is recorded as written by."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the proposal without storing a draft."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Propose the next pact from the handoffs sales decided, with its backtest beside the active pact's."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            result = propose_next_pact(session=session, author=author, now=get_clock().now(), store=not dry_run)
    except NothingToPropose as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(result["note"])
    if result["backtest"].get("side_by_side"):
        typer.echo(render(result["backtest"]["side_by_side"]))
    if result["draft_version"]:
        typer.echo(
            f"stored as draft version {result['draft_version']}: review it with "
            f"`leadpact pact show --version {result['draft_version']}` and "
            f"`leadpact pact diff {result['against_version']} {result['draft_version']}`"
        )
