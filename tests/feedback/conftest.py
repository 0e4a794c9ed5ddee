"""Fixtures of the feedback tests."""

from tests.handoff.fixtures import live, world  # noqa: F401
