"""What the demo run did, in figures: the funnel under the starting pact, the handoffs, the clock, the feedback.

Every figure that `leadpact metrics`, the reports and the API also give comes from the same metrics service over
the same period (the whole run, as of its last moment), so the demo's summary and the reports cannot disagree."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff import Handoff
from leadpact.insights.metrics import Period, compute_metrics
from leadpact.people.models import Person
from leadpact.stats import channel_counts, workspace_counts


def run_period(start: datetime, as_of: datetime) -> Period:
    """The period the demo's figures cover, whole days from the company's first to the run's last: the same
    period `leadpact metrics --period FIRST..LAST` reads."""
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    last = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    return Period(first, last + timedelta(days=1), f"{first:%Y-%m-%d}..{last:%Y-%m-%d}")


def story_figures(session: Session, *, version: int, start: datetime, as_of: datetime) -> dict[str, Any]:
    """Every figure the demo prints, as JSON-ready data."""
    counts = workspace_counts(session)
    statuses = dict(session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
    period = run_period(start, as_of)
    result = compute_metrics(session=session, period=period, as_of=as_of, by="tier")
    total, speed = result.total, result.total.speed_to_lead
    reassigned = session.scalar(select(func.count()).select_from(Handoff).where(Handoff.reassigned_at.is_not(None)))
    sample = session.scalars(select(Handoff).order_by(Handoff.tier != "hot", Handoff.id).limit(1)).first()
    return {
        **counts,
        "identified_share": round(counts["identified_people"] / max(counts["people"], 1), 3),
        "channels": channel_counts(session),
        "statuses": statuses,
        "pact_version": version,
        "period": {**period.as_dict(), "as_of": as_of.isoformat()},
        "mqls": total.mqls,
        "handoffs": total.handoffs,
        "handoffs_by_tier": {item.key: item.handoffs for item in result.slices if item.handoffs},
        "acceptance_rate": total.acceptance_rate,
        "accepted": total.accepted,
        "dispositions": total.dispositions,
        "speed_to_lead_median_minutes": speed.median_minutes,
        "speed_to_lead_p90_minutes": speed.p90_minutes,
        "within_sla_share": speed.inside_sla_share,
        "sla_breaches": speed.breaches,
        "escalations": speed.escalations,
        "reassignments": reassigned,
        "rejection_reasons": total.rejection_reasons,
        "sqls": total.sqls,
        "opportunities": total.opportunities,
        "won": total.won,
        "lost": total.lost,
        "sample_brief": sample.brief if sample else None,
    }
