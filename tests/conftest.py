"""Shared fixtures: a fresh migrated database per test (SQLite file, or PostgreSQL when
LEADPACT_TEST_DATABASE_URL names a server), a simulated clock, and a live API server on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from leadpact import clock as clock_module
from leadpact import db as db_module
from leadpact.config import get_settings
from leadpact.wiring import Wiring, wired

SERVER_URL = os.environ.get("LEADPACT_TEST_DATABASE_URL", "")
_template: dict[str, str] = {}


def _admin_engine() -> Engine:
    url = make_url(db_module.normalise_url(SERVER_URL))
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _postgres_template() -> str:
    """Create (once per run) a migrated template database that each test copies."""
    if "name" not in _template:
        name = f"lp_template_{uuid.uuid4().hex[:8]}"
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(db_module.normalise_url(SERVER_URL)).set(database=name)
        engine = db_module.make_engine(url.render_as_string(hide_password=False))
        db_module.migrate(engine)
        engine.dispose()
        admin.dispose()
        _template["name"] = name
    return _template["name"]


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database for this test, installed as LEADPACT_DATABASE_URL."""
    if SERVER_URL:
        name = f"lp_test_{uuid.uuid4().hex[:10]}"
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template()}"'))
        url = make_url(db_module.normalise_url(SERVER_URL)).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'leadpact.db'}"
    monkeypatch.setenv("LEADPACT_DATABASE_URL", url)
    get_settings.cache_clear()
    db_module.migrate(db_module.get_engine(url))
    yield url
    engine = db_module._engines.pop(db_module.normalise_url(url), None)
    if engine is not None:
        engine.dispose()
    get_settings.cache_clear()
    if SERVER_URL:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Engine:
    """The engine of this test's database."""
    return db_module.get_engine(database_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on this test's database, rolled back at the end."""
    with db_module.session_factory(engine)() as session:
        yield session
        session.rollback()


@pytest.fixture
def clock() -> Iterator[clock_module.SimulatedClock]:
    """A simulated clock installed process-wide for this test."""
    simulated = clock_module.SimulatedClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    previous = clock_module.get_clock()
    clock_module.set_clock(simulated)
    yield simulated
    clock_module.set_clock(previous)


def free_port() -> int:
    """Return a TCP port free on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The leadpact API served by uvicorn in a thread on loopback."""

    def __init__(self) -> None:
        import uvicorn

        from leadpact.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The API on this test's database, listening on a free loopback port."""
    with LiveServer() as server:
        yield server


@pytest.fixture
def write_key(database_url: str) -> str:
    """A fresh ingest-scoped write key on this test's database."""
    from leadpact.keys.service import create_key

    with db_module.session_scope() as session:
        _key, secret = create_key(session=session, scope="ingest", name="test", now=datetime.now(UTC))
    return secret


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's data directory (where a generated secrets key lives) is its own, and no channel it read stays
    cached for the next one."""
    from leadpact.outbox.channels import forget_channels

    monkeypatch.setenv("LEADPACT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEADPACT_SECRETS_KEY", raising=False)
    forget_channels()
    yield
    forget_channels()


def background_wiring() -> Wiring:
    """The standard wiring without live evaluation and handoffs: what a test runs with unless it asks for the whole
    loop (the `live` fixtures install `standard_wiring()`)."""
    from leadpact.composition import standard_wiring

    return replace(standard_wiring(), people_changed=(), engine_moved=())


@pytest.fixture(autouse=True)
def wiring() -> Iterator[Wiring]:
    """Each test runs with `background_wiring()` installed, and ends with the wiring it found and no cached live
    engine (the wiring is process-wide: an app or a CLI command the test runs installs its own)."""
    from leadpact.engine import forget_live_engines

    with wired(background_wiring()) as current:
        yield current
    forget_live_engines()
