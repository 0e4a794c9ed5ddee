"""Shared helpers for the pact tests: events, pacts from text, the Northwind example."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leadpact.pact import CompiledPact, compile_pact, load_pact, load_pact_file

EXAMPLE = Path(__file__).parents[2] / "examples" / "northwind.yaml"


def at(text: str) -> datetime:
    """An aware UTC datetime from ISO text."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def page(when: str, path: str = "/pricing", **properties: Any) -> dict[str, Any]:
    """A page event."""
    return {"type": "page", "properties": {"path": path, **properties}, "context": {}, "timestamp": at(when)}


def track(name: str, when: str, **properties: Any) -> dict[str, Any]:
    """A track event."""
    return {"type": "track", "event": name, "properties": properties, "context": {}, "timestamp": at(when)}


def compiled(text: str) -> CompiledPact:
    """Compile a pact written inline (format version and name added)."""
    return compile_pact(load_pact("leadpact: 1\nname: Test\n" + text))


@pytest.fixture(scope="session")
def northwind() -> CompiledPact:
    """The SPEC §4 example, compiled."""
    return compile_pact(load_pact_file(EXAMPLE))
