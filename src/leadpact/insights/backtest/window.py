"""A backtest over a chosen window of stored history: one candidate pact beside another (by default the active
one), as the web app's backtest form asks for it; `leadpact pact backtest` gives the same figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from leadpact.ingest.models import Event
from leadpact.insights.backtest.database import read_database
from leadpact.insights.backtest.engine import prepare
from leadpact.insights.backtest.outcomes import read_outcomes
from leadpact.insights.backtest.report import compare
from leadpact.pact import load_pact

DEFAULT_DAYS = 90
MAX_DAYS = 731  # two years of days replayed at most: a typo in a year should not run for an hour


class BacktestWindowError(ValueError):
    """A window that cannot be replayed; `field` names the input that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def history_days(*, session: Session) -> tuple[date, date] | None:
    """Return the first and last day that have a stored event (None with no history)."""
    first, last = session.execute(select(func.min(Event.timestamp), func.max(Event.timestamp))).one()
    if first is None or last is None:
        return None
    return _day(first), _day(last)


def _day(moment: Any) -> date:
    return (date.fromisoformat(moment[:10]) if isinstance(moment, str) else moment.date())


def window(*, session: Session, start: date | None, end: date | None) -> tuple[date, date]:
    """Return the days to replay: as given, else the DEFAULT_DAYS up to the last stored event; refuse a window
    that ends before it starts, is longer than MAX_DAYS or holds no history."""
    days = history_days(session=session)
    if days is None:
        raise BacktestWindowError("start", "there is no stored history to replay yet")
    last = end or days[1]
    first = start or max(days[0], last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise BacktestWindowError("start", f"the window starts ({first}) after it ends ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        raise BacktestWindowError("start", f"the window is {(last - first).days + 1} days; replay at most {MAX_DAYS}")
    if last < days[0] or first > days[1]:
        raise BacktestWindowError("start", f"history runs from {days[0]} to {days[1]}: the window holds none of it")
    return first, last


def compare_sources(*, session: Session, candidate: tuple[str, str], against: tuple[str, str] | None,
                    start: date, end: date) -> dict[str, Any]:
    """Return the side-by-side report (`compare`'s shape) of the candidate (label, YAML) and, when given, the
    pact it is compared with, replayed over the stored history from `start` to `end`."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    history = read_database(engine)
    chosen = (candidate, against) if against is not None else (candidate,)
    pacts = [(label, prepare(load_pact(source), history)) for label, source in chosen]
    return compare(pacts, start=start, end=end, outcomes=read_outcomes(engine))
