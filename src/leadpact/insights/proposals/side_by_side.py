"""The proposal beside the active pact over the stored history, with the figures `leadpact pact backtest` prints:
MQL volume, predicted acceptance on people with feedback, MQL → SQL, won deals caught and how many days earlier."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from leadpact.ingest.models import Event
from leadpact.insights.backtest import compare, prepare, read_database, read_outcomes
from leadpact.pact import load_pact

DAYS = 90  # as `leadpact pact backtest` replays by default, up to the last event


def period(session: Session, now: datetime) -> tuple[date, date] | None:
    """Return the days replayed: the DAYS days up to the last stored event (or `now`, if earlier)."""
    first, last = session.execute(select(func.min(Event.timestamp), func.max(Event.timestamp))).one()
    if first is None or last is None:
        return None
    end = min(now.date(), _day(last))  # as `leadpact pact backtest` ends by default
    start = max(end - timedelta(days=DAYS - 1), _day(first))
    return (start, end) if start <= end else None


def _day(moment: datetime | str) -> date:
    return (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).date()


def side_by_side(*, session: Session, proposed: str, active: str, active_label: str,
                 now: datetime) -> dict[str, Any] | None:
    """Return the backtest report of the proposed pact (first) beside the active one, or None with no history."""
    days = period(session, now)
    if days is None:
        return None
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    history = read_database(engine)
    pacts = [("proposed", prepare(load_pact(proposed), history)), (active_label, prepare(load_pact(active), history))]
    return compare(pacts, start=days[0], end=days[1], outcomes=read_outcomes(engine))
