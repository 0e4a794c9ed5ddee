"""Rate limits per write key on the tracking API, counted in messages, with the `limits` library.

`limits` offers no token bucket; its sliding window counter gives the same promise a bucket does: a key may send a
burst of up to the configured amount, then at the configured rate as the window slides (the previous period's
messages weigh less as it recedes), and a sender over budget is told when to come back (`Retry-After`).

Several server processes. With the default storage (`memory://`, counts held in each process) every process
enforces its share of the budget: the amount divided by `server_processes`, which `leadpact serve --workers N` sets.
The processes together then never let a key past its budget, whatever the balancing, without a shared counter: a
shared one would cost every request a round trip to the database (the only thing the processes share), and on
SQLite a write in the single writer's way. The price: when one sender's connections all land in one process, it
is limited at that process's share. Operators who want the exact budget across processes point
`ingest_rate_limit_storage` at a storage they all reach (e.g. Redis); each process then counts against the whole
amount."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from leadpact.config import Settings

OFF = ("", "0", "none", "off", "unlimited")


@dataclass(frozen=True)
class Budget:
    """The limit one process enforces for each write key."""

    item: RateLimitItem
    limiter: SlidingWindowCounterRateLimiter

    def refuse(self, key_id: int, messages: int = 1) -> int | None:
        """Spend `messages` of the key's budget; return None when allowed, else the seconds to wait."""
        # A batch larger than the whole budget costs the whole budget, so that it can pass once the key is quiet.
        cost = min(messages, self.item.amount)
        if self.limiter.hit(self.item, str(key_id), cost=cost):
            return None
        return self._wait(key_id, cost)

    def exhausted(self, key_id: int) -> int | None:
        """Without spending anything: None while the key has budget left, else the seconds to wait."""
        if self.limiter.test(self.item, str(key_id)):
            return None
        return self._wait(key_id, 1)

    def _wait(self, key_id: int, cost: int) -> int:
        stats = self.limiter.get_window_stats(self.item, str(key_id))
        period = self.item.get_expiry()
        # When the window frees its next message, or the time the steady rate takes to earn `cost` back.
        wait = max(stats.reset_time - time.time(), period * cost / self.item.amount)
        return max(1, min(math.ceil(wait), math.ceil(period)))


def budget_for(settings: Settings) -> Budget | None:
    """The budget these settings give each write key in this process, or None when the limit is off."""
    rule = settings.ingest_rate_limit.strip().lower()
    if rule in OFF:
        return None
    return _budget(rule, settings.ingest_rate_limit_storage, max(1, settings.server_processes))


_budgets: dict[tuple[str, str, int], Budget] = {}


def _budget(rule: str, storage: str, processes: int) -> Budget:
    key = (rule, storage, processes)
    if key not in _budgets:
        item = parse(rule)
        if storage.startswith("memory://"):
            # Counts held in this process: enforce this process's share.
            item = type(item)(max(1, item.amount // processes), item.multiples, item.namespace)
        _budgets[key] = Budget(item, SlidingWindowCounterRateLimiter(storage_from_string(storage)))
    return _budgets[key]


def forget_budgets() -> None:
    """Drop every count (tests start each from a full budget)."""
    _budgets.clear()
