"""Build a ritual report by name: weekly, monthly, review-sheet, quarterly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.insights import metrics
from leadpact.insights.metrics import Period
from leadpact.insights.reports.blocks import Report, Section
from leadpact.insights.reports.monthly import monthly_conversion
from leadpact.insights.reports.quarterly import quarterly_pact_review, review_sections
from leadpact.insights.reports.review_sheet import mql_review_sheet
from leadpact.insights.reports.weekly import weekly_review

KINDS = ("weekly", "monthly", "review-sheet", "quarterly")


class UnknownReport(ValueError):
    """A report kind that does not exist, with the ones that do."""


def check_kind(kind: str) -> str:
    """Return `kind` if it names a report; raise UnknownReport otherwise."""
    if kind not in KINDS:
        raise UnknownReport(f"unknown report {kind!r}: use one of {', '.join(KINDS)}")
    return kind


def build_report(kind: str, *, session: Session, as_of: datetime, period: Period | None = None,
                 sections: Sequence[Section] | None = None) -> Report:
    """Return the report `kind` as of `as_of`; the quarterly review gets `sections` (None: from the providers)."""
    check_kind(kind)
    if kind == "weekly":
        return weekly_review(session=session, as_of=as_of, period=period)
    if kind == "monthly":
        return monthly_conversion(session=session, as_of=as_of, period=period)
    if kind == "review-sheet":
        return mql_review_sheet(session=session, as_of=as_of)
    if sections is None:
        quarter = period or metrics.latest_quarter(session=session, as_of=as_of)
        sections = review_sections(session=session, period=quarter, as_of=as_of)
    return quarterly_pact_review(session=session, as_of=as_of, period=period, sections=sections)
