"""Text files as people really have them: which encoding (UTF-8 with or without a BOM, UTF-16 from Excel's
"Unicode text", else Windows-1252) and which delimiter (`,` `;` tab `|`), told from the bytes themselves."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DELIMITERS = (",", ";", "\t", "|")
# Enough records to tell a delimiter by; more only costs time.
SAMPLE_RECORDS = 50
SAMPLE_BYTES = 256 * 1024
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class TextFormat:
    """How a delimited text file is written: its encoding (as Python names it) and its delimiter."""

    encoding: str
    delimiter: str

    @property
    def encoding_label(self) -> str:
        """The encoding as a person would name it."""
        return {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}.get(self.encoding, self.encoding)


def detect_encoding(path: Path) -> str:
    """Return the encoding to read a text file with: a BOM decides; else UTF-8 if every byte decodes, else
    Windows-1252 (what Excel on Windows writes for "CSV")."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    # utf-8-sig reads a file with or without the BOM and drops it when present.
    return "utf-8-sig"


def open_text(path: Path, encoding: str) -> IO[str]:
    """Open a text file for the csv module (newlines kept as written; the five bytes Windows-1252 leaves undefined
    become U+FFFD rather than failing the file)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, errors=errors, newline="")


def lines_without_nul(handle: IO[str]) -> Iterator[str]:
    """Yield the file's lines with NUL characters removed (the csv module refuses them; PostgreSQL cannot store
    them; a spreadsheet never meant them)."""
    for line in handle:
        yield line.replace("\x00", "") if "\x00" in line else line


def detect_delimiter(path: Path, encoding: str) -> str:
    """Return the delimiter whose reading of the first records gives the header's width most consistently."""
    with open_text(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES)
        complete = not handle.read(1)
    if not complete:
        # The last line of the sample may be cut in half: judge only whole ones.
        sample = sample[: max(sample.rfind("\n"), 0)]
    sample = sample.replace("\x00", "")
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        score = _score(sample, delimiter)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _score(sample: str, delimiter: str) -> tuple[bool, float, int]:
    """(the header splits into columns, share of records as wide as the header, the header's width)."""
    records = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                records.append(len(record))
            if len(records) > SAMPLE_RECORDS:
                break
    except csv.Error:
        return (False, 0.0, 0)
    if not records:
        return (False, 0.0, 0)
    width, rest = records[0], records[1:]
    consistent = sum(1 for n in rest if n == width) / len(rest) if rest else 1.0
    return (width > 1, consistent, width)


def text_format(path: Path) -> TextFormat:
    """Return the encoding and delimiter of a delimited text file."""
    encoding = detect_encoding(path)
    return TextFormat(encoding, detect_delimiter(path, encoding))
