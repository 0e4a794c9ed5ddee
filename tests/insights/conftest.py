"""Shared fixtures: a small demo company, written once per session as a Parquet export."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadpact.demo import DemoCompany, generate_company, write_company

SMALL = {"seed": 11, "accounts": 300, "people": 1200}


@pytest.fixture(scope="session")
def small_company() -> DemoCompany:
    """A small demo company (a few thousand people and visitors)."""
    return generate_company(**SMALL)


@pytest.fixture(scope="session")
def small_export(small_company: DemoCompany, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small company written as Parquet, as `leadpact demo-data --format parquet` writes it."""
    directory = tmp_path_factory.mktemp("export")
    write_company(small_company, directory, fmt="parquet", workers=1)
    return directory
