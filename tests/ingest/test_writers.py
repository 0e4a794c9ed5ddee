"""Several writers on one database: server processes, the cross-process writer lock, background checkpoints."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from leadpact import checkpoints
from leadpact.db import make_engine
from leadpact.write_lock import sqlite_writer
from tests.conftest import free_port
from tests.ingest.helpers import event_count, start_server, stored_message_ids, track

ON_POSTGRES = bool(os.environ.get("LEADPACT_TEST_DATABASE_URL"))


def _serve(database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    return start_server(database_url, port=port, workers=workers), f"http://127.0.0.1:{port}"


def test_two_server_processes_store_every_message_exactly_once(database_url: str, write_key: str) -> None:
    process, url = _serve(database_url, workers=2)
    try:
        batches = [[track(anonymousId=f"anon-{b}-{i % 7}") for i in range(50)] for b in range(24)]
        # The same batch twice, from two senders at once: stored once.
        batches.append(batches[0])
        errors: list[str] = []

        def send(share: list[list[dict]]) -> None:
            with httpx.Client(base_url=url, auth=(write_key, ""), timeout=60) as client:
                for batch in share:
                    response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
                    if response.status_code != 200:
                        errors.append(response.text)

        senders = [threading.Thread(target=send, args=(batches[i::4],)) for i in range(4)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert errors == []
    sent = {m["messageId"] for batch in batches for m in batch}
    assert event_count() == len(sent) == 24 * 50
    assert stored_message_ids() == sent


@pytest.mark.skipif(ON_POSTGRES, reason="the writer lock and checkpoints are SQLite's")
def test_a_held_writer_lock_makes_another_process_wait(database_url: str, engine: Engine, tmp_path: Path) -> None:
    batch = tmp_path / "batch.json"
    batch.write_bytes(orjson.dumps([track(messageId=str(uuid.uuid4()))]))
    script = (
        "import sys, orjson; from datetime import UTC, datetime; "
        "from leadpact.ingest.service import ingest_messages, parse_batch; "
        "now = datetime.now(UTC); "
        "messages, _ = parse_batch(orjson.loads(open(sys.argv[1], 'rb').read()), received_at=now); "
        "print(ingest_messages(messages, now=now).stored)"
    )
    with sqlite_writer(engine):
        other = subprocess.Popen([sys.executable, "-c", script, str(batch)], stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        # Still queued behind this process's lock, and nothing stored yet.
        assert other.poll() is None
        assert event_count() == 0
    output, _ = other.communicate(timeout=60)
    assert other.returncode == 0
    assert output.strip() == "1"
    assert event_count() == 1


@pytest.mark.skipif(ON_POSTGRES, reason="the writer lock and checkpoints are SQLite's")
def test_the_log_is_checkpointed_in_the_background_not_by_the_writer(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = database_url.removeprefix("sqlite:///")
    writer = make_engine(database_url)
    with writer.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.exec_driver_sql("INSERT INTO filler (body) VALUES (?)", [("x" * 1000,) for _ in range(3000)])
    before = Path(database).stat().st_size
    # The commit left ~3 MB in the log and none of it in the database file.
    assert Path(database + "-wal").stat().st_size > 3_000_000
    monkeypatch.setattr(checkpoints, "WAL_BYTES", 1_000_000)
    checkpoints.checkpoint_all()
    assert Path(database).stat().st_size > before + 3_000_000
    writer.dispose()


@pytest.mark.skipif(ON_POSTGRES, reason="the writer lock and checkpoints are SQLite's")
def test_the_log_starts_over_even_when_a_writer_is_always_busy(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(Path(database_url.removeprefix("sqlite:///")).resolve())
    writer = make_engine(database_url)
    with sqlite_writer(writer), writer.begin() as connection:
        connection.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.exec_driver_sql("INSERT INTO filler (body) VALUES (?)", [("x" * 1000,) for _ in range(3000)])
    monkeypatch.setattr(checkpoints, "WAL_BYTES", 1_000_000)
    checkpointer = threading.Thread(target=checkpoints.checkpoint_all)
    # The next transaction is already open while the checkpoint copies the log: the race a busy writer always
    # wins, after which SQLite alone would never start the log over.
    with sqlite_writer(writer), writer.begin() as connection:
        connection.exec_driver_sql("INSERT INTO filler (body) VALUES ('y')")
        checkpointer.start()
        time.sleep(0.5)
    checkpointer.join(timeout=30)
    with sqlite_writer(writer), writer.begin() as connection:
        connection.exec_driver_sql("INSERT INTO filler (body) VALUES ('z')")
    probe = sqlite3.connect(database)
    _busy, frames, _copied = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    probe.close()
    writer.dispose()
    # 3 MB were written before; a log that started over holds only the last small transaction.
    assert frames < 20


@pytest.mark.skipif(ON_POSTGRES, reason="the writer lock and checkpoints are SQLite's")
def test_a_deleted_database_is_forgotten_by_the_checkpointer(tmp_path: Path) -> None:
    database = tmp_path / "gone.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    assert str(database.resolve()) in checkpoints._files
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    checkpoints.checkpoint_all()
    assert str(database.resolve()) not in checkpoints._files


def test_a_served_process_collects_young_objects_less_often_and_leaves_startup_alone() -> None:
    import gc

    from leadpact.app import serving_app
    from leadpact.collector import YOUNG_THRESHOLD

    before = gc.get_threshold()
    try:
        serving_app()
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD > 700  # Python's default is 700
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
