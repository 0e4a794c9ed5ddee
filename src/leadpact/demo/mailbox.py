"""The demo's mail server: a real SMTP server on loopback that files every message it accepts into an mbox."""

from __future__ import annotations

import mailbox
import socket
import threading
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _MboxHandler:
    def __init__(self, path: Path) -> None:
        self.box = mailbox.mbox(path)
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            # No flush per message: mailbox's flush fsyncs, and the server answered each of the demo's thousands
            # of emails only after the disk did. The file is flushed and synced once, when the server stops.
            self.box.add(message_from_bytes(envelope.original_content or envelope.content))
            self.count += 1
        return "250 OK"

    def close(self) -> None:
        with self.lock:
            self.box.close()


class DemoMailbox:
    """An SMTP server on a free loopback port writing into `path` (mbox); use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handler = _MboxHandler(path)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> int:
        """How many messages the server accepted."""
        return self.handler.count

    def __enter__(self) -> DemoMailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
        self.handler.close()
