"""One ingest writer at a time across processes on a SQLite file.

SQLite lets one process write at a time and makes the others retry on a timer, sleeping up to 100 ms between
tries; with several server processes that sleeping, not the writing, would set the pace. An advisory lock on a
file beside the database queues them in the kernel instead, which wakes the next writer the moment one ends."""

from __future__ import annotations

import fcntl
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

_files: dict[str, IO[bytes]] = {}
_threads: dict[str, threading.Lock] = {}
_guard = threading.Lock()


@contextmanager
def sqlite_writer(engine: Engine) -> Iterator[None]:
    """Hold the database's writer lock: one thread of this process and one process at a time."""
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        with _thread_lock(database):
            yield
        return
    path = _resolved(database) if os.path.isabs(database) else str(Path(database).resolve())
    with writer_lock(path):
        yield


@functools.lru_cache(maxsize=64)
def _resolved(database: str) -> str:
    # Resolving walks the file system: measured at 3 % of the ingest writer when done for every group. Only
    # absolute paths are kept, since a relative one depends on the working directory.
    return str(Path(database).resolve())


@contextmanager
def writer_lock(path: str) -> Iterator[None]:
    """Hold the writer lock of a database file, named by its resolved path."""
    with _thread_lock(path):
        handle = _lock_file(path)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _thread_lock(path: str) -> threading.Lock:
    with _guard:
        return _threads.setdefault(path, threading.Lock())


def _lock_file(path: str) -> IO[bytes]:
    with _guard:
        handle = _files.get(path)
        if handle is None or handle.closed:
            handle = _files[path] = open(path + ".lock", "ab")  # noqa: SIM115 - held for the process's life
        return handle
