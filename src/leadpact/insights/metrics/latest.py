"""The default period of every metric and report: the latest one that has data, so a workspace whose leads
stopped arriving (an import, the demo, a quiet month) opens on figures rather than on an empty period."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.insights.metrics.periods import Period, month, month_of, quarter, trailing_week
from leadpact.insights.metrics.queries import QUALIFIED
from leadpact.lifecycle.models import Transition


def latest_activity(*, session: Session, as_of: datetime) -> datetime | None:
    """Return when the latest handoff or qualification happened at or before `as_of` (None when none has)."""
    handed_off = session.scalar(select(func.max(Handoff.created_at)).where(Handoff.created_at <= as_of))
    qualified = session.scalar(select(func.max(Transition.at))
                               .where(Transition.to_status.in_(QUALIFIED), Transition.at <= as_of))
    moments = [moment for moment in (handed_off, qualified) if moment is not None]
    return max(moments) if moments else None


def latest_month(*, session: Session, as_of: datetime) -> Period:
    """Return the month of the latest activity at or before `as_of`, or `as_of`'s own month when there is none."""
    moment = latest_activity(session=session, as_of=as_of)
    return month(moment) if moment is not None else month_of(as_of)


def latest_quarter(*, session: Session, as_of: datetime) -> Period:
    """Return the quarter of the latest activity at or before `as_of`, or `as_of`'s own quarter."""
    moment = latest_activity(session=session, as_of=as_of)
    return quarter(moment if moment is not None else as_of - timedelta(microseconds=1))


def latest_week(*, session: Session, as_of: datetime) -> Period:
    """Return the seven days up to `as_of`, or, when nothing happened in them, the seven days up to the end of the
    day of the latest activity."""
    moment = latest_activity(session=session, as_of=as_of)
    if moment is None or moment > as_of - timedelta(days=7):
        return trailing_week(as_of)
    end_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return trailing_week(min(end_of_day, as_of))
