"""The ritual reports over the hand-built workspace: contents, the four formats agreeing, the XLSX review sheet,
offline HTML with inline charts, the CLI and the API, and refusals of bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.handoff import Handoff
from leadpact.insights.reports import (
    KINDS,
    NO_PROPOSAL,
    Column,
    Section,
    Table,
    Text,
    add_review_sections,
    build_report,
    quarterly_pact_review,
    remove_review_sections,
    render_csv,
    render_html,
    render_markdown,
)
from leadpact.keys.service import create_key
from tests.insights.fixtures_metrics import AS_OF, Workspace, build_workspace

runner = CliRunner()
LAST_30 = ["Ivy", "Hal", "Gus", "Lee", "Fay", "Jon", "Eva", "Dan", "Cat", "Ben", "Ann", "Lee", "Kay",
           *(f"Filler{n:02d}" for n in range(22, 5, -1))]
HEADERS = ["MQL date", "Name", "Company", "Persona", "Grade", "Fit", "Engagement", "Channel", "Handed off to",
           "Engaged?", "Opportunity?", "Why", "Agreed outcome", "Action", "Owner"]
URL = re.compile(r"https?://", re.IGNORECASE)


@pytest.fixture
def workspace(database_url: str) -> Workspace:
    """The metrics workspace on this test's database."""
    return build_workspace()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every pipe table of a Markdown document: header and rows, separator left out."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [re.sub(r"\\(.)", r"\1", c.strip()) for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            if current is None:
                current = []
                tables.append(current)
            if not all(set(c) <= set("-: ") and c for c in cells):
                current.append(cells)
        else:
            current = None
    return tables


def csv_tables(text: str) -> list[list[list[str]]]:
    """Every titled table of a many-table CSV (headline figures left out): header and rows."""
    chunks, current = [], []
    for row in csv.reader(io.StringIO(text)):
        if row:
            current.append(row)
        elif current:
            chunks.append(current)
            current = []
    chunks += [current] if current else []
    return [chunk[1:] for chunk in chunks if chunk[0] != ["Headline figures"]]


def report(kind: str, **options: object):
    with session_scope() as session:
        return build_report(kind, session=session, as_of=AS_OF, **options)  # type: ignore[arg-type]


def test_the_review_sheet_as_xlsx_has_the_last_30_mqls_and_the_meeting_columns(workspace, tmp_path):
    out = tmp_path / "sheet.xlsx"
    code, printed, _ = invoke("report", "review-sheet", "--format", "xlsx", "--out", str(out), "--as-of", "2026-09-30")
    assert code == 0 and printed == f"wrote {out} (xlsx, review-sheet report as of 2026-10-01 00:00 UTC)\n"
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 31
    assert [row[1].split()[0] for row in rows[1:]] == LAST_30
    assert all(row[12:] == (None, None, None) for row in rows[1:])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O31"
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith(("2F4A7D", "B7791F")) for cell in sheet[1])
    assert sheet.column_dimensions["L"].width == 50 and sheet.column_dimensions["B"].width == 22
    by_name = {row[1]: row for row in rows[1:12]}
    assert by_name["Ann Test"][3:12] == ("Data leader", "A", 60, 40, "paid_search", "Sam Park (north_america)",
                                         "yes", "won", "fired: Requested a demo")
    assert by_name["Ben Test"][10:12] == ("lost", "lost: price")
    assert by_name["Cat Test"][9:12] == ("yes", "no", "rejected: wrong company size (too small for us)")
    # Hal's MQL recorded neither persona, fit nor criteria: his evaluation fills in; nobody was handed him.
    assert by_name["Hal Test"][3:12] == ("Data leader", "A", 70, 35, "organic", None, "not handed off", "no", None)
    assert by_name["Gus Test"][9] == "no" and by_name["Jon Test"][10] == "open"
    assert rows[12][1:2] == ("Lee Test",) and rows[12][11] == "rejected: wrong timing"
    assert rows[1][0] == datetime(2026, 9, 29, 15, 0)


def test_the_review_sheet_reads_the_same_in_every_format(workspace):
    sheet = report("review-sheet")
    rows = list(csv.reader(io.StringIO(render_csv(sheet))))
    assert rows[0] == HEADERS and len(rows) == 31
    assert markdown_tables(render_markdown(sheet)) == [rows]
    html = render_html(sheet)
    assert html.count("<tr>") == 31 and "Filler05" not in html and "Filler06 Test" in html


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_self_contained_and_markdown_and_csv_have_the_same_rows(workspace, kind):
    built = report(kind)
    html = render_html(built)
    assert not URL.search(html), URL.search(html)
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|@import|url\(", html, re.IGNORECASE)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    if kind != "review-sheet":
        assert html.count("<svg") == sum(1 for s in built.sections for b in s.blocks if b.kind == "chart") >= 1
    tables = [[[c.title for c in t.columns], *(list(map(str, r)) for r in t.rows)] for t in built.tables() if t.rows]
    from_markdown, from_csv = markdown_tables(render_markdown(built)), csv_tables(render_csv(built))
    if kind == "review-sheet":
        from_csv = [list(csv.reader(io.StringIO(render_csv(built))))]
    assert from_markdown == [t for t in from_csv if len(t) > 1]
    assert len(from_markdown) == len(tables)


def test_weekly_pipeline_review(workspace):
    tables = {t.title: t for t in report("weekly").tables()}
    csv_text = render_csv(report("weekly"))
    assert [r[1] for r in tables["New handoffs"].rows] == ["Gus Test", "Ivy Test"]
    assert [(r[0], r[6], r[7]) for r in tables["SLA risks"].rows] == [("Gus Test", -8040, "overdue")]
    assert [r[0] for r in tables["Feedback overdue"].rows] == ["Gus Test"]
    assert [r[0] for r in tables["Breaches and escalations"].rows] == ["Gus Test"]
    assert [(r[0], r[6]) for r in tables["Stuck leads"].rows] == [("Filler01 Test", 89.6)]
    assert [(r[0], r[4]) for r in tables["Held for context"].rows] == [("Max Test", "industry, problem")]
    assert "New handoffs,2,0 hot" in csv_text and "SLA risks now,1,1 overdue" in csv_text
    assert "Kim Ode,1,1,18 h,18 h,100.0 %,0,0" in csv_text


def test_monthly_conversion_report(workspace):
    built = report("monthly")
    assert built.subtitle == "Period 2026-09 · as of 2026-10-01 00:00 UTC · active pact v1"
    tables = {t.title: t for t in built.tables()}
    assert [r[:2] for r in tables["Funnel"].rows] == [["MQL", 11], ["Handed off", 10], ["Accepted", 5], ["SQL", 4],
                                                     ["Opportunity", 3], ["Won", 1]]
    assert [(r[0], r[1], r[2]) for r in tables["Trend by month"].rows] == [
        ("2026-04", 0, 120), ("2026-05", 0, 120), ("2026-06", 0, 120), ("2026-07", 22, 120), ("2026-08", 2, 120),
        ("2026-09", 11, 120)]
    assert [r[:2] for r in tables["By channel (first-touch)"].rows] == [["paid_search", 4], ["organic", 4],
                                                                        ["email", 3]]
    assert [r[:2] for r in tables["By persona"].rows] == [["Data leader", 6], ["practitioner", 4], ["(none)", 1]]
    assert tables["Rejection reasons this period"].rows == [["wrong company size", 2, 2 / 3], ["no budget", 1, 1 / 3]]
    assert tables["Rejection reasons by month"].rows == [["2026-08", 0, 0, 1, 1], ["2026-09", 1, 2, 0, 3]]
    markdown = render_markdown(built)
    assert "- **MQLs**: 11 (commitment 120)" in markdown
    assert "- **Acceptance rate**: 62.5 % (5 of 8 dispositions; commitment ≥ 60 %)" in markdown
    assert 'class="figure alert"><div class="value">11</div>' in render_html(built)


def test_quarterly_review_says_no_proposal_yet_until_sections_are_given(workspace):
    built = report("quarterly")
    assert built.subtitle.startswith("Period 2026-Q3 ·")
    tables = {t.title: t for t in built.tables()}
    # July and August ran under v1 too: 22 + 2 + 6 MQLs; accepted Ann, Ben, Fay, Filler01, Kay of 9 dispositions.
    assert [(r[0], r[1], r[6]) for r in tables["Metrics by pact version"].rows] == [
        ("v1", 30, 0.5556), ("v2", 5, 1.0)]
    assert tables["Rejection reasons by pact version"].rows == [["v1", 1, 2, 1, 4]]
    assert NO_PROPOSAL in render_markdown(built) and NO_PROPOSAL in render_html(built)
    backtest = Section("Backtest: v2 against v1", [
        Text(["v2 would have made 12 % fewer MQLs and caught every won deal."]),
        Table("Side by side", [Column("Pact"), Column("MQLs", "int")], [["v1", 120], ["v2", 106]])])
    with session_scope() as session:
        given = quarterly_pact_review(session=session, as_of=AS_OF, sections=[backtest])
    markdown = render_markdown(given)
    assert NO_PROPOSAL not in markdown and "## Backtest: v2 against v1" in markdown and "| v2 | 106 |" in markdown


def test_registered_providers_feed_the_quarterly_review(workspace):
    seen = []

    def provider(*, session, period, as_of):
        seen.append((period.label, as_of))
        return [Section("Proposal: raise the size floor", [Text(["38 % of rejections were wrong_company_size."])])]

    add_review_sections(provider)
    try:
        code, out, _ = invoke("report", "quarterly", "--as-of", "2026-09-30", "--format", "md")
    finally:
        remove_review_sections(provider)
    assert code == 0 and "## Proposal: raise the size floor" in out and NO_PROPOSAL not in out
    assert seen == [("2026-Q3", AS_OF)]


def test_the_command_line_prints_or_writes_every_format(workspace, tmp_path, monkeypatch):
    code, out, _ = invoke("report", "monthly", "--as-of", "2026-09-30")
    assert code == 0 and out.startswith("# Monthly conversion report\n\n_Period 2026-09 ·")
    code, out, _ = invoke("report", "weekly", "--period", "2026-W38", "--as-of", "2026-09-30", "--format", "csv")
    assert code == 0 and "New handoffs,1,1 hot" in out and "Fay Test" in out
    html = tmp_path / "monthly.html"
    assert invoke("report", "monthly", "--as-of", "2026-09-30", "--out", str(html))[0] == 0
    assert "<svg" in html.read_text() and not URL.search(html.read_text())
    monkeypatch.chdir(tmp_path)  # a workbook asked for without --out lands in the working directory
    code, out, _ = invoke("report", "weekly", "--format", "xlsx", "--as-of", "2026-09-30")
    assert (code, out) == (0, "wrote leadpact-weekly-2026-10-01.xlsx (xlsx, weekly report as of 2026-10-01 00:00 "
                              "UTC)\n")
    names = openpyxl.load_workbook(tmp_path / "leadpact-weekly-2026-10-01.xlsx").sheetnames
    assert names[:3] == ["Summary", "New handoffs", "SLA risks"]


def test_the_command_line_refuses_bad_input(workspace):
    code, out, err = invoke("report", "yearly")
    assert (code, out) == (2, "")
    assert err == "error: unknown report 'yearly': use one of weekly, monthly, review-sheet, quarterly\n"
    code, _, err = invoke("report", "weekly", "--format", "pdf")
    assert code == 2 and err == "error: unknown format 'pdf': use one of html, md, csv, xlsx\n"
    code, _, err = invoke("report", "monthly", "--as-of", "30/09/2026")
    assert code == 2 and err == "error: bad date '30/09/2026': use YYYY-MM-DD or an ISO-8601 timestamp\n"
    code, _, err = invoke("report", "monthly", "--period", "2026-99")
    assert code == 2 and err.startswith("error: bad period '2026-99'")
    code, _, err = invoke("report", "review-sheet", "--period", "2026-09")
    assert code == 2 and "takes --as-of, not --period" in err


def test_reports_over_http(workspace, live_server):
    with session_scope() as session:
        read = create_key(session=session, scope="read", name="read", now=AS_OF)[1]

    def get(kind: str, key: str | None = read, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.get(f"{live_server.url}/api/v1/reports/{kind}", params={"as_of": "2026-09-30", **params},
                         headers=headers, timeout=20)

    sheet = get("review-sheet", format="xlsx")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="leadpact-review-sheet-2026-10-01.xlsx"' in sheet.headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(sheet.content)).active.max_row == 31
    page = get("monthly")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<svg" in page.text and not URL.search(page.text)
    assert get("weekly", format="md").text.startswith("# Weekly pipeline review")
    unknown = get("yearly")
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("unknown report 'yearly'")
    assert get("weekly", format="pdf").status_code == 422
    assert get("weekly", as_of="soon").status_code == 422
    assert get("review-sheet", period="2026-09").status_code == 422
    assert get("weekly", key=None).status_code == 401


def test_reports_of_an_empty_workspace(database_url):
    with session_scope() as session:
        for kind in KINDS:
            built = build_report(kind, session=session, as_of=datetime(2026, 10, 1, tzinfo=UTC))
            assert built.title and "<svg" in render_html(built) or kind == "review-sheet"
            assert render_markdown(built) and render_csv(built)


def test_reports_and_metrics_default_to_the_latest_period_that_has_data(workspace):
    # Months after the last handoff: the defaults fall back to the workspace's latest month, week and quarter.
    code, out, _ = invoke("report", "monthly", "--as-of", "2026-12-15")
    assert code == 0 and out.startswith("# Monthly conversion report\n\n_Period 2026-09 · as of 2026-12-16 00:00")
    assert "- **MQLs**: 11 (commitment 120)" in out
    with session_scope() as session:
        latest = session.scalar(select(func.max(Handoff.created_at)))
    week_end = latest.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    code, out, _ = invoke("report", "weekly", "--as-of", "2026-12-15")
    week = f"{week_end - timedelta(days=7):%Y-%m-%d %H:%M} to {week_end:%Y-%m-%d %H:%M} UTC"
    assert code == 0 and f"_Period {week}" in out
    assert "- **New handoffs**: 0" not in out
    code, out, _ = invoke("report", "quarterly", "--as-of", "2027-02-01")
    assert code == 0 and "_Period 2026-Q3 ·" in out
    code, out, _ = invoke("metrics", "--as-of", "2026-12-15", "--json")
    figures = json.loads(out)
    assert figures["period"]["label"] == "2026-09" and figures["total"]["mqls"] == 11
    # An explicit period is kept, even an empty one.
    code, out, _ = invoke("metrics", "--as-of", "2026-12-15", "--period", "2026-11", "--json")
    assert json.loads(out)["total"]["mqls"] == 0
