"""Fixtures of the enrichment tests: live evaluation with handoffs, as the server runs them."""

from tests.handoff.fixtures import live  # noqa: F401 - enrichment releases leads through the real handoff flow
