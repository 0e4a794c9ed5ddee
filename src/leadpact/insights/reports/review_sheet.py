"""The monthly MQL review sheet: the last 30 MQLs, what sales did with each and why, with blank columns that the
marketing and sales meeting fills in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.insights import metrics
from leadpact.insights.metrics.dimensions import NONE
from leadpact.insights.metrics.queries import QUALIFIED
from leadpact.insights.reports.blocks import Column, Report, Section, Table
from leadpact.insights.reports.common import subtitle
from leadpact.insights.reports.labels import labelled, persona_labels
from leadpact.lifecycle.models import Transition

MEETING_COLUMNS = ("Agreed outcome", "Action", "Owner")
COLUMNS = [
    Column("MQL date", "date", 12), Column("Name", width=22), Column("Company", width=22), Column("Persona", width=16),
    Column("Grade", width=8), Column("Fit", "number", 8), Column("Engagement", "number", 12),
    Column("Channel", width=14), Column("Handed off to", width=24), Column("Engaged?", width=15),
    Column("Opportunity?", width=13), Column("Why", width=50),
    *(Column(title, width=30 if title != "Owner" else 16, blank=True) for title in MEETING_COLUMNS),
]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _earliest(session: Session, as_of: datetime, count: int) -> datetime:
    """Return when the `count`-th most recent MQL by `as_of` was made (the sheet's start), or the epoch."""
    moment = session.scalar(
        select(Transition.at).where(Transition.to_status.in_(QUALIFIED), Transition.from_status.not_in(QUALIFIED),
                                    Transition.at <= as_of)
        .order_by(Transition.at.desc(), Transition.id.desc()).offset(count - 1).limit(1))
    return moment or EPOCH


def last_mqls(*, session: Session, as_of: datetime, count: int = 30) -> pl.DataFrame:
    """Return the `count` most recent MQLs by `as_of`, newest first, followed forward to `as_of`."""
    start = _earliest(session, as_of, count)
    leads = metrics.lead_frame(session=session, start=start, end=as_of + timedelta(microseconds=1), as_of=as_of)
    return leads.sort("mql_at", "person_id", descending=True).head(count)


def _engaged(row: dict[str, Any]) -> str:
    if row["handoff_id"] is None:
        return "not handed off"
    return "yes" if row["first_touch_at"] is not None else "no"


def _opportunity(row: dict[str, Any]) -> str:
    if row["won_at"] is not None:
        return "won"
    if row["opportunity_at"] is None:
        return "no"
    return "lost" if row["opportunity_stage"] == "lost" or row["lost_at"] is not None else "open"


def why(row: dict[str, Any]) -> str:
    """Say why the lead went where it did: the rejection or loss reason, else the pact criteria that fired."""
    if row["disposition"] == "rejected":
        note = f" ({row['rejection_note']})" if row["rejection_note"] else ""
        return f"rejected: {row['rejection_reason']}{note}"
    if row["lost_at"] is not None:
        return f"lost: {row['lost_reason'] or 'no reason recorded'}"
    fired = row["fired"] or row["criteria"]
    return f"fired: {fired}" if fired else ""


def _handed_to(row: dict[str, Any]) -> str:
    if row["handoff_id"] is None:
        return ""
    return f"{row['rep']} ({row['team']})" if row["team"] != NONE else str(row["rep"])


def sheet_rows(leads: pl.DataFrame) -> list[list[Any]]:
    """Return the sheet's rows (meeting columns blank) for a lead frame."""
    return [[row["mql_at"], row["name"], row["company"] or "", row["persona"], row["grade"], row["fit_score"],
             row["engagement_score"], row["channel"], _handed_to(row), _engaged(row), _opportunity(row), why(row),
             *("" for _ in MEETING_COLUMNS)] for row in leads.iter_rows(named=True)]


def mql_review_sheet(*, session: Session, as_of: datetime, count: int = 30) -> Report:
    """Return the MQL review sheet: the last `count` MQLs by `as_of`, newest first."""
    leads = labelled(last_mqls(session=session, as_of=as_of, count=count), persona_labels(session=session))
    table = Table(f"The last {count} MQLs", COLUMNS, sheet_rows(leads), empty="No MQL yet.",
                  note="Engaged? = a rep touched the lead. Why = the rejection or loss reason, else the criteria "
                       "that fired. The last three columns are for the meeting.")
    promised = metrics.commitment(session=session)
    return Report("review-sheet", "MQL review sheet", subtitle(None, as_of, promised), as_of,
                  [Section(f"The last {count} MQLs", [table])])
