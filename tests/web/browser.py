"""The browser tests' harness: Debian's Chromium driven by Playwright (never a downloaded browser), the app served
by uvicorn on loopback, and screenshots of every page a test visits."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
# Where the run leaves its screenshots (one PNG per page visited): LEADPACT_SCREENSHOTS, else test-output/ here.
SHOTS = Path(os.environ.get("LEADPACT_SCREENSHOTS", Path(__file__).parents[2] / "test-output" / "screenshots"))


class Server:
    """The leadpact app served by uvicorn in a thread on a free loopback port."""

    def __init__(self) -> None:
        import uvicorn

        from leadpact.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the web app did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole run (each test gets its own context: its own cookies)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class Browsing:
    """A browser tab on the app, signing in as people do and saving a screenshot of each page it shows."""

    def __init__(self, browser: Any, base_url: str, test_name: str) -> None:
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.prefix = re.sub(r"[^A-Za-z0-9_]+", "_", test_name)
        self.shots = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> Path:
        """Save the page as it looks now (whole page) and return where."""
        self.shots += 1
        path = SHOTS / f"{self.prefix}-{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the sign-in page, as a person would."""
        self.page.goto("/sign-in")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", password)
        self.shot("sign-in")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        """Sign out with the header's button."""
        self.page.click("header .who button")
        self.page.wait_for_url("**/sign-in**")

    def close(self) -> None:
        """Close the tab and its cookies."""
        self.context.close()
