"""Files as people really have them: one reader for every CSV (any delimiter, UTF-8 with or without a BOM, UTF-16,
Windows-1252, quoted line breaks), XLSX (guarded against XML and zip bombs) and JSONL file leadpact reads, and the
dates exports write. Imports and `insights train` both read through it."""

from leadpact.files.dates import DateFormatError, DateReader, date_format, evidence, read_dates
from leadpact.files.frame import read_frame
from leadpact.files.rows import CELL_LIMIT, SourceError, SourceRow, clean
from leadpact.files.source import Source, open_source

__all__ = [
    "CELL_LIMIT",
    "DateFormatError",
    "DateReader",
    "Source",
    "SourceError",
    "SourceRow",
    "clean",
    "date_format",
    "evidence",
    "open_source",
    "read_dates",
    "read_frame",
]
