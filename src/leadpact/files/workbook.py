"""Reading XLSX workbooks safely: a workbook is a zip of XML parts, so one that declares entities (an XML bomb) or
inflates far past its size (a zip bomb) is refused before openpyxl parses it, and a failure while reading rows is
reported at its row rather than as a traceback."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from leadpact.files.rows import SourceError, SourceRow, clean, column_names, tabular_row

# No honest workbook part declares a DTD: Excel, LibreOffice and openpyxl never write one.
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
ROOT = re.compile(rb"<[A-Za-z_]")
PROLOG_BYTES = 64 * 1024
# Bounds on what the parts inflate to: generous for real exports (a million-row sheet is ~200 MB of XML).
MOST_INFLATED = 1024 * 1024 * 1024
MOST_RATIO = 200


def check_workbook(path: Path) -> None:
    """Refuse (SourceError) a workbook that is not a zip, inflates suspiciously, or whose XML declares a DTD."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"{path.name} is not a readable XLSX workbook: {error}") from None
    with archive:
        members = archive.infolist()
        inflated = sum(m.file_size for m in members)
        if inflated > MOST_INFLATED:
            raise SourceError(f"{path.name} would inflate to {inflated / 2**20:,.0f} MB; at most "
                              f"{MOST_INFLATED / 2**20:,.0f} MB is read (save it as CSV, or split it)")
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 10 * 2**20 and ratio > MOST_RATIO:
                raise SourceError(f"{path.name}: part {member.filename} inflates {ratio:,.0f} times "
                                  f"({member.file_size / 2**20:,.0f} MB); refusing it as a zip bomb")
            if member.filename.endswith((".xml", ".rels", ".vml")):
                _check_prolog(path, archive, member)


def _check_prolog(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    try:
        with archive.open(member) as part:
            prolog = part.read(PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise SourceError(f"{path.name}: part {member.filename} cannot be read: {error}") from None
    root = ROOT.search(prolog)
    head = prolog[: root.start()] if root else prolog
    if DTD.search(head):
        raise SourceError(f"{path.name}: part {member.filename} declares a DTD (<!DOCTYPE> or <!ENTITY>), which no "
                          "spreadsheet program writes; refusing it as a possible XML bomb")
    if root is None and len(prolog) == PROLOG_BYTES:
        raise SourceError(f"{path.name}: part {member.filename} has no element in its first "
                          f"{PROLOG_BYTES // 1024} KB; refusing it")


def _book(path: Path) -> Any:
    from openpyxl import load_workbook

    check_workbook(path)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a damaged file
        raise SourceError(f"{path.name} is not a readable XLSX workbook: {error}") from None


def _sheet(book: Any, path: Path, sheet: str | None) -> Any:
    if sheet is None:
        return book.active if book.active is not None else book.worksheets[0]
    if sheet not in book.sheetnames:
        raise SourceError(f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}")
    return book[sheet]


def xlsx_header(path: Path, sheet: str | None) -> tuple[str, list[str], int | None]:
    """Return the sheet's name, its header's column names and (from its stored dimensions) its row count."""
    book = _book(path)
    try:
        worksheet = _sheet(book, path, sheet)
        try:
            first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        except Exception as error:  # the XML parser's and openpyxl's own errors alike
            raise SourceError(f"sheet {worksheet.title!r} of {path.name} cannot be read: {error}") from None
        if first is None or all(cell is None for cell in first):
            raise SourceError(f"sheet {worksheet.title!r} of {path.name} is empty: row 1 must name the columns")
        # max_row comes from the sheet's stored dimensions, which some writers leave out.
        total = worksheet.max_row - 1 if worksheet.max_row else None
        return worksheet.title, column_names(list(first)), total
    finally:
        book.close()


def xlsx_rows(path: Path, sheet: str | None) -> Iterator[SourceRow]:
    """Yield every non-blank row after the header; a row the parser fails on ends the reading, reported there."""
    book = _book(path)
    try:
        worksheet = _sheet(book, path, sheet)
        rows = worksheet.iter_rows(values_only=True)
        number = 1
        try:
            columns = column_names(list(next(rows)))
            for number, cells in enumerate(rows, start=2):  # noqa: B007 - the number is reported after the loop
                if all(clean(cell) is None for cell in cells):
                    continue
                yield tabular_row(number, columns, list(cells))
        except Exception as error:  # the XML parser's and openpyxl's own errors alike
            yield SourceRow(number + 1, error=f"cannot be read ({error}); the rest of the sheet from here was not "
                                              "read")
    finally:
        book.close()
