"""Fast draws from a seeded generator.

`random.Random.randint`, `choice` and `choices` cost microseconds each in pure Python; at tens of
millions of messages that dominates, so hot paths draw from `rng.random()` directly.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


def randint(rng: random.Random, low: int, high: int) -> int:
    """Return an integer in [low, high], both included."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """Return one item, uniformly."""
    return items[int(rng.random() * len(items))]


class Weighted:
    """A fixed weighted choice, with the cumulative weights computed once."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.items = list(weights)
        running, self.cumulative = 0.0, []
        for weight in weights.values():
            running += weight
            self.cumulative.append(running)
        self.total = running

    def draw(self, rng: random.Random) -> T:
        """Return one item with probability proportional to its weight."""
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]  # guards a float rounding up to the total
