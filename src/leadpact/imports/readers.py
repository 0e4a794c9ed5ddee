"""The import files' reader: leadpact.files, the one reader every CSV, XLSX and JSONL file goes through."""

from leadpact.files import Source, SourceError, SourceRow, clean, open_source

__all__ = ["Source", "SourceError", "SourceRow", "clean", "open_source"]
