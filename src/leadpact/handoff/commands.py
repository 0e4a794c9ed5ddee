"""Commands of this domain, registered on the `leadpact` CLI: `handoffs list|show` (feedback adds the rest)."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime

import typer

from leadpact.db import get_engine, migrate, session_scope
from leadpact.handoff.schemas import HandoffDetail, HandoffOut, handoff_out
from leadpact.handoff.service import STATES, TIERS, HandoffNotFound, describe, list_handoffs

handoffs_app = typer.Typer(help="Handoffs: list, show, and the rep's feedback on each.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.add_typer(handoffs_app, name="handoffs")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@handoffs_app.command("list")
def handoffs_list(
    rep: str | None = typer.Option(None, "--rep", help="Only this rep's handoffs (their email)."),
    state: str | None = typer.Option(None, "--state", help=f"One of {', '.join(STATES)}."),
    tier: str | None = typer.Option(None, "--tier", help=f"One of {', '.join(TIERS)}."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """List handoffs, newest first: id, tier, state, person, company, rep, SLA deadline."""
    migrate(get_engine())
    with session_scope() as session:
        rows: list[HandoffOut] = [handoff_out(v) for v in list_handoffs(session=session, rep_email=rep, state=state,
                                                                        tier=tier, limit=limit)]
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows]))
        return
    if not rows:
        typer.echo("No handoffs yet.")
    for row in rows:
        who = f"{row.person.name} <{row.person.email or '-'}>"
        rep_name = row.rep.name if row.rep else "unassigned"
        touched = f"touched {_when(row.first_touch_at)}" if row.first_touch_at else f"due {_when(row.sla_due_at)}"
        typer.echo(f"#{row.id:<5} {row.tier:<4} {row.state:<9} {who:<40} {row.company or '-':<24} "
                   f"{rep_name:<20} {touched}")


@handoffs_app.command("show")
def handoffs_show(
    handoff_id: int = typer.Argument(..., help="The handoff's number."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show one handoff: the brief, why this rep, the SLA and feedback clocks, and the recent timeline."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            row: HandoffDetail = handoff_out(describe(session=session, handoff_id=handoff_id), HandoffDetail)
    except HandoffNotFound as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(row.model_dump_json())
        return
    rep = f"{row.rep.name} <{row.rep.email}>" if row.rep else "unassigned"
    typer.echo(f"Handoff #{row.id} · {row.tier} · {row.state} · {row.person.name} <{row.person.email or '-'}> "
               f"at {row.company or '-'} (person {row.person.id}, now {row.person.status})")
    typer.echo(f"Rep: {rep}{f' ({row.team})' if row.team else ''}")
    typer.echo(f"Why this rep: {row.routing_reason}")
    breach = f", breached {_when(row.sla_breached_at)}" if row.sla_breached_at else ""
    typer.echo(f"SLA: respond by {_when(row.sla_due_at)}; first touch {_when(row.first_touch_at)}"
               f"{f' ({row.first_touch_source})' if row.first_touch_source else ''}{breach}")
    disposition = (f"{row.state} by {row.disposition_actor} {_when(row.disposition_at)}" if row.disposition_at
                   else f"due {_when(row.feedback_due_at)}")
    reason = f" — {row.rejection_reason}" + (f": {row.rejection_note}" if row.rejection_note else "") \
        if row.rejection_reason else ""
    typer.echo(f"Feedback: {disposition}{reason}")
    typer.echo("\nBrief:")
    typer.echo(textwrap.fill(row.brief, width=100, initial_indent="  ", subsequent_indent="  "))
    typer.echo("\nTimeline (newest first):")
    for event in row.timeline:
        typer.echo(f"  {event['at'][:16].replace('T', ' ')}  {event['what']}")
