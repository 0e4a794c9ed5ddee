"""The weekly pipeline review's lists: SLA risks, overdue feedback, stuck leads and leads held for context.

Each is a frame as things stood at `as_of`, one row per handoff or person, with the names people read."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from leadpact.handoff.models import Handoff
from leadpact.insights.metrics import queries
from leadpact.lifecycle.models import Transition

WHO = ["handoff_id", "name", "company", "tier", "rep", "team"]


def _open_at(as_of: datetime) -> list[ColumnElement[bool]]:
    """SQL conditions: a handoff made by `as_of`, not closed, with no disposition yet at `as_of`."""
    return [Handoff.created_at <= as_of, Handoff.state != "closed",
            or_(Handoff.disposition_at.is_(None), Handoff.disposition_at > as_of)]


def _with_people(session: Session, handoffs: pl.DataFrame, ids: object) -> pl.DataFrame:
    people = queries.people(session, ids).select("person_id", "name", "company")  # type: ignore[arg-type]
    return handoffs.join(people, on="person_id", how="left").rename({"handoff_tier": "tier"})


def sla_risks(*, session: Session, as_of: datetime, within: timedelta = timedelta(hours=4)) -> pl.DataFrame:
    """Return open, untouched handoffs overdue or due within `within` of `as_of`, most overdue first."""
    ids = select(Handoff.person_id).where(
        *_open_at(as_of), Handoff.sla_due_at <= as_of + within,
        or_(Handoff.first_touch_at.is_(None), Handoff.first_touch_at > as_of))
    rows = queries.handoffs(session, ids, as_of).filter(
        pl.col("disposition").is_null() & ~pl.col("closed") & pl.col("first_touch_at").is_null()
        & (pl.col("sla_due_at") <= as_of + within))
    rows = _with_people(session, rows, ids).with_columns(
        minutes_left=((pl.col("sla_due_at") - as_of).dt.total_seconds() / 60).round(0).cast(pl.Int64),
        risk=pl.when(pl.col("sla_due_at") < as_of).then(pl.lit("overdue")).otherwise(pl.lit("due soon")))
    return rows.sort("sla_due_at").select(*WHO, "handed_off_at", "sla_due_at", "minutes_left", "risk",
                                          "escalated_at")


def feedback_overdue(*, session: Session, as_of: datetime) -> pl.DataFrame:
    """Return handoffs still waiting for a disposition after their feedback deadline, oldest deadline first."""
    ids = select(Handoff.person_id).where(*_open_at(as_of), Handoff.feedback_due_at < as_of)
    rows = queries.handoffs(session, ids, as_of).filter(
        pl.col("disposition").is_null() & ~pl.col("closed") & (pl.col("feedback_due_at") < as_of))
    rows = _with_people(session, rows, ids).with_columns(
        days_overdue=((as_of - pl.col("feedback_due_at")).dt.total_hours() / 24).round(1))
    return rows.sort("feedback_due_at").select(*WHO, "handed_off_at", "feedback_due_at", "days_overdue")


def breaches(*, session: Session, start: datetime, end: datetime, as_of: datetime) -> pl.DataFrame:
    """Return handoffs whose SLA was breached or escalated in [start, end), by `as_of`."""
    def inside(column: InstrumentedAttribute[datetime | None]) -> ColumnElement[bool]:
        return and_(column >= start, column < end, column <= as_of)

    ids = select(Handoff.person_id).where(or_(inside(Handoff.sla_breached_at), inside(Handoff.escalated_at)))
    rows = queries.handoffs(session, ids, as_of)

    def happened(column: str) -> pl.Expr:
        return pl.col(column).is_not_null() & (pl.col(column) >= start) & (pl.col(column) < end)

    rows = _with_people(session, rows.filter(happened("sla_breached_at") | happened("escalated_at")), ids)
    return rows.sort("sla_due_at").select(*WHO, "handed_off_at", "sla_due_at", "sla_breached_at", "escalated_at",
                                          "first_touch_at")


def stuck_leads(*, session: Session, as_of: datetime, days: int = 14) -> pl.DataFrame:
    """Return accepted leads with no SQL, opportunity or outcome `days` or more after acceptance, longest first."""
    cutoff = as_of - timedelta(days=days)
    ids = select(Handoff.person_id).where(Handoff.state == "accepted", Handoff.disposition_at <= cutoff)
    accepted = queries.handoffs(session, ids, as_of).filter(
        (pl.col("disposition") == "accepted") & (pl.col("disposition_at") <= cutoff))
    moves = queries.progress(session, ids, as_of)
    moved = accepted.join(moves, on="person_id").filter(pl.col("moved_at") >= pl.col("disposition_at"))
    stuck = accepted.join(moved.select("handoff_id").unique(), on="handoff_id", how="anti")
    stuck = _with_people(session, stuck, ids).with_columns(
        days_since_accepted=((as_of - pl.col("disposition_at")).dt.total_hours() / 24).round(1))
    return stuck.sort("disposition_at").select(*WHO, "handed_off_at", accepted_at="disposition_at",
                                               days_since_accepted="days_since_accepted")


def held_for_context(*, session: Session, as_of: datetime) -> pl.DataFrame:
    """Return people held in needs_context at `as_of`, with what is missing, longest held first."""
    ids = select(Transition.person_id).where(Transition.to_status == "needs_context", Transition.at <= as_of)
    query = (select(Transition.id, Transition.person_id, Transition.to_status, Transition.at, Transition.reasons)
             .where(Transition.person_id.in_(ids), Transition.at <= as_of))
    rows = [{"id": r.id, "person_id": r.person_id, "to_status": r.to_status, "since": r.at,
             "missing": ", ".join((r.reasons or {}).get("missing") or []) or None} for r in session.execute(query)]
    moves = queries.frame(rows, {"id": pl.Int64, "person_id": pl.Int64, "to_status": pl.String,
                                 "since": queries.TIME, "missing": pl.String})
    latest = moves.sort("since", "id").group_by("person_id").last()
    held = latest.filter(pl.col("to_status") == "needs_context")
    held = held.join(queries.people(session, ids).select("person_id", "name", "company"), on="person_id", how="left")
    held = held.with_columns(days_held=((as_of - pl.col("since")).dt.total_hours() / 24).round(1))
    return held.sort("since").select("person_id", "name", "company", "since", "days_held", "missing")
