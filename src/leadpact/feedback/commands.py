"""Commands of this domain: `handoffs contacted|accept|reject|qualify ID` and `outcome opportunity|won|lost ID`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer
from sqlalchemy.orm import Session

from leadpact.clock import get_clock, parse_time
from leadpact.db import get_engine, migrate, session_scope
from leadpact.feedback import service
from leadpact.handoff import HandoffNotFound
from leadpact.handoff.commands import handoffs_app

outcome_app = typer.Typer(help="Outcomes of a handed-off person: opportunity, won, lost.", no_args_is_help=True)
BY = typer.Option(..., "--by", help="Who acts: the rep, their manager or an admin (an email).")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app` (the handoff commands join `leadpact handoffs`)."""
    app.add_typer(outcome_app, name="outcome")


@contextmanager
def _session() -> Iterator[Session]:
    """A transaction for one command; a refusal prints why and exits 2 with nothing changed."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            yield session
    except (HandoffNotFound, service.PersonNotFound, service.FeedbackRefused, service.InvalidFeedback,
            service.NotPermitted) as error:
        typer.echo(f"error: {error.args[0]}", err=True)
        raise typer.Exit(2) from None


def _run(action: Callable[..., Any], done: Callable[[Any], str], **arguments: Any) -> None:
    with _session() as session:
        result = action(session=session, now=get_clock().now(), **arguments)
        message = done(result)
    typer.echo(message)


def _date(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


@handoffs_app.command("contacted")
def contacted(handoff_id: int = typer.Argument(...), by: str = BY,
              source: str = typer.Option("leadpact", "--source", help="Where the touch happened.")) -> None:
    """Mark the first touch of a handoff: its SLA clock stops."""
    _run(service.mark_contacted, lambda first: f"handoff {handoff_id}: " + (
        "first touch recorded, SLA clock stopped" if first else "already touched; nothing changed"),
         handoff_id=handoff_id, by=by, source=source)


@handoffs_app.command("accept")
def accept(handoff_id: int = typer.Argument(...), by: str = BY) -> None:
    """Accept a handoff: the person becomes a sales-accepted lead."""
    _run(service.accept, lambda h: f"handoff {h.id} accepted by {h.disposition_actor}", handoff_id=handoff_id, by=by)


@handoffs_app.command("reject")
def reject(
    handoff_id: int = typer.Argument(...), by: str = BY,
    reason: str | None = typer.Option(None, "--reason", help="Exactly one of the active pact's rejection reasons."),
    note: str | None = typer.Option(None, "--note", help="Anything the reason does not say."),
) -> None:
    """Reject a handoff with one reason; the person is recycled to nurture or disqualified, by reason."""
    _run(service.reject, lambda h: f"handoff {h.id} rejected ({h.rejection_reason}): person "
         f"{service.rejection_outcome(h.rejection_reason).value}", handoff_id=handoff_id, by=by, reason=reason,
         note=note)


@handoffs_app.command("qualify")
def qualify(
    handoff_id: int = typer.Argument(...), by: str = BY,
    budget: str | None = typer.Option(None, "--budget"), authority: str | None = typer.Option(None, "--authority"),
    need: str | None = typer.Option(None, "--need"), timeline: str | None = typer.Option(None, "--timeline"),
) -> None:
    """Qualify an accepted lead to SQL, with optional BANT answers."""
    answers = {"budget": budget, "authority": authority, "need": need, "timeline": timeline}
    _run(service.qualify, lambda h: f"handoff {h.id} qualified to SQL", handoff_id=handoff_id, by=by,
         answers=answers)


@outcome_app.command("opportunity")
def opportunity(
    person_id: int = typer.Argument(...), by: str = BY,
    amount: float | None = typer.Option(None, "--amount", help="The deal's expected amount."),
    currency: str = typer.Option("USD", "--currency"),
) -> None:
    """Open an opportunity for an accepted or qualified lead."""
    _run(service.open_opportunity, lambda o: f"opportunity #{o.id} opened for person {person_id}"
         + (f" ({o.amount:,.0f} {o.currency})" if o.amount is not None else ""),
         person_id=person_id, by=by, amount=amount, currency=currency)


@outcome_app.command("won")
def won(
    person_id: int = typer.Argument(...), by: str = BY,
    amount: float | None = typer.Option(None, "--amount", help="The final amount, when it changed."),
    date: str | None = typer.Option(None, "--date", help="When it closed (ISO date or time; default now)."),
) -> None:
    """Close the person's opportunity as won."""
    _run(service.win, lambda o: f"opportunity #{o.id} won", person_id=person_id, by=by, amount=amount,
         closed_at=_date(date))


@outcome_app.command("lost")
def lost(
    person_id: int = typer.Argument(...), by: str = BY,
    reason: str | None = typer.Option(None, "--reason", help="Why it was lost."),
    date: str | None = typer.Option(None, "--date", help="When it was lost (ISO date or time; default now)."),
) -> None:
    """Record the person as lost, with a reason."""
    _run(service.lose, lambda o: f"person {person_id} lost" + (f" (opportunity #{o.id} closed)" if o else ""),
         person_id=person_id, by=by, reason=reason, closed_at=_date(date))
