"""`leadpact demo-data` writes the company and its truth and reports what it did."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from leadpact.cli import app


def test_demo_data_writes_every_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo-data", "--people", "300", "--accounts", "80", "--seed", "5",
                                      "--out", str(tmp_path), "--format", "parquet", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["people"] == 300 and summary["accounts"] == 80 and summary["events"] > 1000
    assert summary["events_per_second"] > 0
    for name in ("events", "people", "accounts", "identities", "content", "teams", "reps"):
        assert (tmp_path / f"{name}.parquet").exists(), name
    for name in ("accounts", "people", "reps"):
        assert (tmp_path / "truth" / f"{name}.parquet").exists(), name


def test_demo_data_rejects_an_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo-data", "--people", "10", "--out", str(tmp_path), "--format", "csv"])
    assert result.exit_code != 0
