"""The weekly pipeline review: what was handed off, what is at risk now, what broke the SLA, what is stuck."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from sqlalchemy.orm import Session

from leadpact.insights import metrics
from leadpact.insights.metrics import Period
from leadpact.insights.reports.blocks import Column, Figure, Figures, Report, Section, Table, table_from_frame
from leadpact.insights.reports.charts import bar_chart
from leadpact.insights.reports.common import subtitle
from leadpact.insights.reports.labels import labelled_frames

WHO = {"name": Column("Person"), "company": Column("Company"), "tier": Column("Tier"), "rep": Column("Rep"),
       "team": Column("Team")}


def _new_handoffs(handoffs: pl.DataFrame) -> Table:
    frame = handoffs.with_columns(
        minutes=((pl.col("first_touch_at") - pl.col("handed_off_at")).dt.total_seconds() / 60),
        state=pl.col("disposition").fill_null(pl.when(pl.col("closed")).then(pl.lit("closed"))
                                              .otherwise(pl.lit("open"))))
    return table_from_frame("New handoffs", frame, {
        "handed_off_at": Column("Handed off", "datetime"), **WHO, "sla_due_at": Column("SLA due", "datetime"),
        "minutes": Column("Time to first touch", "minutes"), "state": Column("State"),
        "rejection_reason": Column("Rejection reason")}, empty="No handoffs this week.")


def _per_day(handoffs: pl.DataFrame, period: Period) -> tuple[list[str], list[float]]:
    days, day = [], period.start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < period.end:
        days.append(day)
        day += timedelta(days=1)
    counts = dict(handoffs.group_by(pl.col("handed_off_at").dt.strftime("%Y-%m-%d")).len().iter_rows())
    labels = [f"{d:%a %d}" for d in days]
    return labels, [float(counts.get(f"{d:%Y-%m-%d}", 0)) for d in days]


def weekly_review(*, session: Session, as_of: datetime, period: Period | None = None,
                  risk_within: timedelta = timedelta(hours=4), stuck_after_days: int = 14) -> Report:
    """Return the weekly pipeline review for the seven days up to `as_of` (or `period`)."""
    period = period or metrics.latest_week(session=session, as_of=as_of)
    promised = metrics.commitment(session=session)
    frames = labelled_frames(metrics.read_frames(session=session, period=period, as_of=as_of), session=session)
    total = metrics.figures(frames.leads, frames.handoffs, as_of=as_of)
    risks = metrics.sla_risks(session=session, as_of=as_of, within=risk_within)
    late = metrics.feedback_overdue(session=session, as_of=as_of)
    broken = metrics.breaches(session=session, start=period.start, end=period.end, as_of=as_of)
    stuck = metrics.stuck_leads(session=session, as_of=as_of, days=stuck_after_days)
    held = metrics.held_for_context(session=session, as_of=as_of)
    hot = frames.handoffs.filter(pl.col("tier") == "hot").height
    summary = Figures([
        Figure("New handoffs", frames.handoffs.height, "int", f"{hot} hot"),
        Figure("Accepted", total.accepted, "int", f"{total.rejected} rejected"),
        Figure("Speed to lead (median)", total.speed_to_lead.median_minutes, "minutes",
               f"SLA compliance {_share(total.sla_compliance)}"),
        Figure("SLA risks now", risks.height, "int", f"{risks.filter(pl.col('risk') == 'overdue').height} overdue",
               alert=risks.height > 0),
        Figure("Breaches this week", broken.filter(pl.col("sla_breached_at") >= period.start).height, "int",
               f"{broken.filter(pl.col('escalated_at') >= period.start).height} escalated",
               alert=broken.height > 0),
        Figure("Feedback overdue", late.height, "int", "no disposition after the deadline", alert=late.height > 0),
        Figure("Stuck leads", stuck.height, "int", f"accepted {stuck_after_days}+ days, no SQL"),
        Figure("Held for context", held.height, "int", "needs_context"),
    ])
    labels, values = _per_day(frames.handoffs, period)
    risk_note = f"Open, untouched handoffs past their SLA deadline or due within {_hours(risk_within)}."
    return Report("weekly", "Weekly pipeline review", subtitle(period, as_of, promised), as_of, [
        Section("This week", [summary, bar_chart("New handoffs per day", labels, values)]),
        Section("New handoffs", [_new_handoffs(frames.handoffs)]),
        Section("SLA risks", [
            table_from_frame("SLA risks", risks, {
                **WHO, "sla_due_at": Column("SLA due", "datetime"), "minutes_left": Column("Minutes left", "int"),
                "risk": Column("Risk"), "escalated_at": Column("Escalated", "datetime")},
                note=risk_note + " Negative minutes are minutes overdue.", empty="No SLA at risk."),
            table_from_frame("Feedback overdue", late, {
                **WHO, "handed_off_at": Column("Handed off", "datetime"),
                "feedback_due_at": Column("Feedback due", "datetime"), "days_overdue": Column("Days overdue", "days")},
                empty="Every handoff has its disposition in time."),
        ]),
        Section("Breaches and escalations", [table_from_frame("Breaches and escalations", broken, {
            **WHO, "sla_due_at": Column("SLA due", "datetime"), "sla_breached_at": Column("Breached", "datetime"),
            "escalated_at": Column("Escalated", "datetime"), "first_touch_at": Column("First touch", "datetime")},
            empty="No breach or escalation this week.")]),
        Section("Stuck leads", [table_from_frame("Stuck leads", stuck, {
            **WHO, "accepted_at": Column("Accepted", "datetime"),
            "days_since_accepted": Column("Days since", "days")}, empty="No stuck lead.")],
            intro=f"Accepted {stuck_after_days} or more days ago with no SQL, opportunity or outcome since."),
        Section("Held for context", [table_from_frame("Held for context", held, {
            "name": Column("Person"), "company": Column("Company"), "since": Column("Held since", "datetime"),
            "days_held": Column("Days held", "days"), "missing": Column("Missing")}, empty="Nobody is held.")],
            intro="Qualified, but not handed off: the brief's questions cannot be answered yet."),
        Section("Speed to lead by team and rep", [
            _speed_table("Team", metrics.slice_figures(frames.leads, frames.handoffs, by="team", as_of=as_of)),
            _speed_table("Rep", metrics.slice_figures(frames.leads, frames.handoffs, by="rep", as_of=as_of)),
        ]),
    ])


def _speed_table(title: str, items: list[metrics.Figures]) -> Table:
    rows = [[item.key, item.handoffs, item.speed_to_lead.touched, item.speed_to_lead.median_minutes,
             item.speed_to_lead.p90_minutes, item.sla_compliance, item.speed_to_lead.breaches,
             item.speed_to_lead.escalations] for item in items if item.handoffs]
    return Table(f"Speed to lead by {title.lower()}", [
        Column(title), Column("Handoffs", "int"), Column("Touched", "int"), Column("Median", "minutes"),
        Column("p90", "minutes"), Column("Inside SLA", "percent"), Column("Breaches", "int"),
        Column("Escalations", "int")], rows, empty="No handoffs this week.")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hour{'s' if hours != 1 else ''}"
