"""Speed-to-lead figures: minutes from handoff to first touch (median, p90) and the share inside the SLA.

Pure functions over rows (handoff objects, row mappings or dicts with `created_at`, `first_touch_at`, `sla_due_at`,
`sla_breached_at`, `escalated_at` and whatever the rows are grouped by), so reports and the demo reuse them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

GROUPS = {"rep": "rep_id", "team": "team_id", "tier": "tier"}


@dataclass(frozen=True)
class SpeedToLead:
    """Speed-to-lead of a set of handoffs."""

    handoffs: int
    touched: int
    median_minutes: float | None
    p90_minutes: float | None
    decided: int  # handoffs with a deadline whose outcome is known (touched, or deadline passed)
    inside_sla: int
    inside_sla_share: float | None
    breaches: int
    escalations: int

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a plain dict (for JSON and tables)."""
        return asdict(self)


def field(row: Any, name: str) -> Any:
    """Return a column of a row given as a mapping or an object (None when absent)."""
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def minutes_to_first_touch(row: Any) -> float | None:
    """Return minutes from handoff to first touch, or None while untouched."""
    touched, created = field(row, "first_touch_at"), field(row, "created_at")
    if touched is None or created is None:
        return None
    return max(0.0, (touched - created).total_seconds() / 60)


def within_sla(row: Any, *, as_of: datetime | None = None) -> bool | None:
    """Whether the first touch came by the deadline; None without a deadline or while it can still be met."""
    due, touched = field(row, "sla_due_at"), field(row, "first_touch_at")
    if due is None:
        return None
    if touched is not None:
        return touched <= due
    if field(row, "sla_breached_at") is not None or (as_of is not None and as_of > due):
        return False
    return None


def percentile(values: list[float], share: float) -> float | None:
    """Return the `share` (0–1) percentile with linear interpolation between ranks (numpy's default), or None."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def speed_to_lead(rows: Iterable[Any], *, as_of: datetime | None = None) -> SpeedToLead:
    """Return the speed-to-lead figures of `rows`."""
    rows = list(rows)
    minutes = [m for m in (minutes_to_first_touch(row) for row in rows) if m is not None]
    verdicts = [v for v in (within_sla(row, as_of=as_of) for row in rows) if v is not None]
    inside = sum(verdicts)
    median, p90 = percentile(minutes, 0.5), percentile(minutes, 0.9)
    return SpeedToLead(
        handoffs=len(rows),
        touched=len(minutes),
        median_minutes=None if median is None else round(median, 2),
        p90_minutes=None if p90 is None else round(p90, 2),
        decided=len(verdicts),
        inside_sla=inside,
        inside_sla_share=round(inside / len(verdicts), 4) if verdicts else None,
        breaches=sum(1 for row in rows if field(row, "sla_breached_at") is not None),
        escalations=sum(1 for row in rows if field(row, "escalated_at") is not None),
    )


def speed_to_lead_by(
    rows: Iterable[Any], by: str | Callable[[Any], Any], *, as_of: datetime | None = None
) -> dict[Any, SpeedToLead]:
    """Return speed-to-lead per group: `by` is rep, team, tier, any column name, or a function of a row."""
    key = by if callable(by) else (lambda row, name=GROUPS.get(by, by): field(row, name))
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {group: speed_to_lead(members, as_of=as_of) for group, members in groups.items()}
