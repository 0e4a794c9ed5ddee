"""Run a contract server with uvicorn in a thread on loopback (over TLS when given a certificate)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn


def free_port() -> int:
    """A TCP port free on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """An ASGI app served on 127.0.0.1 until closed; `url` is its base URL."""

    def __init__(self, app: Any, *, certfile: Path | None = None, keyfile: Path | None = None) -> None:
        self.port = free_port()
        scheme = "https" if certfile else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="off",  # no startup work; and a forced exit then has nothing to cancel
                                ssl_certfile=str(certfile) if certfile else None,
                                ssl_keyfile=str(keyfile) if keyfile else None, timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the contract server did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.server.force_exit = True  # clients hold keep-alive (or stalled) connections: do not wait for them
        self.thread.join(timeout=10)
