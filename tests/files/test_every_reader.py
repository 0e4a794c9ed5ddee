"""Every CSV leadpact reads goes through the one reader: the content catalog `leadpact score --content` reads, and
the data dictionary beside a training table, saved as a European spreadsheet export."""

from __future__ import annotations

from leadpact.insights.leakage import read_dictionary
from leadpact.pact.catalog import load_content


def test_a_semicolon_windows_1252_content_catalog(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes("id;title;path;problem\r\nguide-cost;Kosten senken: ein Leitfaden;/guides/cost;"
                     "Lagerkosten für Daten\r\n".encode("cp1252"))
    assets = load_content(path)
    assert assets["guide-cost"]["title"] == "Kosten senken: ein Leitfaden"
    assert assets["guide-cost"]["problem"] == "Lagerkosten für Daten"


def test_a_semicolon_data_dictionary(tmp_path):
    path = tmp_path / "leads_data_dictionary.csv"
    path.write_bytes("Variable;Beschreibung\r\nTags;Status nach dem Gespräch, vom Vertrieb\r\n".encode("cp1252"))
    assert read_dictionary(path) == {"tags": "Status nach dem Gespräch, vom Vertrieb"}
