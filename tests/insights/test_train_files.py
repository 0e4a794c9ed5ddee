"""`insights train` reads the table through the imports' reader: a European spreadsheet export trains."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from leadpact.cli import app


def test_a_semicolon_windows_1252_export_with_quoted_line_breaks_trains(tmp_path: Path) -> None:
    lines = ["Lead-Nr;Quelle;Notiz;Besuche;Gewonnen"]
    for i in range(60):
        note = '"erste Zeile\r\nzweite Zeile"' if i % 5 == 0 else "Grüße"
        lines.append(f"{i};{'Anzeige' if i % 3 else 'Suche'};{note};{i % 7},5;{'ja' if i % 2 else 'nein'}")
    path = tmp_path / "leads.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    result = CliRunner().invoke(app, ["insights", "train", "--csv", str(path), "--target", "Gewonnen",
                                      "--exclude", "Notiz", "--cv", "3", "--json"])
    assert result.exit_code == 0, result.output
    trained = json.loads(result.stdout)
    assert trained["identifiers"] == ["Lead-Nr"] and 0 <= trained["auc"] <= 1
