"""WAL checkpoints for SQLite files, run by a background thread instead of by the committing writer.

SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, copying the log into the
database and syncing it while the writer (and every ingest request queued behind it) waits: measured, that
makes a commit several times slower. Here a daemon thread checkpoints each file once its log grows past a
threshold, with PASSIVE checkpoints that never block a writer; sqlite3 releases the GIL while it works.

A busy writer never finds the log fully copied when it begins, so SQLite would never start the log over and it
would grow without end (measured: 480 MB in 20 s of ingest), slowing every read that consults it. So once the
copy has caught up, the thread takes the ingest writer lock for the moment it needs to copy the last frames and
restart the log.

A file is watched from the moment its engine is made, usually before SQLite has created it: a file not there yet
is waited for, and only a file that was there and is gone is forgotten (forgetting the first kind left a whole
demo's 550 MB in the log, the database file never written). When a run ends (`leadpact demo`, `leadpact serve`
shutting down) `fold` copies the log into the database and truncates it, leaving the database file whole."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from leadpact.write_lock import writer_lock

# Restart the log once it holds this much. Each restart stops the writer for the last copy and its two fsyncs
# (measured: ~100 ms even for a handful of frames), so restarts are kept rare: at 32 MB, live ingest spent 6 % of
# its time waiting on them; at 128 MB, half that.
WAL_BYTES = 128 * 1024 * 1024
INTERVAL = 0.25  # seconds between looks at the log sizes

_files: dict[str, sqlite3.Connection | None] = {}
_seen: set[str] = set()  # files that have existed: one of these missing was removed, not yet created
_lock = threading.Lock()
_thread: threading.Thread | None = None


def watch(database: str) -> None:
    """Keep the WAL of this database file checkpointed from a background thread (idempotent)."""
    global _thread
    path = str(Path(database).resolve())
    with _lock:
        _files.setdefault(path, None)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="leadpact-sqlite-checkpoints", daemon=True)
            _thread.start()


def checkpoint_all() -> None:
    """Checkpoint every watched file whose log has grown past the threshold; forget files that are gone."""
    with _lock:
        paths = list(_files)
    for path in paths:
        if not Path(path).exists():
            if path in _seen:
                _forget(path)
            continue
        _seen.add(path)
        wal = Path(path + "-wal")
        try:
            size = wal.stat().st_size
        except FileNotFoundError:
            continue
        if size < WAL_BYTES:
            continue
        try:
            connection = _files.get(path) or _open(path)
            _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames * _page_size(connection) >= WAL_BYTES:
                # Few frames are left to copy now; holding the writer lock keeps new ones from arriving.
                with writer_lock(path):
                    connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error:
            # A file being replaced or a busy schema: reconnect and try again on the next round.
            _close(path)


def fold(database: str | None = None, *, timeout: float = 60.0) -> dict[str, int]:
    """Copy the whole log of `database` (default: every watched file) into the database file and truncate the
    log to nothing, waiting up to `timeout` seconds for readers and writers; return each log's size after."""
    with _lock:
        paths = [str(Path(database).resolve())] if database else list(_files)
    left = {}
    for path in paths:
        if not Path(path).exists():
            continue
        try:
            connection = sqlite3.connect(path, timeout=timeout)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # a file being removed, or a writer that outlasted the wait: the log stays for the next run
        wal = Path(path + "-wal")
        left[path] = wal.stat().st_size if wal.exists() else 0
    return left


def _page_size(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA page_size").fetchone()[0])


def _open(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, timeout=0)
    with _lock:
        _files[path] = connection
    return connection


def _close(path: str) -> None:
    with _lock:
        connection = _files.get(path)
        if path in _files:
            _files[path] = None
    if connection is not None:
        connection.close()


def _forget(path: str) -> None:
    with _lock:
        connection = _files.pop(path, None)
        _seen.discard(path)
    if connection is not None:
        connection.close()


def _run() -> None:
    stop = threading.Event()
    while not stop.wait(INTERVAL):
        checkpoint_all()
