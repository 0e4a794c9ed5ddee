"""A report as an XLSX workbook: a summary sheet of headline figures and one sheet per table, each with a styled,
frozen header row, filters and column widths; the review meeting's columns are left blank and shaded to fill in."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from leadpact.escaping import formula_like
from leadpact.insights.reports.blocks import Figures, Format, Report, Table, Text
from leadpact.insights.reports.formatting import display

HEADER = PatternFill("solid", fgColor="2F4A7D")
MEETING = PatternFill("solid", fgColor="B7791F")
TO_FILL = PatternFill("solid", fgColor="FFF8DC")
NUMBER_FORMATS: dict[str, str] = {"int": "#,##0", "number": "0.##", "percent": "0.0%", "money": "#,##0",
                                  "minutes": '0" min"', "days": "0.0", "datetime": "yyyy-mm-dd hh:mm",
                                  "date": "yyyy-mm-dd"}


def _cell_value(value: Any) -> Any:
    # Excel has no time zones: times are written as UTC wall-clock, as the report says.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _sheet_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _write_table(sheet: Worksheet, table: Table) -> None:
    sheet.append([c.title for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), MEETING if column.blank else HEADER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in table.rows:
        sheet.append([None if column.blank else _cell_value(value) for value, column in zip(row, table.columns,
                                                                                              strict=True)])
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        for (cell,) in sheet.iter_rows(min_row=2, max_row=len(table.rows) + 1, min_col=index, max_col=index):
            if column.blank:
                cell.fill = TO_FILL
            elif column.format in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.format]
        sheet.column_dimensions[letter].width = column.width or _width(table, index - 1)
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"


def _width(table: Table, index: int) -> int:
    column = table.columns[index]
    longest = max([len(column.title), *(len(display(row[index], column.format)) for row in table.rows)])
    return max(10, min(60, longest + 2))


def _summary(sheet: Worksheet, report: Report) -> None:
    sheet.append([report.title])
    sheet.append([report.subtitle])
    sheet["A1"].font = Font(bold=True, size=14)
    for section in report.sections:
        sheet.append([])
        sheet.append([section.title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        for block in section.blocks:
            if isinstance(block, Figures):
                for item in block.items:
                    sheet.append([item.label, _cell_value(item.value), item.note])
                    _number_format(sheet.cell(row=sheet.max_row, column=2), item.format)
            elif isinstance(block, Text):
                for paragraph in block.paragraphs:
                    sheet.append([paragraph])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 42, 16
    sheet.column_dimensions["C"].width = 48


def _number_format(cell: Any, format: Format) -> None:
    if format in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[format]


def _as_text(sheet: Worksheet) -> None:
    """Keep text a visitor wrote (a lead named =HYPERLINK(...)) from running as a formula: the cell is stored as
    text and marked with Excel's quote prefix (the leading ' OWASP advises, which Excel keeps when the cell is
    edited) instead of gaining a visible quote. Numbers are numeric cells and never touched."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def render_xlsx(report: Report) -> bytes:
    """Return the report as XLSX bytes (a summary sheet only when the report has figures or text)."""
    workbook = Workbook()
    workbook.properties.title = report.title
    first: Worksheet = workbook.active  # type: ignore[assignment]
    taken: set[str] = set()
    has_summary = any(isinstance(b, Figures | Text) for s in report.sections for b in s.blocks)
    sheets: list[Worksheet] = []
    if has_summary:
        first.title = _sheet_name("Summary", taken)
        _summary(first, report)
    for table in report.tables():
        sheet = first if not has_summary and not sheets else workbook.create_sheet()
        sheet.title = _sheet_name(table.title, taken)
        _write_table(sheet, table)
        sheets.append(sheet)
    for sheet in workbook.worksheets:
        _as_text(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
