"""What an import did: rows read, stored, updated, already there, and each rejected row with its reason."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadpact.escaping import spreadsheet_text


class RowRejected(ValueError):
    """A row that cannot be imported; the message says what is wrong with it."""


@dataclass(slots=True)
class Rejection:
    """A rejected row: its human row number, the reason, and the row as it was in the file."""

    row: int
    reason: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the rejection as the JSON summary shows it."""
        return {"row": self.row, "reason": self.reason}


@dataclass
class ImportReport:
    """Counts of one import; `read` always equals stored + updated + duplicates + rejected."""

    kind: str
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read differently from how it was written

    @property
    def rejected(self) -> int:
        """How many rows were rejected."""
        return len(self.rejections)

    def reject(self, row: int, reason: str, values: dict[str, Any] | None = None) -> None:
        """Record a rejected row."""
        self.rejections.append(Rejection(row, reason, dict(values or {})))

    def to_dict(self, *, dry_run: bool = False) -> dict[str, Any]:
        """Return the summary object `--json` prints (`would_store` instead of `stored` on a dry run)."""
        summary: dict[str, Any] = {
            "kind": self.kind,
            "dry_run": dry_run,
            "read": self.read,
            "would_store" if dry_run else "stored": self.stored,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejections": [r.to_dict() for r in sorted(self.rejections, key=lambda r: r.row)],
        }
        if self.notes:
            summary["notes"] = list(self.notes)
        return summary

    def summary_line(self, *, dry_run: bool = False) -> str:
        """Return the one-line human summary."""
        verb = "would store" if dry_run else "stored"
        line = f"{self.kind}: read {self.read:,}, {verb} {self.stored:,}, updated {self.updated:,}"
        if self.duplicates:
            line += f", already stored {self.duplicates:,}"
        line += f", rejected {self.rejected:,}"
        return line + (" (dry run: nothing was stored)" if dry_run else "")


def write_rejects(report: ImportReport, path: Path) -> int:
    """Write the rejected rows to a CSV file (row, the original columns, reason); return how many."""
    columns: list[str] = []
    for rejection in report.rejections:
        for column in rejection.values:
            if column not in columns and column not in ("row", "reason"):
                columns.append(column)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", *(spreadsheet_text(column) for column in columns), "reason"])
        for rejection in sorted(report.rejections, key=lambda r: r.row):
            # the rejected values are the file's own text: a spreadsheet must not run one as a formula
            cells = [spreadsheet_text(_cell(rejection.values.get(column))) for column in columns]
            writer.writerow([rejection.row, *cells, spreadsheet_text(rejection.reason)])
    return report.rejected


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
