"""`leadpact reps set`: a rep's availability from the command line (away until a date, capacity, routing weight),
through the same service as the manager's page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import typer
from sqlalchemy import select

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.org.availability import InvalidAvailability, set_availability
from leadpact.org.models import Rep, User
from leadpact.org.service import normalise_email

reps_app = typer.Typer(help="A rep's availability: away (until a date), capacity, routing weight.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `leadpact reps` to `app`."""
    app.add_typer(reps_app, name="reps")


def _day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD", param_hint="--away-until") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@reps_app.command("set")
def reps_set(
    email: str = typer.Argument(..., help="The rep's email."),
    away: bool = typer.Option(False, "--away/--back", help="Away (no new handoffs) or back."),
    away_until: str | None = typer.Option(None, "--away-until", help="Back on this day (YYYY-MM-DD); implies --away."),
    capacity: int | None = typer.Option(None, "--capacity", help="Most open handoffs at once (default: no limit)."),
    weight: int = typer.Option(1, "--weight", help="Routing weight (0: round robin never picks them)."),
) -> None:
    """Set a rep away (until a date) or back, their capacity and routing weight."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            rep_id = session.scalar(select(Rep.id).join(User, User.id == Rep.user_id)
                                    .where(User.email == normalise_email(email)))
            if rep_id is None:
                raise InvalidAvailability("email", f"no rep with email {normalise_email(email)}")
            rep = set_availability(session=session, rep_id=rep_id, away=away, away_until=_day(away_until),
                                   capacity=capacity, weight=weight, by="cli", now=get_clock().now())
            state = ("away" + (f" until {rep.away_until:%Y-%m-%d}" if rep.away_until else "")) if rep.is_away \
                else "available"
    except InvalidAvailability as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    limit = f"capacity {capacity}" if capacity is not None else "no capacity limit"
    typer.echo(f"{normalise_email(email)}: {state}, {limit}, weight {weight}")
