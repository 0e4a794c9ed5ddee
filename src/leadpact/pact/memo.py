"""Bounded memos for answers the engine finds again and again: every evaluation re-reads the same few texts."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(answers: dict[K, V], key: K, value: V, limit: int) -> V:
    """Keep `value` under `key` and return it; a memo that has reached `limit` entries starts over first, so
    unusual input (endless distinct texts) cannot grow it without bound."""
    if len(answers) >= limit:
        answers.clear()
    answers[key] = value
    return value
