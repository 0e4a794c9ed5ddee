"""The monthly conversion report: the funnel, the trend over recent months, channels, personas, segments and
rejection reasons, against the pact's commitments."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy.orm import Session

from leadpact.insights import metrics
from leadpact.insights.metrics import Frames, Period
from leadpact.insights.metrics.periods import add_months
from leadpact.insights.reports.blocks import Column, Report, Section, Table
from leadpact.insights.reports.charts import bar_chart, hbar_chart, line_chart, stacked_chart
from leadpact.insights.reports.common import funnel, headline, metrics_table, reasons_by, reasons_table, subtitle
from leadpact.insights.reports.labels import labelled_frames


def _only(frames: Frames, column: str, value: str) -> Frames:
    return Frames(frames.leads.filter(pl.col(column) == value), frames.handoffs.filter(pl.col(column) == value))


def _trend(frames: Frames, months: list[str], as_of: datetime, goal: int | None) -> tuple[Table, list]:
    items = metrics.slice_figures(frames.leads, frames.handoffs, by="month", as_of=as_of)
    by_month = {item.key: item for item in items}
    rows = []
    for label in months:
        item = by_month.get(label) or metrics.figures(frames.leads.clear(), frames.handoffs.clear(), as_of=as_of)
        rows.append([label, item.mqls, goal, item.handed_off, item.accepted, item.acceptance_rate, item.sqls,
                     item.mql_to_sql, item.won, item.sla_compliance])
    table = Table("Trend by month", [
        Column("Month"), Column("MQLs", "int"), Column("Commitment", "int"), Column("Handed off", "int"),
        Column("Accepted", "int"), Column("Acceptance", "percent"), Column("SQLs", "int"),
        Column("MQL → SQL", "percent"), Column("Won", "int"), Column("SLA compliance", "percent")], rows)
    return table, rows


def monthly_conversion(*, session: Session, as_of: datetime, period: Period | None = None,
                       trend_months: int = 6) -> Report:
    """Return the monthly conversion report for `period` (default: the latest month with data) and the months before."""
    period = period or metrics.latest_month(session=session, as_of=as_of)
    promised = metrics.commitment(session=session)
    first = add_months(period.start, -(trend_months - 1))
    span = Period(first, period.end, f"{first:%Y-%m} to {period.label}")
    everything = labelled_frames(metrics.read_frames(session=session, period=span, as_of=as_of), session=session)
    # The period's own leads: by month when the period is a month, else by time.
    frames = Frames(everything.leads.filter((pl.col("mql_at") >= period.start) & (pl.col("mql_at") < period.end)),
                    everything.handoffs.filter((pl.col("handed_off_at") >= period.start)
                                               & (pl.col("handed_off_at") < period.end)))
    total = metrics.figures(frames.leads, frames.handoffs, as_of=as_of)
    volume = metrics.mql_volume(frames.leads, period=period, as_of=as_of, promised=promised)
    elapsed = sum(v.elapsed_share for v in volume) / max(len(volume), 1)
    months = [f"{add_months(first, i):%Y-%m}" for i in range(trend_months) if add_months(first, i) < as_of]
    trend, rows = _trend(everything, months, as_of, promised.mqls_per_month)
    funnel_table, funnel_chart = funnel(total)

    def sliced(by: str) -> list[metrics.Figures]:
        return metrics.slice_figures(frames.leads, frames.handoffs, by=by, as_of=as_of)

    channels, personas = sliced("channel"), sliced("persona")
    reasons_rows = metrics.reasons_by_month(everything.handoffs)
    by_month_table, series = reasons_by(reasons_rows, "month", "Rejection reasons by month", "Month")
    sections = [
        Section("Headline", [headline(total, promised, elapsed=elapsed, months=max(len(volume), 1))],
                intro="Red: short of the pact's commitments (MQLs judged on the pace of the time elapsed)."),
        Section("Funnel", [funnel_chart, funnel_table]),
        Section("Trend", [
            bar_chart("MQLs per month against the commitment", [r[0] for r in rows], [float(r[1]) for r in rows],
                      target=promised.mqls_per_month, target_label="commitment"),
            line_chart("Acceptance and MQL → SQL by month", [r[0] for r in rows],
                       {"Acceptance": [r[5] for r in rows], "MQL → SQL": [r[7] for r in rows]}, top=1.0),
            trend]),
        Section("Channels", [hbar_chart("MQLs by channel", [c.key for c in channels], [c.mqls for c in channels]),
                             metrics_table("By channel (first-touch)", "channel", channels),
                             metrics_table("By first-touch source", "source", sliced("source"))]),
        Section("Personas", [hbar_chart("MQLs by persona", [p.key for p in personas], [p.mqls for p in personas]),
                             metrics_table("By persona", "persona", personas),
                             metrics_table("By company size", "segment", sliced("segment"))]),
        Section("Rejection reasons", [
            hbar_chart("Rejection reasons", list(total.rejection_reasons), list(total.rejection_reasons.values())),
            reasons_table("Rejection reasons this period", total.rejection_reasons),
            stacked_chart("Rejection reasons by month", series["labels"], series["series"]), by_month_table],
            intro="Reasons are counted by the month the lead was handed off, so they add up to its rejections."),
    ]
    return Report("monthly", "Monthly conversion report", subtitle(period, as_of, promised), as_of, sections)
