"""The marketing dashboard: funnel, MQL volume against the commitment, acceptance and MQL → SQL by channel and
persona, rejection reasons by month, speed-to-lead by team and tier, for a period (default: the latest with data).

Built from the same metrics and report blocks as the ritual reports, so both show the same numbers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.insights import metrics
from leadpact.insights.metrics import Frames, Period
from leadpact.insights.metrics.periods import add_months, months_between
from leadpact.insights.reports import Column, Section, Table, bar_chart, hbar_chart, line_chart, stacked_chart
from leadpact.insights.reports.common import funnel, headline, metrics_table, reasons_by
from leadpact.lifecycle.models import Transition
from leadpact.pact.memo import remember

TREND_MONTHS = 6
# Dashboards already built, by period, minute of the as-of moment and the newest move and handoff: reading the
# metrics' frames takes seconds over a few months of a busy workspace, and every reload in the same minute with no
# new move or handoff would read the very same rows. A new minute or a new record builds it afresh.
_built: dict[tuple[Any, ...], Dashboard] = {}
_built_lock = threading.Lock()
KEPT = 32


@dataclass(frozen=True)
class Dashboard:
    """The dashboard of one period: its label, the periods that have data, and the sections to show."""

    period: Period
    as_of: datetime
    months: list[str]
    sections: list[Section]


def data_span(*, session: Session) -> tuple[datetime, datetime] | None:
    """Return the first and last moment anything was handed off or moved (None in an empty workspace)."""
    first, last = session.execute(select(func.min(Handoff.created_at), func.max(Handoff.created_at))).one()
    # The newest move by id (the trail is appended in time order): no scan of the whole trail for its latest time.
    moved = session.scalar(select(Transition.at).order_by(Transition.id.desc()).limit(1))
    if first is None or last is None:
        return None
    return first, max(last, moved or last)


def as_of_now(*, session: Session, now: datetime) -> datetime:
    """The moment figures are as of: now, or the last recorded move when the records run ahead of the clock
    (a demo workspace simulated into the future)."""
    span = data_span(session=session)
    return max(now, span[1]) if span else now


def months_with_data(*, session: Session) -> list[str]:
    """Return the months that have handoffs, newest first (YYYY-MM)."""
    span = data_span(session=session)
    if span is None:
        return []
    last_handoff = session.scalar(select(func.max(Handoff.created_at)))
    return [f"{m:%Y-%m}" for m in reversed(months_between(span[0], last_handoff or span[1]))]


def default_period(*, session: Session, now: datetime) -> Period:
    """The latest month with data (this month in an empty workspace), as every metric and report defaults."""
    return metrics.latest_month(session=session, as_of=now)


def _within(frames: Frames, period: Period) -> Frames:
    return Frames(frames.leads.filter((pl.col("mql_at") >= period.start) & (pl.col("mql_at") < period.end)),
                  frames.handoffs.filter((pl.col("handed_off_at") >= period.start)
                                         & (pl.col("handed_off_at") < period.end)))


def _speed_table(title: str, by: str, items: list[metrics.Figures]) -> Table:
    return Table(title, [Column(by), Column("Handoffs", "int"), Column("Touched", "int"), Column("Median", "minutes"),
                         Column("p90", "minutes"), Column("Inside SLA", "percent"), Column("Breaches", "int")],
                 [[i.key, i.handoffs, i.speed_to_lead.touched, i.speed_to_lead.median_minutes,
                   i.speed_to_lead.p90_minutes, i.speed_to_lead.inside_sla_share, i.speed_to_lead.breaches]
                  for i in items])


def generation(*, session: Session) -> tuple[str, int | None, int | None]:
    """The database and its newest lifecycle move and handoff: what a cached dashboard was built from."""
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    return database, session.scalar(select(func.max(Transition.id))), session.scalar(select(func.max(Handoff.id)))


def dashboard(*, session: Session, period: Period | None, as_of: datetime) -> Dashboard:
    """Return the dashboard of `period` (None: the latest month with data) as known at `as_of` (to the minute),
    built once per minute and new data."""
    asked = (period.start, period.end) if period is not None else None
    key = (asked, as_of.replace(second=0, microsecond=0), *generation(session=session))
    with _built_lock:
        found = _built.get(key)
    if found is None:
        chosen = period if period is not None else default_period(session=session, now=as_of)
        found = build_dashboard(session=session, period=chosen, as_of=as_of)
        with _built_lock:
            remember(_built, key, found, KEPT)
    return found


def build_dashboard(*, session: Session, period: Period, as_of: datetime) -> Dashboard:
    """Build the dashboard of `period` as known at `as_of`, with the trend over the months before it."""
    promised = metrics.commitment(session=session)
    first = add_months(period.start, -(TREND_MONTHS - 1))
    everything = metrics.read_frames(session=session, period=Period(first, period.end, "trend"), as_of=as_of)
    frames = _within(everything, period)
    total = metrics.figures(frames.leads, frames.handoffs, as_of=as_of)
    volume = metrics.mql_volume(frames.leads, period=period, as_of=as_of, promised=promised)
    elapsed = sum(v.elapsed_share for v in volume) / max(len(volume), 1)

    def sliced(frame: Frames, by: str) -> list[metrics.Figures]:
        return metrics.slice_figures(frame.leads, frame.handoffs, by=by, as_of=as_of)

    by_month = {f.key: f for f in sliced(everything, "month")}
    labels = [f"{m:%Y-%m}" for m in months_between(first, min(period.end, as_of))]
    trend = [by_month.get(label) for label in labels]
    channels, personas = sliced(frames, "channel"), sliced(frames, "persona")
    reasons_table, series = reasons_by(metrics.reasons_by_month(everything.handoffs), "month",
                                       "Rejection reasons by month", "Month")
    funnel_table, funnel_chart = funnel(total)
    sections = [
        Section("Headline", [headline(total, promised, elapsed=elapsed, months=max(len(volume), 1))]),
        Section("Funnel", [funnel_chart, funnel_table]),
        Section("MQL volume against the commitment", [
            bar_chart("MQLs per month", labels, [float(t.mqls) if t else 0.0 for t in trend],
                      target=promised.mqls_per_month, target_label="commitment"),
            line_chart("Acceptance and MQL → SQL by month", labels,
                       {"Acceptance": [t.acceptance_rate if t else None for t in trend],
                        "MQL → SQL": [t.mql_to_sql if t else None for t in trend]}, top=1.0)]),
        Section("By channel", [
            hbar_chart("Acceptance by channel", [c.key for c in channels],
                       [c.acceptance_rate or 0.0 for c in channels], format="percent"),
            metrics_table("Acceptance and MQL → SQL by channel (first touch)", "channel", channels)]),
        Section("By persona", [
            hbar_chart("MQL → SQL by persona", [p.key for p in personas], [p.mql_to_sql or 0.0 for p in personas],
                       format="percent"),
            metrics_table("Acceptance and MQL → SQL by persona", "persona", personas)]),
        Section("Rejection reasons by month", [
            stacked_chart("Rejection reasons by month", series["labels"], series["series"]), reasons_table]),
        Section("Speed to lead", [_speed_table("By team", "Team", sliced(frames, "team")),
                                  _speed_table("By tier", "Tier", sliced(frames, "tier"))]),
    ]
    return Dashboard(period=period, as_of=as_of, months=months_with_data(session=session), sections=sections)
