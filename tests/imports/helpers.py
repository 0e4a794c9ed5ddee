"""Builders for import files and small queries the import tests share."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"


def write_csv(path: Path, header: list[str], *rows: list[Any], delimiter: str = ",", bom: bool = False) -> Path:
    """Write a CSV file with a header row and return its path."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], *rows: list[Any], sheet: str = "Sheet1", first_sheet: str | None = None
               ) -> Path:
    """Write an XLSX workbook (optionally with another sheet first) and return its path."""
    from openpyxl import Workbook

    book = Workbook()
    if first_sheet:
        book.active.title = first_sheet
        book.active.append(["nothing", "here"])
        worksheet = book.create_sheet(sheet)
    else:
        worksheet = book.active
        worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    book.save(path)
    return path


def write_jsonl(path: Path, *lines: Any) -> Path:
    """Write a JSONL file; a str line is written as-is (to make invalid JSON), anything else as JSON."""
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def count(session: Session, model: type) -> int:
    """How many rows a table holds."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def reasons(report: Any) -> dict[int, str]:
    """The rejections of a report as {row: reason}."""
    return {rejection.row: rejection.reason for rejection in report.rejections}
