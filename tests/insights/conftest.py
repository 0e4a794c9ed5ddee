"""Shared fixtures: a small demo company, written once per session as a Parquet export."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadpact import clock as clock_module
from leadpact.config import get_settings
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


@pytest.fixture
def demo_environment(monkeypatch: pytest.MonkeyPatch):
    """The demo points leadpact at its own workspace and mail server: put everything back afterwards."""
    for name in ("LEADPACT_DATABASE_URL", "LEADPACT_SMTP_HOST", "LEADPACT_SMTP_PORT"):
        monkeypatch.setenv(name, "")
    previous = clock_module.get_clock()
    yield
    clock_module.set_clock(previous)
    get_settings.cache_clear()
