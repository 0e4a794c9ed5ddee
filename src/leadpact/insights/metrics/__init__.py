"""Metrics of the pact at work (SPEC §10), one module for the CLI, the API, the web app and the reports.

`compute_metrics(session=…, period=…, as_of=…, by=…)` gives a `Metrics`; reports read `read_frames` once and slice
with `figures` / `slice_figures`. A period is parsed with `parse_period`, an as-of date with `parse_as_of`."""

from leadpact.insights.metrics.dimensions import SLICES, UnknownSlice, slice_column
from leadpact.insights.metrics.facts import COLUMNS, handoff_frame, lead_frame
from leadpact.insights.metrics.figures import Figures, figures, rate, slice_figures
from leadpact.insights.metrics.latest import latest_activity, latest_month, latest_quarter, latest_week
from leadpact.insights.metrics.periods import (
    PERIOD_FORMS,
    Period,
    PeriodError,
    month,
    month_of,
    parse_as_of,
    parse_period,
    quarter,
    trailing_week,
)
from leadpact.insights.metrics.pipeline import breaches, feedback_overdue, held_for_context, sla_risks, stuck_leads
from leadpact.insights.metrics.service import (
    Commitment,
    Frames,
    Metrics,
    MonthVolume,
    commitment,
    compute_metrics,
    metrics_from_frames,
    mql_volume,
    read_frames,
    reasons_by_month,
)

__all__ = [
    "COLUMNS", "PERIOD_FORMS", "SLICES", "Commitment", "Figures", "Frames", "Metrics", "MonthVolume", "Period",
    "PeriodError", "UnknownSlice", "breaches", "commitment", "compute_metrics", "feedback_overdue", "figures",
    "handoff_frame", "held_for_context", "latest_activity", "latest_month", "latest_quarter",
    "latest_week", "lead_frame", "metrics_from_frames", "month", "month_of", "mql_volume",
    "parse_as_of", "parse_period", "quarter", "rate", "read_frames", "reasons_by_month", "sla_risks",
    "slice_column", "slice_figures", "stuck_leads", "trailing_week",
]
