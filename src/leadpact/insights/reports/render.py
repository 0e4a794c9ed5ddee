"""A report in the text formats: one self-contained HTML page, Markdown, and CSV with the same rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from leadpact.escaping import markdown_text, spreadsheet_text
from leadpact.insights.reports.blocks import Figures, Report, Table, Text
from leadpact.insights.reports.formatting import display

FORMATS = ("html", "md", "csv", "xlsx")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
               "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@lru_cache(maxsize=1)
def _page() -> Template:
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html.j2")


def render_html(report: Report) -> str:
    """Return the report as one HTML page: styles and charts inline, no script and no link out, printable."""
    return _page().render(report=report, show=display, as_of=display(report.as_of, "datetime"))


def _cells(table: Table, row: list[Any]) -> list[str]:
    return [display(value, column.format) for value, column in zip(row, table.columns, strict=True)]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _csv_cells(table: Table, row: list[Any]) -> list[str]:
    # Text a visitor wrote (a lead named =HYPERLINK(...)) must not become a formula; numbers stay numbers.
    return [text if _is_number(value) else spreadsheet_text(text)
            for text, value in zip(_cells(table, row), row, strict=True)]


def _csv_texts(*texts: str) -> list[str]:
    return [spreadsheet_text(text) for text in texts]


def render_markdown(report: Report) -> str:
    """Return the report as Markdown: figures as lists, tables as pipe tables (charts are HTML-only); every text
    shown as itself (a lead named <script> or *bold* is escaped)."""
    md = markdown_text
    lines = [f"# {md(report.title)}", "", f"_{md(report.subtitle)}_", ""]
    for section in report.sections:
        lines += [f"## {md(section.title)}", ""] + ([md(section.intro), ""] if section.intro else [])
        for block in section.blocks:
            if isinstance(block, Figures):
                lines += [f"### {md(block.title)}", ""] if block.title else []
                lines += [f"- **{md(item.label)}**: {md(display(item.value, item.format)) or '–'}"
                          + (f" ({md(item.note)})" if item.note else "") for item in block.items] + [""]
            elif isinstance(block, Text):
                lines += ([f"### {md(block.title)}", ""] if block.title else [])
                for paragraph in block.paragraphs:
                    lines += [md(paragraph), ""]
            elif isinstance(block, Table):
                lines += [f"### {md(block.title)}", ""] if block.title != section.title else []
                if block.rows:
                    lines.append("| " + " | ".join(md(c.title) for c in block.columns) + " |")
                    lines.append("|" + "".join(" ---: |" if c.format not in ("text", "datetime", "date")
                                               else " --- |" for c in block.columns))
                    lines += ["| " + " | ".join(md(cell) for cell in _cells(block, row)) + " |"
                              for row in block.rows]
                else:
                    lines.append(md(block.empty))
                lines += [""] + ([f"_{md(block.note)}_", ""] if block.note else [])
    return "\n".join(lines).rstrip() + "\n"


def render_csv(report: Report) -> str:
    """Return the report as CSV: its one table, or each titled table (and the figures) with blank rows between.
    A text cell a spreadsheet would run as a formula starts with a single quote (OWASP); numbers are untouched."""
    out = io.StringIO()
    writer = csv.writer(out)  # rows end in CRLF (RFC 4180), so a CR inside a cell is quoted too
    tables = report.tables()
    figures = [item for s in report.sections for b in s.blocks if isinstance(b, Figures) for item in b.items]
    if len(tables) == 1 and not figures:
        writer.writerow(_csv_texts(*(c.title for c in tables[0].columns)))
        writer.writerows(_csv_cells(tables[0], row) for row in tables[0].rows)
        return out.getvalue()
    if figures:
        writer.writerows([["Headline figures"], ["Figure", "Value", "Note"]])
        writer.writerows([spreadsheet_text(item.label), display(item.value, item.format) if _is_number(item.value)
                          else spreadsheet_text(display(item.value, item.format)), spreadsheet_text(item.note)]
                         for item in figures)
        writer.writerow([])
    for table in tables:
        writer.writerows([_csv_texts(table.title), _csv_texts(*(c.title for c in table.columns))])
        writer.writerows(_csv_cells(table, row) for row in table.rows)
        writer.writerow([])
    return out.getvalue()


def render(report: Report, format: str) -> str | bytes:
    """Return the report in `format` (html, md, csv: text; xlsx: bytes)."""
    if format == "xlsx":
        from leadpact.insights.reports.xlsx import render_xlsx

        return render_xlsx(report)
    renderers = {"html": render_html, "md": render_markdown, "csv": render_csv}
    if format not in renderers:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    return renderers[format](report)
