"""Oversized and unauthenticated bodies cost the server nothing: the key is checked before the body is read, a
declared Content-Length past the limit is refused without reading, and a body without one is read no further than
the limit. Memory is measured on a real `leadpact serve` process (its peak resident set, from /proc)."""

from __future__ import annotations

import base64
import socket
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import free_port
from tests.ingest.helpers import event_count, start_server, track

MB = 1024 * 1024
SENT = 200 * MB
# Headroom for what one request's handling allocates; reading 200 MB whole grew the process by about 360 MB.
MAX_GROWTH = 48 * MB


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    process = start_server(database_url, port=port)
    try:
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_memory(process: subprocess.Popen[bytes]) -> int:
    """The process's peak resident set size in bytes (VmHWM)."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def chunks(total: int) -> Iterator[bytes]:
    """`total` bytes of a JSON-looking body, 1 MB at a time, never held whole by the sender either."""
    block = b" " * MB
    yield b'{"batch": [' + block[: MB - 11]
    for _ in range(total // MB - 1):
        yield block


def status_without_body(port: int, headers: dict[str, str]) -> int:
    """Send only a request's headers (declaring a body that never comes) and return the status answered."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{head}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return int(answer.split()[1])


def basic_auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def warm_up(port: int, key: str) -> None:
    # The first request builds the application's lazily made parts: measure after it.
    response = httpx.post(f"http://127.0.0.1:{port}/v1/batch", content=orjson.dumps({"batch": [track()]}),
                          auth=(key, ""), timeout=60)
    assert response.status_code == 200


def test_a_wrong_key_is_refused_before_the_body_is_read(server, write_key):
    _process, port = server
    basic = basic_auth("lp_wk_not-a-real-key")
    assert status_without_body(port, {"Authorization": basic, "Content-Length": str(SENT)}) == 401


def test_a_declared_length_past_the_limit_is_refused_without_reading(server, write_key):
    _process, port = server
    basic = basic_auth(write_key)
    assert status_without_body(port, {"Authorization": basic, "Content-Length": str(SENT)}) == 413
    # With the key in the body (no header), the length alone refuses it.
    assert status_without_body(port, {"Content-Length": str(SENT)}) == 413


@pytest.mark.parametrize("authenticated", [False, True])
def test_a_200_mb_body_without_length_is_read_no_further_than_the_limit(server, write_key, authenticated):
    process, port = server
    warm_up(port, write_key)
    before = peak_memory(process)
    response = httpx.post(
        f"http://127.0.0.1:{port}/v1/batch",
        content=chunks(SENT),  # a generator: sent chunked, with no Content-Length
        auth=(write_key, "") if authenticated else None,
        headers={"Content-Type": "application/json"},
        timeout=300,
    )
    growth = peak_memory(process) - before
    assert growth < MAX_GROWTH, f"the server grew by {growth / MB:.0f} MB reading a refused body"
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large" and "500 KB" in body["message"]
    assert event_count() == 1


def test_a_gzip_bomb_is_decompressed_no_further_than_the_limit(server, write_key):
    process, port = server
    warm_up(port, write_key)
    # 200 MB of JSON whitespace compresses to about 200 KB: under the limit as sent, far past it decoded.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(b'{"batch": [') + b"".join(compressor.compress(c) for c in chunks(SENT))
    bomb += compressor.flush()
    assert len(bomb) < 500 * 1024
    assert len(zlib.decompressobj(31).decompress(bomb, 4 * MB)) == 4 * MB  # it expands far past the limit
    before = peak_memory(process)
    response = httpx.post(
        f"http://127.0.0.1:{port}/v1/batch",
        content=bomb,
        auth=(write_key, ""),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        timeout=120,
    )
    growth = peak_memory(process) - before
    assert growth < MAX_GROWTH, f"the server grew by {growth / MB:.0f} MB decompressing a refused body"
    assert response.status_code == 413 and "decompressed" in response.json()["message"]


def test_a_content_length_that_is_not_a_number_is_refused(server, write_key):
    _process, port = server
    assert status_without_body(port, {"Authorization": basic_auth(write_key), "Content-Length": "lots"}) == 400
