"""`GET /api/v1/reports/{kind}`: a ritual report as HTML, XLSX, Markdown or CSV, for a read key; this router also
carries `GET /api/v1/metrics`, so the app includes the insights API in one line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from leadpact.api import DbSession, ReportsReader, api_router, errors
from leadpact.clock import get_clock
from leadpact.insights.metrics.periods import PeriodError, parse_as_of, parse_period
from leadpact.insights.metrics.views import AsOfQuery, PeriodQuery, refused
from leadpact.insights.metrics.views import router as metrics_router
from leadpact.insights.reports.render import FORMATS, MEDIA_TYPES, render
from leadpact.insights.reports.service import UnknownReport, build_report, check_kind

reports_router = api_router(prefix="", tags=["insights"])


@reports_router.get("/reports/{kind}", response_class=Response, responses={
    **errors(401, 403, 422),
    404: {"description": "No such report"},
    200: {"content": {MEDIA_TYPES[f].split(";")[0]: {} for f in FORMATS}, "description": "The report"},
})
def get_report(
    kind: str,
    session: DbSession,
    _: ReportsReader,
    format: Annotated[str, Query(description=f"One of {', '.join(FORMATS)}.")] = "html",
    period: PeriodQuery = None,
    as_of: AsOfQuery = None,
) -> Response:
    """Make a ritual report (kind: weekly, monthly, review-sheet, quarterly) in one self-contained file."""
    try:
        check_kind(kind)
    except UnknownReport as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    if format not in FORMATS:
        raise refused(ValueError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}"))
    try:
        moment = parse_as_of(as_of, now=get_clock().now())
        span = parse_period(period, as_of=moment) if period else None
    except PeriodError as error:
        raise refused(error) from None
    if span is not None and kind == "review-sheet":
        raise refused(ValueError("the review sheet is the last 30 MQLs: it takes as_of, not period"))
    content = render(build_report(kind, session=session, as_of=moment, period=span), format)
    name = f"leadpact-{kind}-{moment:%Y-%m-%d}.{format}"
    return Response(content, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'{"attachment" if format == "xlsx" else "inline"}; '
                                                    f'filename="{name}"'})


# Both routers already carry the /api/v1 prefix: a bare router joins them without adding another.
router = APIRouter()
router.include_router(metrics_router)
router.include_router(reports_router)
