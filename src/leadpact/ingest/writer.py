"""Group commit for the tracking API: one writer per database stores every batch queued meanwhile in one
transaction, and answers each request with its own share of the result only after the commit."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from leadpact.ingest.messages import Message
from leadpact.ingest.service import IngestResult, ingest_each

MAX_GROUP_MESSAGES = 2_500


@dataclass
class _Pending:
    messages: list[Message]
    now: datetime
    done: Future[IngestResult] = field(default_factory=Future)


class GroupWriter:
    """A writer thread for one database: concurrent requests share its transactions and commits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pending: queue.Queue[_Pending] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="leadpact-ingest-writer", daemon=True)
        self.thread.start()

    def submit(self, messages: list[Message], *, now: datetime) -> Future[IngestResult]:
        """Queue messages for storage; the future resolves once they are committed."""
        item = _Pending(messages, now)
        self.pending.put(item)
        return item.done

    def _run(self) -> None:
        while True:
            group = [self.pending.get()]
            size = len(group[0].messages)
            while size < MAX_GROUP_MESSAGES:
                try:
                    item = self.pending.get_nowait()
                except queue.Empty:
                    break
                group.append(item)
                size += len(item.messages)
            self._store(group)

    def _store(self, group: list[_Pending]) -> None:
        try:
            messages = [m for item in group for m in item.messages]
            result = ingest_each(messages, now=max(item.now for item in group), engine=self.engine)
        except Exception:
            if len(group) == 1:
                group[0].done.set_exception(_current_exception())
                return
            # The database failed the shared transaction: each request tries on its own, and learns its own fate.
            for item in group:
                self._store([item])
            return
        refused = {id(r.message): r for r in result.rejected}
        for item in group:
            ids = [m.message_id for m in item.messages]
            rejected = [refused[id(m)] for m in item.messages if id(m) in refused]
            stored = sum(1 for message_id in dict.fromkeys(ids) if message_id in result.stored_ids)
            # The first request holding a messageId stored it; later requests in the group see a duplicate.
            result.stored_ids.difference_update(ids)
            item.done.set_result(
                IngestResult(stored=stored, duplicates=max(0, len(ids) - stored - len(rejected)), rejected=rejected)
            )


def _current_exception() -> BaseException:
    import sys

    error = sys.exc_info()[1]
    assert error is not None
    return error


_writers: dict[str, GroupWriter] = {}
_lock = threading.Lock()


def writer_for(engine: Engine) -> GroupWriter:
    """Return the group writer of a database (one per process and database URL)."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key not in _writers:
            _writers[key] = GroupWriter(engine)
        return _writers[key]
