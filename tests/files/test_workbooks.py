"""XLSX workbooks: an XML bomb, a zip bomb and a file that is no workbook are refused in words, before parsing."""

from __future__ import annotations

import zipfile

import pytest

from leadpact.files import SourceError, open_source
from tests.imports.helpers import write_xlsx


def rewritten(source, target, change):
    """A copy of the workbook `source` whose parts pass through `change(name, data)`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item, change(item.filename, original.read(item.filename)))
    return target


def billion_laughs(name, data):
    if name != "xl/worksheets/sheet1.xml":
        return data
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'.encode() + data.replace(b"a@acme.io",
                                                                                           b"&lol9;")


def test_an_xml_bomb_is_refused_before_it_is_parsed(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", ["email"], ["a@acme.io"])
    bomb = rewritten(good, tmp_path / "bomb.xlsx", billion_laughs)
    with pytest.raises(SourceError, match=r"bomb.xlsx: part xl/worksheets/sheet1.xml declares a DTD"):
        open_source(bomb)


def test_a_zip_bomb_is_refused_by_its_inflation(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", ["email"], ["a@acme.io"])
    padding = b"<!-- " + b" " * (40 * 2**20) + b" -->"
    bomb = rewritten(good, tmp_path / "zip.xlsx",
                     lambda name, data: data + padding if name == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(SourceError, match=r"part xl/worksheets/sheet1.xml inflates [\d,]+ times"):
        open_source(bomb)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("email\na@acme.io\n")
    with pytest.raises(SourceError, match="fake.xlsx is not a readable XLSX workbook"):
        open_source(path)

