"""The marketing dashboard (/dashboard) and the ritual reports (/reports), viewable and downloadable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from leadpact.clock import get_clock
from leadpact.insights.metrics import PERIOD_FORMS, PeriodError, parse_period
from leadpact.insights.reports import FORMATS, KINDS, MEDIA_TYPES, build_report, render
from leadpact.insights.reports.formatting import display
from leadpact.web.deps import DbSession, Insights, Reports
from leadpact.web.pages.dashboard import as_of_now, dashboard, months_with_data
from leadpact.web.templating import page
from leadpact.web.views.common import refused

router = APIRouter()
TITLES = {"weekly": "Weekly pipeline review", "monthly": "Monthly conversion report",
          "review-sheet": "MQL review sheet (last 30 MQLs)", "quarterly": "Quarterly pact review"}
PeriodParam = Annotated[str | None, Query(description=f"The period: {PERIOD_FORMS}.")]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: DbSession, principal: Insights,
                   period: PeriodParam = None) -> Response:
    """The funnel, MQLs against the commitment, acceptance and conversion by channel and persona, reasons,
    speed to lead; for a period (default: the latest month with data)."""
    as_of = as_of_now(session=session, now=get_clock().now())
    error = ""
    try:
        span = parse_period(period, as_of=as_of) if period else None
    except PeriodError as problem:
        error, span = str(problem), None
    data = dashboard(session=session, period=span, as_of=as_of)
    return page(request, "dashboard.html", principal=principal, status_code=422 if error else 200, d=data,
                show=display, error=error, asked=period or "", notice="")


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: DbSession, principal: Reports) -> Response:
    """The four ritual reports, each to view or download as HTML, XLSX or CSV."""
    months = months_with_data(session=session)
    return page(request, "reports.html", principal=principal, kinds=KINDS, titles=TITLES, months=months,
                formats=FORMATS, notice="")


@router.get("/reports/{kind}", response_class=HTMLResponse)
def report_page(kind: str, request: Request, session: DbSession, principal: Reports, period: PeriodParam = None,
                format: Annotated[str, Query()] = "page") -> Response:
    """One report: shown in the app (format=page) or downloaded as html, xlsx, csv or md."""
    if kind not in KINDS:
        return refused(request, principal, 404, f"There is no report {kind!r}; there are {', '.join(KINDS)}.")
    if format != "page" and format not in FORMATS:
        return refused(request, principal, 404, f"There is no format {format!r}; use {', '.join(FORMATS)}.")
    as_of = as_of_now(session=session, now=get_clock().now())
    try:
        span = parse_period(period, as_of=as_of) if period and kind != "review-sheet" else None
    except PeriodError as problem:
        return refused(request, principal, 422, str(problem))
    report = build_report(kind, session=session, as_of=as_of, period=span)
    if format == "page":
        return page(request, "report.html", principal=principal, report=report, kind=kind, show=display,
                    period=period or "", formats=FORMATS, notice="")
    name = f"leadpact-{kind}-{as_of:%Y-%m-%d}.{format}"
    return Response(render(report, format), media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
