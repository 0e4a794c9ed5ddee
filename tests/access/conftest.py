"""Fixtures of the access tests: the application in-process, the world, its callers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadpact.clock import SimulatedClock
from tests.access.world import AccessWorld, Caller, build, callers


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The application on this test's database, called in-process (no worker: its lifespan is not run)."""
    from leadpact.app import create_app

    yield TestClient(create_app(), base_url="https://testserver")


@pytest.fixture
def world(database_url: str, clock: SimulatedClock) -> AccessWorld:
    """Two teams, every role, keys, one handoff per rep."""
    return build(clock.now())


@pytest.fixture
def who(client: TestClient, world: AccessWorld, clock: SimulatedClock) -> dict[str, Caller]:
    """Every principal of the access matrix, signed in where they are users."""
    return callers(client, world, clock.now())
