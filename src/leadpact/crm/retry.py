"""Calling a CRM politely: pace requests under its rate limit, wait out 429s, back off on 5xx, give up clearly."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from leadpact.crm.base import CrmError, CrmRateLimited, CrmUnavailable

log = logging.getLogger("leadpact.crm")
T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How long to keep a call alive in-process before handing the failure back to the outbox."""

    attempts: int = 4  # tries for a 5xx or a dropped connection
    rate_limited_attempts: int = 30  # a 429 refused the request outright, so waiting and resending is always safe
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    # A Retry-After longer than this (a daily cap) goes back to the outbox instead of holding a worker.
    max_wait: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt` (1-based): exponential with full jitter, capped."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** attempt))


class RequestPacer:
    """A rolling-window limiter: at most `limit` requests in any `window` seconds, shared by a connector's threads."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limit, self.window = limit, window
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                pause = self.window - (now - self._sent[0]) + 0.001
            self.waited += pause
            self._sleep(pause)


def call_with_retries(
    call: Callable[[], T],
    *,
    classify: Callable[[Exception], CrmError | None],
    policy: RetryPolicy,
    what: str,
    retry_unavailable: bool = True,
) -> T:
    """The result of `call`, rate limits waited out and 5xx retried per the policy; failures as CrmErrors."""
    # `retry_unavailable=False` is for creates that are not idempotent: a 5xx may hide a success, so the caller
    # must look before trying again rather than resend blindly.
    failures = limited = 0
    while True:
        try:
            return call()
        except Exception as raw:  # every client exception is classified; unknown ones re-raise unchanged
            error = classify(raw)
            if error is None:
                raise
            if isinstance(error, CrmRateLimited):
                limited += 1
                if error.retry_after > policy.max_wait or limited >= policy.rate_limited_attempts:
                    raise error from raw
                log.info("%s: rate limited (%s), waiting %.1f s", what, error.policy or "429", error.retry_after)
                policy.sleep(error.retry_after)
                continue
            if isinstance(error, CrmUnavailable) and retry_unavailable:
                failures += 1
                if failures >= policy.attempts:
                    raise error from raw
                pause = policy.backoff(failures)
                log.info("%s: %s; retry %d in %.1f s", what, error, failures, pause)
                policy.sleep(pause)
                continue
            raise error from raw
