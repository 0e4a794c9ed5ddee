"""The figures of one set of leads: funnel counts, conversion, acceptance, speed-to-lead and compliance.

Conversion follows each MQL forward (a cohort): of the MQLs made in the period, how many reached SQL, how many of
those were won, as known at the as-of moment. Acceptance, speed-to-lead and compliance are over the handoffs made in
the period. Speed-to-lead is `leadpact.sla.metrics`, so the SLA pages and these reports give the same numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from leadpact.insights.metrics.dimensions import ORDERED, slice_column, sort_key
from leadpact.sla.metrics import SpeedToLead, speed_to_lead


@dataclass(frozen=True)
class Figures:
    """The metrics of one slice (`key`) or of everything (`key` = "all")."""

    key: str
    mqls: int
    hot: int
    handed_off: int  # MQLs that reached a rep
    accepted_leads: int  # MQLs whose handoff was accepted (or that went on to SQL)
    sqls: int
    opportunities: int
    won: int
    lost: int
    won_amount: float
    mql_to_sql: float | None
    sql_to_won: float | None
    handoffs: int
    dispositions: int
    accepted: int
    rejected: int
    acceptance_rate: float | None
    speed_to_lead: SpeedToLead
    sla_compliance: float | None
    feedback_decided: int
    feedback_on_time: int
    feedback_compliance: float | None
    rejection_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a plain dict (nested speed-to-lead included)."""
        return asdict(self)


def rate(part: int, whole: int) -> float | None:
    """Return part / whole rounded to 4 places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def _count(frame: pl.DataFrame, condition: pl.Expr) -> int:
    return int(frame.select(condition.sum()).item() or 0) if frame.height else 0


def feedback(handoffs: pl.DataFrame, *, as_of: datetime) -> tuple[int, int]:
    """Return (decided, on time): handoffs with a disposition or past the deadline, and those disposed by it."""
    clocked = handoffs.filter(pl.col("feedback_due_at").is_not_null() & ~pl.col("closed"))
    decided = pl.col("disposition_at").is_not_null() | (pl.col("feedback_due_at") < as_of)
    on_time = pl.col("disposition_at").is_not_null() & (pl.col("disposition_at") <= pl.col("feedback_due_at"))
    return _count(clocked, decided), _count(clocked, on_time)


def speed(handoffs: pl.DataFrame, *, as_of: datetime) -> SpeedToLead:
    """Return speed-to-lead of the handoffs that were worked (a closed one's clock was cancelled)."""
    worked = handoffs.filter(~pl.col("closed")).select(
        "first_touch_at", "sla_due_at", "sla_breached_at", "escalated_at", created_at="handed_off_at")
    return speed_to_lead(worked.iter_rows(named=True), as_of=as_of)


def reasons(handoffs: pl.DataFrame) -> dict[str, int]:
    """Return rejection reasons with their counts, most frequent first."""
    rejected = handoffs.filter(pl.col("rejection_reason").is_not_null())
    counted = rejected.group_by("rejection_reason").len().sort(["len", "rejection_reason"], descending=[True, False])
    return {row["rejection_reason"]: row["len"] for row in counted.iter_rows(named=True)}


def figures(leads: pl.DataFrame, handoffs: pl.DataFrame, *, as_of: datetime, key: str = "all") -> Figures:
    """Return the figures of a lead frame (MQL cohort) and a handoff frame (handoff cohort)."""
    sqls = _count(leads, pl.col("sql_at").is_not_null())
    won = _count(leads, pl.col("won_at").is_not_null())
    accepted, rejected = (_count(handoffs, pl.col("disposition") == state) for state in ("accepted", "rejected"))
    stl = speed(handoffs, as_of=as_of)
    decided, on_time = feedback(handoffs, as_of=as_of)
    won_amount = leads.filter(pl.col("won_at").is_not_null())["amount"].sum() if leads.height else 0.0
    return Figures(
        key=key, mqls=leads.height, hot=_count(leads, pl.col("tier") == "hot"),
        handed_off=_count(leads, pl.col("handoff_id").is_not_null()),
        accepted_leads=_count(leads, (pl.col("disposition") == "accepted") | pl.col("sql_at").is_not_null()),
        sqls=sqls, opportunities=_count(leads, pl.col("opportunity_at").is_not_null()), won=won,
        lost=_count(leads, pl.col("lost_at").is_not_null()), won_amount=float(won_amount or 0.0),
        mql_to_sql=rate(sqls, leads.height), sql_to_won=rate(won, sqls),
        handoffs=handoffs.height, dispositions=accepted + rejected, accepted=accepted, rejected=rejected,
        acceptance_rate=rate(accepted, accepted + rejected), speed_to_lead=stl,
        sla_compliance=stl.inside_sla_share, feedback_decided=decided, feedback_on_time=on_time,
        feedback_compliance=rate(on_time, decided), rejection_reasons=reasons(handoffs),
    )


def slice_figures(leads: pl.DataFrame, handoffs: pl.DataFrame, *, by: str, as_of: datetime) -> list[Figures]:
    """Return the figures of each value of a slice (`by`), in natural order or by MQL volume."""
    column = slice_column(by)
    keys = set(leads[column].to_list()) | set(handoffs[column].to_list())
    result = [figures(leads.filter(pl.col(column) == value), handoffs.filter(pl.col(column) == value),
                      as_of=as_of, key=value) for value in keys]
    if by in ORDERED:
        return sorted(result, key=lambda f: sort_key(by, f.key))
    return sorted(result, key=lambda f: (-f.mqls, -f.handoffs, sort_key(by, f.key)))
