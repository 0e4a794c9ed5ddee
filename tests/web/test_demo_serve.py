"""`leadpact demo` ends with the address to open and whom to sign in as; `leadpact serve` on that workspace shows
the demo's data to each of them. Run as a person would: both commands as subprocesses, the pages over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SERVER_URL, free_port

# The demo always builds its own SQLite workspace: the PostgreSQL run of the suite would only repeat this test.
pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="the demo workspace is SQLite whatever the test database")
SIGN_IN = re.compile(r"^\s+(a rep|their manager|marketing|the admin):\s+(\S+@\S+)\s+password (\S+)$", re.MULTILINE)


def test_the_demo_prints_how_to_open_it_and_serve_shows_its_data(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LEADPACT_")}
    story = subprocess.run([sys.executable, "-m", "leadpact.cli", "demo", "--dir", str(workspace), "--people", "150",
                            "--accounts", "40"], env=environment, capture_output=True, text=True, timeout=600,
                           cwd=tmp_path)
    assert story.returncode == 0, story.stderr[-2000:]
    command = re.search(r"LEADPACT_DATABASE_URL=(\S+) leadpact serve", story.stdout)
    assert command is not None and "http://127.0.0.1:8000/" in story.stdout, story.stdout[-1500:]
    sign_ins = {who: (email, password) for who, email, password in SIGN_IN.findall(story.stdout)}
    assert set(sign_ins) == {"a rep", "their manager", "marketing", "the admin"}, story.stdout[-1500:]

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "leadpact.cli", "serve", "--port", str(port)],
                              env={**environment, "LEADPACT_DATABASE_URL": command.group(1)}, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "leadpact serve did not come up"
            time.sleep(0.2)
        pages = {"a rep": ("/inbox", 'data-handoff="'), "their manager": ("/team", 'data-rep="'),
                 "marketing": ("/dashboard", "MQLs per month"), "the admin": ("/admin", 'data-user="')}
        for who, (path, shows) in pages.items():
            email, password = sign_ins[who]
            with httpx.Client(base_url=base, headers={"Accept": "text/html"}) as browser:
                answer = browser.post("/sign-in", data={"email": email, "password": password, "next": path})
                assert answer.status_code == 303 and answer.headers["location"] == path, (who, answer.text[-500:])
                page = browser.get(path)
                assert page.status_code == 200 and shows in page.text, (who, page.text[-1000:])
    finally:
        server.terminate()
        server.wait(timeout=30)
