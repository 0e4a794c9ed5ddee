"""What the demo run did, in figures: the funnel under the starting pact, the handoffs, the clock, the feedback."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.handoff import Handoff, Opportunity
from leadpact.people.models import Person
from leadpact.sla import speed_to_lead
from leadpact.stats import channel_counts, workspace_counts


def story_figures(session: Session, *, version: int, as_of: datetime) -> dict[str, Any]:
    """Every figure the demo prints, as JSON-ready data."""
    counts = workspace_counts(session)
    statuses = dict(session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
    handoffs = session.scalars(select(Handoff).order_by(Handoff.id)).all()
    disposed = [h for h in handoffs if h.state in ("accepted", "rejected")]
    accepted = sum(1 for h in disposed if h.state == "accepted")
    reasons = Counter(h.rejection_reason for h in handoffs if h.rejection_reason)
    speed = speed_to_lead(handoffs, as_of=as_of)
    deals = dict(session.execute(select(Opportunity.stage, func.count()).group_by(Opportunity.stage)).all())
    sample = next((h for h in handoffs if h.tier == "hot"), handoffs[0] if handoffs else None)
    return {
        **counts,
        "identified_share": round(counts["identified_people"] / max(counts["people"], 1), 3),
        "channels": channel_counts(session),
        "statuses": statuses,
        "pact_version": version,
        "handoffs": len(handoffs),
        "handoffs_by_tier": dict(Counter(h.tier for h in handoffs)),
        "acceptance_rate": round(accepted / len(disposed), 3) if disposed else None,
        "dispositions": len(disposed),
        "speed_to_lead_median_minutes": speed.median_minutes,
        "speed_to_lead_p90_minutes": speed.p90_minutes,
        "within_sla_share": speed.inside_sla_share,
        "sla_breaches": sum(1 for h in handoffs if h.sla_breached_at is not None),
        "escalations": sum(1 for h in handoffs if h.escalated_at is not None),
        "reassignments": sum(1 for h in handoffs if h.reassigned_at is not None),
        "rejection_reasons": dict(reasons.most_common()),
        "opportunities": sum(deals.values()),
        "won": deals.get("won", 0),
        "lost": deals.get("lost", 0),
        "sample_brief": sample.brief if sample else None,
    }
