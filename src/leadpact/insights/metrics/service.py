"""The metrics of a period: MQL volume against the marketing commitment, the funnel, acceptance, speed-to-lead,
SLA and feedback compliance and rejection reasons, for everything and for each value of one slice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from leadpact.insights.metrics.dimensions import slice_column
from leadpact.insights.metrics.facts import handoff_frame, lead_frame
from leadpact.insights.metrics.figures import Figures, figures, rate, slice_figures
from leadpact.insights.metrics.periods import Period, add_months, months_between
from leadpact.pact import format_duration, stored_pact
from leadpact.pact.versions import active_version


@dataclass(frozen=True)
class Commitment:
    """What the active pact commits each team to (None where the pact says nothing)."""

    pact_version: int | None
    mqls_per_month: int | None
    min_acceptance_rate: float | None
    respond_within: str | None


@dataclass(frozen=True)
class MonthVolume:
    """MQLs made in one month against the monthly commitment."""

    month: str
    mqls: int
    commitment: int | None
    share_of_commitment: float | None
    elapsed_share: float  # how much of the month had passed at the as-of moment (1.0 for a past month)


@dataclass(frozen=True)
class Metrics:
    """Everything `GET /api/v1/metrics` and `leadpact metrics` give for a period."""

    period: Period
    as_of: datetime
    by: str | None
    commitment: Commitment
    total: Figures
    slices: list[Figures]
    mql_volume: list[MonthVolume]
    rejection_reasons_by_month: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-ready dict."""
        result = asdict(self)
        result["period"], result["as_of"] = self.period.as_dict(), self.as_of.isoformat()
        return result


@dataclass(frozen=True)
class Frames:
    """The lead (MQL cohort) and handoff frames of a period, read once and reused by every figure of a report."""

    leads: pl.DataFrame
    handoffs: pl.DataFrame


def read_frames(*, session: Session, period: Period, as_of: datetime,
                where: Mapping[str, str] | None = None) -> Frames:
    """Return the period's lead and handoff frames, keeping only rows whose slices equal `where`."""
    leads = lead_frame(session=session, start=period.start, end=period.end, as_of=as_of)
    handoffs = handoff_frame(session=session, start=period.start, end=period.end, as_of=as_of)
    for name, value in (where or {}).items():
        column = slice_column(name)
        leads, handoffs = leads.filter(pl.col(column) == value), handoffs.filter(pl.col(column) == value)
    return Frames(leads, handoffs)


def commitment(*, session: Session) -> Commitment:
    """Return the commitments of the active pact (all None before one is active)."""
    row = active_version(session=session)
    if row is None:
        return Commitment(None, None, None, None)
    promised = stored_pact(row.source).commitments
    marketing, sales = (promised.marketing, promised.sales) if promised else (None, None)
    respond = sales.respond_within if sales else None
    return Commitment(
        pact_version=row.version,
        mqls_per_month=marketing.mqls_per_month if marketing else None,
        min_acceptance_rate=float(marketing.min_acceptance_rate) if marketing and
        marketing.min_acceptance_rate is not None else None,
        respond_within=format_duration(respond) if respond is not None else None,
    )


def mql_volume(leads: pl.DataFrame, *, period: Period, as_of: datetime, promised: Commitment) -> list[MonthVolume]:
    """Return MQLs per month of the period against the monthly commitment (months after `as_of` left out)."""
    counts = dict(leads.group_by("month").len().iter_rows()) if leads.height else {}
    result = []
    for first in months_between(period.start, min(period.end, as_of)):
        label, last = first.strftime("%Y-%m"), add_months(first, 1)
        elapsed = min(1.0, max(0.0, (as_of - first) / (last - first)))
        made = int(counts.get(label, 0))
        goal = promised.mqls_per_month
        result.append(MonthVolume(label, made, goal, rate(made, goal) if goal else None, round(elapsed, 4)))
    return result


def reasons_by_month(handoffs: pl.DataFrame) -> list[dict[str, Any]]:
    """Return rejection counts by month of handoff and reason (a month's reasons add up to its rejections)."""
    rejected = handoffs.filter(pl.col("rejection_reason").is_not_null())
    counted = rejected.group_by("month", "rejection_reason").len()
    ordered = counted.sort(["month", "len", "rejection_reason"], descending=[False, True, False])
    return [{"month": m, "reason": r, "count": n} for m, r, n in ordered.iter_rows()]


def compute_metrics(*, session: Session, period: Period, as_of: datetime, by: str | None = None,
                    where: Mapping[str, str] | None = None) -> Metrics:
    """Return the metrics of `period` as known at `as_of`, overall and per value of the slice `by`."""
    if by is not None:
        slice_column(by)  # refuse an unknown slice before reading anything
    frames = read_frames(session=session, period=period, as_of=as_of, where=where)
    return metrics_from_frames(frames, period=period, as_of=as_of, by=by, promised=commitment(session=session))


def metrics_from_frames(frames: Frames, *, period: Period, as_of: datetime, by: str | None,
                        promised: Commitment) -> Metrics:
    """Return the metrics of frames already read (reports read once and slice many ways)."""
    leads, handoffs = frames.leads, frames.handoffs
    return Metrics(
        period=period, as_of=as_of, by=by, commitment=promised,
        total=figures(leads, handoffs, as_of=as_of),
        slices=slice_figures(leads, handoffs, by=by, as_of=as_of) if by else [],
        mql_volume=mql_volume(leads, period=period, as_of=as_of, promised=promised),
        rejection_reasons_by_month=reasons_by_month(handoffs),
    )
