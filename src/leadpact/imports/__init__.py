"""Imports of people, accounts, events and the content catalog from CSV, XLSX and JSONL files."""

from leadpact.imports.mapping import MappingError
from leadpact.imports.readers import SourceError
from leadpact.imports.report import ImportReport, Rejection, write_rejects
from leadpact.imports.service import IMPORTERS, import_accounts, import_content, import_events, import_people

__all__ = [
    "IMPORTERS",
    "ImportReport",
    "MappingError",
    "Rejection",
    "SourceError",
    "import_accounts",
    "import_content",
    "import_events",
    "import_people",
    "write_rejects",
]
