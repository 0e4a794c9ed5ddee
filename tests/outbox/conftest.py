"""Fixtures of the delivery tests: a loopback SMTP server the outbox is configured to use, and fast retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.outbox.servers import SmtpServer


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """An SMTP server on loopback, installed as LEADPACT_SMTP_HOST/PORT."""
    with SmtpServer() as server:
        monkeypatch.setenv("LEADPACT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEADPACT_SMTP_PORT", str(server.port))
        monkeypatch.setenv("LEADPACT_MAIL_FROM", "leadpact <leadpact@seller.test>")
        yield server
