"""Readers: CSV with any delimiter and with or without a BOM, XLSX sheets, JSONL lines; human row numbers."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadpact.imports.readers import SourceError, open_source
from tests.imports.helpers import write_csv, write_jsonl, write_xlsx


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_delimiter_is_sniffed_and_bom_dropped(tmp_path, delimiter, bom):
    path = write_csv(tmp_path / "p.csv", ["Email", "Company"], ["a@acme.io", "Acme, Inc."], ["b@x.io", "X"],
                     delimiter=delimiter, bom=bom)
    source = open_source(path)
    assert source.columns == ["Email", "Company"]
    assert source.total == 2
    rows = list(source.rows())
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values == {"Email": "a@acme.io", "Company": "Acme, Inc."}


def test_csv_blank_rows_are_skipped_but_keep_their_numbers(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["email", "note"], ["a@acme.io", ""], ["", ""], ["b@acme.io", "  x "])
    rows = list(open_source(path).rows())
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].values == {"email": "a@acme.io", "note": None}
    assert rows[1].values["note"] == "x"


def test_csv_row_with_more_cells_than_the_header_is_an_error_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("email,name\na@acme.io,Ann\nb@acme.io,Bob,extra\n", encoding="utf-8")
    rows = list(open_source(path).rows())
    assert rows[0].error is None
    assert rows[1].number == 3 and "header names 2 columns" in rows[1].error


def test_xlsx_reads_the_named_sheet_with_native_types(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", ["Email", "Employees", "Seen"], ["a@acme.io", 120, datetime(2026, 9, 1, 10)],
                      sheet="Leads", first_sheet="Notes")
    source = open_source(path, sheet="Leads")
    assert source.columns == ["Email", "Employees", "Seen"]
    [row] = list(source.rows())
    assert row.number == 2
    assert row.values == {"Email": "a@acme.io", "Employees": 120, "Seen": "2026-09-01T10:00:00"}


def test_xlsx_unknown_sheet_names_the_sheets_there_are(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", ["Email"], ["a@acme.io"], sheet="Leads")
    with pytest.raises(SourceError, match="no sheet 'People'; its sheets are Leads"):
        open_source(path, sheet="People")


def test_jsonl_invalid_line_is_an_error_row_and_others_still_read(tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", {"a": 1}, "{not json", "", "[1, 2]", {"b": 2})
    rows = list(open_source(path).rows())
    assert [(row.number, row.error is None) for row in rows] == [(1, True), (2, False), (4, False), (5, True)]
    assert rows[1].error.startswith("line 2 is not valid JSON")
    assert rows[2].error == "line 4 is not a JSON object"
    assert rows[3].values == {"b": 2}


def test_unknown_extension_and_missing_file_are_source_errors(tmp_path):
    (tmp_path / "p.pdf").write_text("x")
    with pytest.raises(SourceError, match="unknown file type .pdf"):
        open_source(tmp_path / "p.pdf")
    with pytest.raises(SourceError, match="does not exist"):
        open_source(tmp_path / "missing.csv")


def test_csv_that_is_not_utf8_is_read_as_windows_1252(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("email,city\na@acme.io,Zürich\n".encode("cp1252"))
    source = open_source(path)
    assert source.text.encoding_label == "Windows-1252"
    assert [row.values for row in source.rows()] == [{"email": "a@acme.io", "city": "Zürich"}]
