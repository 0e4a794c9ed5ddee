"""The SQLite write-ahead log stays bounded while leadpact runs and is folded into the database when a run ends:
a file watched before SQLite creates it is still checkpointed, and `leadpact serve` (its app shutting down) and
`leadpact demo` leave the whole database in the database file and an empty log."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import text

from leadpact import checkpoints
from leadpact import clock as clock_module
from leadpact.config import get_settings
from leadpact.db import make_engine


def _write(engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
        connection.execute(text("INSERT INTO filler VALUES (:body)"), [{"body": "x" * 2000}] * rows)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def test_a_file_watched_before_it_exists_is_checkpointed_once_its_log_grows(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(checkpoints, "WAL_BYTES", 256 * 1024)
    database = tmp_path / "later.db"
    engine = make_engine(f"sqlite:///{database}")  # watched now; SQLite creates the file on first connect
    checkpoints.checkpoint_all()  # a round before the file exists must not forget it
    _write(engine, 1000)  # ~2 MB through the log
    assert _size(Path(f"{database}-wal")) > 256 * 1024
    checkpoints.checkpoint_all()
    _write(engine, 1)  # the log was restarted: this writer starts it over from its first frame
    assert _size(database) > 1_000_000  # copied into the database file
    with sqlite3.connect(database) as connection:
        _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert frames < 16  # the frames of that one write, not the ~500 before
    engine.dispose()


def test_fold_leaves_the_database_whole_and_the_log_empty(tmp_path) -> None:
    database = tmp_path / "fold.db"
    engine = make_engine(f"sqlite:///{database}")
    _write(engine, 500)
    assert _size(Path(f"{database}-wal")) > 500_000
    assert checkpoints.fold(str(database)) == {str(database.resolve()): 0}
    assert _size(database) > 1_000_000
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM filler")).scalar() == 500
    engine.dispose()


def test_the_server_folds_the_log_when_it_shuts_down(database_url: str, engine, monkeypatch) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a write-ahead log is SQLite's")
    from leadpact.app import create_app

    monkeypatch.setenv("LEADPACT_EMBEDDED_WORKER", "0")
    database = Path(engine.url.database)
    app = create_app()

    async def serve_then_stop() -> None:
        async with app.router.lifespan_context(app):  # what uvicorn runs at start and at shutdown
            _write(engine, 500)
            assert _size(Path(f"{database}-wal")) > 500_000

    asyncio.run(serve_then_stop())
    assert _size(Path(f"{database}-wal")) == 0
    assert _size(database) > 1_000_000


@pytest.fixture
def demo_environment(monkeypatch: pytest.MonkeyPatch):
    """The demo points leadpact at its own workspace and mail server: put everything back afterwards."""
    for name in ("LEADPACT_DATABASE_URL", "LEADPACT_SMTP_HOST", "LEADPACT_SMTP_PORT"):
        monkeypatch.setenv(name, "")
    previous = clock_module.get_clock()
    yield
    clock_module.set_clock(previous)
    get_settings.cache_clear()


def test_the_demo_ends_with_the_database_in_its_file_and_an_empty_log(tmp_path: Path, demo_environment) -> None:
    from leadpact.demo.run import run_demo

    run_demo(directory=tmp_path / "demo", seed=3, people=150, accounts=40, console=Console(quiet=True))
    assert _size(tmp_path / "demo" / "leadpact.db-wal") == 0
    assert _size(tmp_path / "demo" / "leadpact.db") > 1_000_000
