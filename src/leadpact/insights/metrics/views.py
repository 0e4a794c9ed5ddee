"""`GET /api/v1/metrics`: the metrics of a period, overall and per slice, for a read key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query, status

from leadpact.api import DbSession, InsightsReader, api_router, errors
from leadpact.clock import get_clock
from leadpact.insights.metrics.dimensions import SLICES, UnknownSlice, slice_column
from leadpact.insights.metrics.latest import latest_month
from leadpact.insights.metrics.periods import PERIOD_FORMS, PeriodError, parse_as_of, parse_period
from leadpact.insights.metrics.service import compute_metrics

router = api_router(prefix="", tags=["insights"])

PeriodQuery = Annotated[str | None, Query(description=f"The period: {PERIOD_FORMS}. "
                                                      "Default: the latest month that has data.")]
AsOfQuery = Annotated[str | None, Query(description="As things stood at the end of this day (YYYY-MM-DD) or at "
                                                    "this ISO-8601 moment. Default: now.")]


def refused(error: Exception) -> HTTPException:
    """Return a 422 that says what was wrong with the query."""
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.get("/metrics", responses=errors(401, 403, 422))
def get_metrics(
    session: DbSession,
    _: InsightsReader,
    period: PeriodQuery = None,
    by: Annotated[str | None, Query(description=f"Slice by one of: {', '.join(sorted(SLICES))}.")] = None,
    where: Annotated[list[str], Query(description="Keep only SLICE=VALUE (repeatable).")] = [],  # noqa: B006
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """Give a period's MQLs, acceptance, conversion, speed to lead, compliance and reasons, overall and by `by`."""
    try:
        moment = parse_as_of(as_of, now=get_clock().now())
        span = parse_period(period, as_of=moment) if period else latest_month(session=session, as_of=moment)
        if by is not None:
            slice_column(by)
        filters = {}
        for pair in where:
            name, sep, value = pair.partition("=")
            if not sep:
                raise UnknownSlice(f"bad where {pair!r}: use SLICE=VALUE, e.g. channel=paid_search")
            slice_column(name)
            filters[name.strip().lower()] = value.strip()
    except (PeriodError, UnknownSlice) as error:
        raise refused(error) from None
    return compute_metrics(session=session, period=span, as_of=moment, by=by, where=filters).as_dict()
