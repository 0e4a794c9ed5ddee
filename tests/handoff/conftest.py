"""Fixtures of the handoff tests."""

from tests.handoff.fixtures import live, world  # noqa: F401
