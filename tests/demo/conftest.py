"""Shared demo fixtures: one small company and its events, generated once per test module."""

from __future__ import annotations

from typing import Any

import pytest

from leadpact.demo import DemoCompany, generate_company

SMALL = {"seed": 11, "accounts": 300, "people": 1200}


@pytest.fixture(scope="module")
def small_company() -> DemoCompany:
    """A small demo company (one chunk's worth of people and a few hundred accounts)."""
    return generate_company(**SMALL)


@pytest.fixture(scope="module")
def small_events(small_company: DemoCompany) -> list[dict[str, Any]]:
    """Every message of the small company, in timestamp order."""
    return list(small_company.iter_events())
