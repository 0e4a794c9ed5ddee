"""The two frames every metric and report is computed from, one row per lead:

- `lead_frame`: one row per MQL (a person's entry into mql or hot) in the period, followed forward: its handoff,
  disposition, SQL, opportunity and outcome, up to the person's next MQL;
- `handoff_frame`: one row per handoff made in the period, with the MQL that led to it and what followed.

Both carry the same columns, so every slice (channel, persona, segment, team, …) reads both the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff
from leadpact.insights.metrics import queries
from leadpact.insights.metrics.dimensions import NONE, size_band
from leadpact.lifecycle.models import Transition

# The columns a report may read, in a stable order.
COLUMNS = [
    "person_id", "name", "email", "company", "channel", "source", "medium", "industry", "segment", "persona", "grade",
    "fit_score", "engagement_score", "criteria", "tier", "pact_version", "month", "week", "mql_at", "handoff_id",
    "handed_off_at", "rep", "rep_email", "team", "sla_due_at", "first_touch_at", "sla_breached_at", "escalated_at",
    "feedback_due_at", "disposition_at", "disposition", "closed", "rejection_reason", "rejection_note", "fired",
    "sql_at", "opportunity_at", "won_at", "lost_at", "opportunity_stage", "amount", "lost_reason",
]


def lead_frame(*, session: Session, start: datetime, end: datetime, as_of: datetime) -> pl.DataFrame:
    """Return one row per MQL made in [start, end) and by `as_of`, with everything that followed it by `as_of`."""
    cohort = select(Transition.person_id).where(
        Transition.to_status.in_(queries.QUALIFIED), Transition.from_status.not_in(queries.QUALIFIED),
        Transition.at >= start, Transition.at < end, Transition.at <= as_of)
    mqls = _windows(queries.qualifications(session, cohort, as_of), "mql_id", "mql_at")
    mqls = mqls.filter((pl.col("mql_at") >= start) & (pl.col("mql_at") < end))
    handoffs = queries.handoffs(session, cohort, as_of)
    # The MQL's handoff is the person's first one made at or after it, before their next MQL.
    base = mqls.join(_pick(mqls, handoffs, key="mql_id", at="handed_off_at"), on="mql_id", how="left")
    return _finish(session, base, cohort, as_of, key="mql_id", moment="mql_at")


def handoff_frame(*, session: Session, start: datetime, end: datetime, as_of: datetime) -> pl.DataFrame:
    """Return one row per handoff made in [start, end) and by `as_of`, with its MQL and what followed by `as_of`."""
    cohort = select(Handoff.person_id).where(Handoff.created_at >= start, Handoff.created_at < end,
                                             Handoff.created_at <= as_of)
    handoffs = _windows(queries.handoffs(session, cohort, as_of), "handoff_id", "handed_off_at")
    handoffs = handoffs.filter((pl.col("handed_off_at") >= start) & (pl.col("handed_off_at") < end))
    # The handoff's MQL is the person's latest one at or before it (a manual handoff from needs_context has none).
    mqls = queries.qualifications(session, cohort, as_of)
    lookup = handoffs.select("handoff_id", "person_id", window_start=pl.lit(None, queries.TIME),
                             window_stop=pl.col("handed_off_at") + pl.duration(microseconds=1))
    base = handoffs.join(_pick(lookup, mqls, key="handoff_id", at="mql_at", last=True), on="handoff_id", how="left")
    return _finish(session, base, cohort, as_of, key="handoff_id", moment="handed_off_at")


def _windows(rows: pl.DataFrame, key: str, at: str) -> pl.DataFrame:
    """Give each row the window [its time, the same person's next row's time) that later facts are matched in."""
    rows = rows.sort("person_id", at, key)
    return rows.with_columns(window_start=pl.col(at), window_stop=pl.col(at).shift(-1).over("person_id"))


def _pick(base: pl.DataFrame, events: pl.DataFrame, *, key: str, at: str, last: bool = False) -> pl.DataFrame:
    """Return, per base row, the person's first (or last) event inside the row's window."""
    inside = (base.select(key, "person_id", "window_start", "window_stop").join(events, on="person_id")
              .filter(_inside(at)).sort(at))
    chosen = inside.group_by(key, maintain_order=True).agg(pl.all().last() if last else pl.all().first())
    return chosen.drop("person_id", "window_start", "window_stop")


def _inside(at: str) -> pl.Expr:
    after = pl.col("window_start").is_null() | (pl.col(at) >= pl.col("window_start"))
    return after & (pl.col("window_stop").is_null() | (pl.col(at) < pl.col("window_stop")))


def _milestones(base: pl.DataFrame, moves: pl.DataFrame, key: str) -> pl.DataFrame:
    """Return, per base row, when the person first reached SQL, an opportunity, won and lost inside its window."""
    inside = base.select(key, "person_id", "window_start", "window_stop").join(moves, on="person_id")
    inside = inside.filter(_inside("moved_at"))

    def first(*states: str) -> pl.Expr:
        return pl.col("moved_at").filter(pl.col("to_status").is_in(states)).min()

    return inside.group_by(key).agg(sql_at=first("sql", "opportunity", "won"),
                                    opportunity_at=first("opportunity", "won"), won_at=first("won"),
                                    lost_at=first("lost"))


def _finish(session: Session, base: pl.DataFrame, ids: Select[Any], as_of: datetime, *, key: str,
            moment: str) -> pl.DataFrame:
    """Add milestones, the opportunity and who the person is (reading only the cohort's people); derive slices."""
    base = base.join(_milestones(base, queries.progress(session, ids, as_of), key), on=key, how="left")
    opportunity = _pick(base, queries.opportunities(session, ids, as_of), key=key, at="opened_at")
    base = base.join(opportunity, on=key, how="left").join(queries.people(session, ids), on="person_id", how="left")

    def either(first: str, second: str) -> pl.Expr:
        return pl.coalesce(pl.col(first), pl.col(second))

    # Tier and pact version are the row's own event's (the MQL's, or the handoff's); the other only fills a gap.
    own, other = ("mql", "handoff") if key == "mql_id" else ("handoff", "mql")

    frame = base.with_columns(
        persona=either("mql_persona", "eval_persona").fill_null(NONE),
        grade=either("mql_grade", "eval_grade").fill_null(NONE),
        fit_score=either("mql_fit", "eval_fit"),
        engagement_score=either("mql_engagement", "eval_engagement"),
        criteria=pl.col("mql_criteria"),
        tier=either(f"{own}_tier", f"{other}_tier").fill_null(NONE),
        pact_version=either(f"{own}_version", f"{other}_version").fill_null(NONE),
        segment=size_band(pl.col("employees")),
        month=pl.col(moment).dt.strftime("%Y-%m"),
        week=pl.col(moment).dt.strftime("%G-W%V"),
        closed=pl.col("closed").fill_null(False),
    ).with_columns(pl.col(c).fill_null(NONE) for c in ("channel", "source", "medium", "industry", "team", "rep"))
    return frame.select(COLUMNS).sort(moment, "person_id")
