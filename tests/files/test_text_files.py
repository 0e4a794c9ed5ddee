"""CSV files as people really have them: delimiters, BOMs, Windows-1252, UTF-16, quoted line breaks, long cells,
NUL bytes — each read, or refused at its row with the rows around it kept."""

from __future__ import annotations

import codecs

import pytest

from leadpact.files import CELL_LIMIT, SourceError, open_source, read_frame

HEADER = ["Name", "Firma", "Umsatz", "Stadt"]
ROWS = [["Jürgen Müller", "Acme GmbH", "1,5", "Köln"], ["Anna Bär", "Béta SA", "2,75", "Zürich"]]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def european(tmp_path, encoding="cp1252", bom=b""):
    """A spreadsheet saved as CSV by Excel in Germany: `;` between cells, decimal commas, Windows-1252."""
    text = "\r\n".join(";".join(row) for row in [HEADER, *ROWS]) + "\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(bom + text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "bom", "label"), [
    ("cp1252", b"", "Windows-1252"),
    ("utf-8", b"", "UTF-8"),
    ("utf-8", codecs.BOM_UTF8, "UTF-8"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
])
def test_a_european_export_reads_its_columns_whatever_its_encoding(tmp_path, encoding, bom, label):
    source = open_source(european(tmp_path, encoding, bom))
    assert (source.columns, source.total, source.text.delimiter, source.text.encoding_label) == (HEADER, 2, ";", label)
    assert [list(row.values.values()) for row in source.rows()] == ROWS


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_the_one_that_keeps_the_header_width(tmp_path, delimiter):
    other = "," if delimiter != "," else ";"
    text = (f"email{delimiter}company{delimiter}note\n"
            f'a@acme.io{delimiter}"Acme{delimiter} Inc."{delimiter}1{other}5\n'
            f"b@beta.io{delimiter}Beta{delimiter}x{other}y{other}z\n")
    source = open_source(write(tmp_path / "p.csv", text))
    assert source.columns == ["email", "company", "note"]
    assert [row.values["company"] for row in source.rows()] == [f"Acme{delimiter} Inc.", "Beta"]


def test_quoted_line_breaks_stay_in_their_cell_and_rows_are_numbered_by_record(tmp_path):
    path = write(tmp_path / "p.csv", 'email,note\r\na@acme.io,"line one\r\nline two"\r\nb@acme.io,plain\r\n')
    rows = list(open_source(path).rows())
    assert [(row.number, row.values["note"]) for row in rows] == [(2, "line one\r\nline two"), (3, "plain")]


def test_a_cell_over_the_limit_rejects_its_row_and_keeps_its_neighbours(tmp_path):
    path = write(tmp_path / "p.csv", f"email,note\na@acme.io,ok\nb@acme.io,\"{'x' * (CELL_LIMIT + 1)}\nmore\"\n"
                                     "c@acme.io,fine\n")
    source = open_source(path)
    rows = list(source.rows())
    assert source.total == 3
    assert [(row.number, row.error) for row in rows] == [
        (2, None), (3, f"column 'note' holds {CELL_LIMIT + 6:,} characters; a cell may hold at most 131,072"),
        (4, None)]
    assert rows[2].values == {"email": "c@acme.io", "note": "fine"}
    assert len(rows[1].values["note"]) < 300  # the rejects file does not carry the whole cell


def test_nul_bytes_are_dropped_not_fatal(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"email,name\na@acme.io,An\x00n\n")
    assert [row.values for row in open_source(path).rows()] == [{"email": "a@acme.io", "name": "Ann"}]


def test_repeated_header_names_are_told_apart(tmp_path):
    path = write(tmp_path / "p.csv", "Email,Email,\na@acme.io,b@acme.io,x\n")
    assert open_source(path).columns == ["Email", "Email (2)", "column_3"]


def test_an_empty_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="is empty"):
        open_source(write(tmp_path / "p.csv", "\n\n"))


def test_the_frame_reader_reads_a_european_export_as_text_columns(tmp_path):
    frame = read_frame(european(tmp_path))
    assert frame.columns == HEADER
    assert frame.rows() == [tuple(row) for row in ROWS]


def test_the_frame_reader_names_the_rows_it_cannot_read(tmp_path):
    path = write(tmp_path / "p.csv", f"a,b\n1,2\n3,{'y' * (CELL_LIMIT + 1)}\n")
    with pytest.raises(SourceError, match=r"p.csv: row 3: column 'b' holds 131,073 characters"):
        read_frame(path)
