"""The quarterly pact review: how each pact version performed, why leads were rejected, and the evidence,
proposals and backtests that argue for the next version.

Evidence, proposals and backtests are computed elsewhere (`leadpact.insights`); they reach this report as ready
sections, either passed to `quarterly_pact_review(sections=…)` or contributed by a provider registered with
`add_review_sections`. With none, the report says there is no proposal yet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.insights import metrics
from leadpact.insights.metrics import Period
from leadpact.insights.reports.blocks import Column, Report, Section, Table, Text
from leadpact.insights.reports.charts import bar_chart, stacked_chart
from leadpact.insights.reports.common import headline, metrics_table, reasons_by, reasons_table, subtitle
from leadpact.insights.reports.labels import labelled_frames
from leadpact.pact.versions import list_versions

# A provider gives ready sections for a quarter: called as provider(session=…, period=…, as_of=…).
SectionProvider = Callable[..., Sequence[Section]]
_providers: list[SectionProvider] = []
NO_PROPOSAL = ("No proposal yet: no evidence, proposal or backtest has been computed for this quarter. "
               "Run the insights and a backtest of a candidate pact, then regenerate this review.")


def add_review_sections(provider: SectionProvider) -> None:
    """Register a provider of evidence / proposal / backtest sections for the quarterly review (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def remove_review_sections(provider: SectionProvider) -> None:
    """Unregister a provider added with `add_review_sections`."""
    if provider in _providers:
        _providers.remove(provider)


def review_sections(*, session: Session, period: Period, as_of: datetime) -> list[Section]:
    """Return the sections every registered provider gives for this quarter."""
    return [section for provider in _providers for section in provider(session=session, period=period, as_of=as_of)]


def _versions_table(session: Session) -> Table:
    rows = [[f"v{row.version}", row.name, row.state, row.activated_at, row.retired_at, row.note or ""]
            for row in list_versions(session=session)]
    return Table("Pact versions", [Column("Version"), Column("Name"), Column("State"),
                                   Column("Activated", "datetime"), Column("Retired", "datetime"),
                                   Column("Note")], rows, empty="No pact stored yet.")


def evidence_section(sections: Sequence[Section]) -> list[Section]:
    """Return the evidence, proposals and backtests sections as given, or one that says there is no proposal."""
    if sections:
        return list(sections)
    return [Section("Evidence, proposals and backtests", [Text([NO_PROPOSAL])])]


def quarterly_pact_review(*, session: Session, as_of: datetime, period: Period | None = None,
                          sections: Sequence[Section] = ()) -> Report:
    """Return the quarterly pact review, ending with `sections` (evidence, proposals, backtests) or "no proposal"."""
    period = period or metrics.latest_quarter(session=session, as_of=as_of)
    promised = metrics.commitment(session=session)
    frames = labelled_frames(metrics.read_frames(session=session, period=period, as_of=as_of), session=session)
    total = metrics.figures(frames.leads, frames.handoffs, as_of=as_of)
    volume = metrics.mql_volume(frames.leads, period=period, as_of=as_of, promised=promised)
    elapsed = sum(v.elapsed_share for v in volume) / max(len(volume), 1)
    by_version = metrics.slice_figures(frames.leads, frames.handoffs, by="pact_version", as_of=as_of)
    by_month = metrics.slice_figures(frames.leads, frames.handoffs, by="month", as_of=as_of)
    version_reasons = [{"version": item.key, "reason": reason, "count": count}
                       for item in by_version for reason, count in item.rejection_reasons.items()]
    version_table, _ = reasons_by(version_reasons, "version", "Rejection reasons by pact version", "Pact version")
    month_table, series = reasons_by(metrics.reasons_by_month(frames.handoffs), "month",
                                     "Rejection reasons by month", "Month")
    body = [
        Section("Headline", [headline(total, promised, elapsed=elapsed, months=max(len(volume), 1))]),
        Section("Pact versions", [
            _versions_table(session),
            bar_chart("Acceptance rate by pact version", [v.key for v in by_version],
                      [v.acceptance_rate or 0.0 for v in by_version], format="percent"),
            metrics_table("Metrics by pact version", "pact_version", by_version,
                          note="MQLs under the version that qualified them; handoffs under the version in force."),
        ]),
        Section("Months", [metrics_table("Metrics by month", "month", by_month)]),
        Section("Rejection reasons", [
            reasons_table("Rejection reasons this quarter", total.rejection_reasons), version_table,
            stacked_chart("Rejection reasons by month", series["labels"], series["series"]), month_table]),
    ]
    return Report("quarterly", "Quarterly pact review", subtitle(period, as_of, promised), as_of,
                  body + evidence_section(sections))
