"""Commands of this domain: `leadpact report weekly|monthly|review-sheet|quarterly` and `leadpact metrics`.
Bad input (unknown report, format or slice, a date or period that cannot be read) prints why and exits 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from leadpact.clock import get_clock
from leadpact.insights import metrics
from leadpact.insights.reports.blocks import Block, Report, Section
from leadpact.insights.reports.common import headline, metrics_table
from leadpact.insights.reports.render import FORMATS, render, render_markdown
from leadpact.insights.reports.service import KINDS, UnknownReport, build_report, check_kind

AS_OF = typer.Option(None, "--as-of", help="As things stood at the end of this day (YYYY-MM-DD) or at this "
                                           "ISO-8601 moment; default now.")
PERIOD = typer.Option(None, "--period", help=f"The period: {metrics.PERIOD_FORMS}.")


def register(app: typer.Typer) -> None:
    """Add `report` and `metrics` to the `leadpact` CLI."""
    app.command("report")(report_command)
    app.command("metrics")(metrics_command)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def _session() -> Iterator[Session]:
    """A read-only look at the migrated database; refusals of bad input print why and exit 2."""
    from leadpact.db import get_engine, migrate, session_scope

    migrate(get_engine())
    try:
        with session_scope() as session:
            yield session
    except (metrics.PeriodError, metrics.UnknownSlice, UnknownReport) as error:
        raise _fail(str(error)) from None


def _moment(as_of: str | None) -> datetime:
    try:
        return metrics.parse_as_of(as_of, now=get_clock().now())
    except metrics.PeriodError as error:
        raise _fail(str(error)) from None


def _period(text: str | None, as_of: datetime) -> metrics.Period | None:
    try:
        return metrics.parse_period(text, as_of=as_of) if text else None
    except metrics.PeriodError as error:
        raise _fail(str(error)) from None


def _format(format: str | None, out: Path | None) -> str:
    chosen = (format or (out.suffix.lstrip(".").lower() if out and out.suffix else "md")).lower()
    chosen = {"markdown": "md", "htm": "html"}.get(chosen, chosen)
    if chosen not in FORMATS:
        raise _fail(f"unknown format {chosen!r}: use one of {', '.join(FORMATS)}")
    return chosen


def report_command(
    kind: str = typer.Argument(..., help=f"Which report: {', '.join(KINDS)}."),
    format: str | None = typer.Option(None, "--format", "-f", help="html, xlsx, md or csv (default: from --out, "
                                                                   "else md)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of printing."),
    as_of: str | None = AS_OF,
    period: str | None = PERIOD,
) -> None:
    """Make a ritual report: weekly review, monthly conversion, MQL review sheet or quarterly pact review."""
    try:
        check_kind(kind)
    except UnknownReport as error:
        raise _fail(str(error)) from None
    chosen, moment = _format(format, out), _moment(as_of)
    span = _period(period, moment)
    if span is not None and kind == "review-sheet":
        raise _fail("the review sheet is the last 30 MQLs: it takes --as-of, not --period")
    with _session() as session:
        content = render(build_report(kind, session=session, as_of=moment, period=span), chosen)
    if out is None and chosen == "xlsx":
        out = Path(f"leadpact-{kind}-{moment:%Y-%m-%d}.xlsx")  # a workbook is not for a terminal
    if out is None:
        typer.echo(content, nl=False)
        return
    out.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    typer.echo(f"wrote {out} ({chosen}, {kind} report as of {moment:%Y-%m-%d %H:%M} UTC)")


def _parse_where(pairs: list[str]) -> dict[str, str]:
    where = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _fail(f"bad --where {pair!r}: use SLICE=VALUE, e.g. channel=paid_search")
        try:
            metrics.slice_column(name)
        except metrics.UnknownSlice as error:
            raise _fail(str(error)) from None
        where[name.strip().lower()] = value.strip()
    return where


def metrics_command(
    period: str | None = PERIOD,
    by: str | None = typer.Option(None, "--by", help=f"Slice by: {', '.join(sorted(metrics.SLICES))}."),
    where: list[str] = typer.Option([], "--where", help="Keep only SLICE=VALUE (repeatable)."),
    as_of: str | None = AS_OF,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Print a period's metrics (default: the latest month with data), overall and per slice: MQLs, acceptance,
    conversion, SLA."""
    moment = _moment(as_of)
    if by is not None:
        try:
            metrics.slice_column(by)
        except metrics.UnknownSlice as error:
            raise _fail(str(error)) from None
    filters = _parse_where(where)
    span = _period(period, moment)
    with _session() as session:
        span = span or metrics.latest_month(session=session, as_of=moment)
        result = metrics.compute_metrics(session=session, period=span, as_of=moment, by=by, where=filters)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), default=str, indent=2))
        return
    blocks: list[Block] = [headline(result.total, result.commitment, months=max(len(result.mql_volume), 1)),
              metrics_table("Overall", "all", [result.total])]
    if by:
        blocks.append(metrics_table(f"By {by}", by, result.slices))
    page = Report("metrics", "Metrics", f"Period {span.label} · as of {moment:%Y-%m-%d %H:%M} UTC", moment,
                  [Section("Metrics", blocks)])
    typer.echo(render_markdown(page), nl=False)
