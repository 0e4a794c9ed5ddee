"""Failed sign-ins throttled per account and per address with `limits`' moving window, kept in the database.

The storage is the table of failed sign-ins itself, so every server process (and a restart) sees the same count:
the limit holds however many processes serve sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leadpact.access.models import SignInFailure


class FailedSignIns(Storage, MovingWindowSupport):
    """A `limits` storage over the `sign_in_failures` table, on the caller's session (so counting a failure is
    part of the request's transaction) and the injected clock's time. One row per counted hit."""

    def __init__(self, *, session: Session, now: datetime) -> None:
        super().__init__()
        self.session = session
        self.now = now

    @property
    def base_exceptions(self) -> type[Exception]:
        """What the database raises when it fails."""
        return SQLAlchemyError

    def _live(self, key: str) -> list[datetime]:
        return list(self.session.scalars(select(SignInFailure.expires_at).where(
            SignInFailure.key == key, SignInFailure.expires_at > self.now)))

    def _add(self, key: str, amount: int, expires_at: datetime) -> None:
        self.session.add_all(SignInFailure(key=key, at=self.now, expires_at=expires_at) for _ in range(amount))
        self.session.flush()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed window: count `amount` hits in the key's open window (opening one of `expiry` seconds if none is
        open) and return the window's count."""
        live = self._live(key)
        self._add(key, amount, min(live) if live else self.now + timedelta(seconds=expiry))
        return len(live) + amount

    def get(self, key: str) -> int:
        """Fixed window: the hits counted in the key's open window."""
        return len(self._live(key))

    def get_expiry(self, key: str) -> float:
        """Fixed window: when the key's open window closes (a timestamp; now when none is open)."""
        live = self._live(key)
        return (min(live) if live else self.now).timestamp()

    def check(self) -> bool:
        """Whether the database answers."""
        return self.session.scalar(select(func.count()).select_from(SignInFailure).limit(1)) is not None

    def reset(self) -> int | None:
        """Forget every counted failure; return how many there were."""
        result = self.session.execute(delete(SignInFailure))
        return int(getattr(result, "rowcount", 0) or 0)

    def clear(self, key: str) -> None:
        """Forget the failures counted against `key` (an account's, after it signs in)."""
        self.session.execute(delete(SignInFailure).where(SignInFailure.key == key))

    def _window(self, key: str, limit: int, expiry: int) -> list[datetime]:
        since = self.now - timedelta(seconds=expiry)
        return list(self.session.scalars(
            select(SignInFailure.at).where(SignInFailure.key == key, SignInFailure.at > since)
            .order_by(SignInFailure.at.desc()).limit(limit)
        ))

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Moving window: count `amount` hits against `key` unless that would pass `limit` within the window."""
        # Failures older than every window are forgotten: the table holds only what can still count.
        self.session.execute(delete(SignInFailure).where(SignInFailure.key == key,
                                                         SignInFailure.expires_at <= self.now))
        if len(self._window(key, limit, expiry)) + amount > limit:
            return False
        self._add(key, amount, self.now + timedelta(seconds=expiry))
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """Moving window: (the oldest counted hit's time, how many) for the window ending now."""
        times = self._window(key, limit, expiry)
        return (min(times) if times else self.now).timestamp(), len(times)


@lru_cache(maxsize=8)
def sign_in_limit(text: str) -> RateLimitItem:
    """Parse a limit such as "10 per 15 minutes"."""
    return parse(text)


class Throttle:
    """Failed sign-ins per account and per address, against one limit, in a moving window."""

    def __init__(self, *, session: Session, now: datetime, limit: str) -> None:
        self.now = now
        self.item = sign_in_limit(limit)
        self.limiter = MovingWindowRateLimiter(FailedSignIns(session=session, now=now))

    def wait(self, *, email: str, address: str | None) -> int:
        """Seconds to wait before this account or address may try again (0: go ahead)."""
        waits = [0]
        for kind, value in self._keys(email, address):
            if not self.limiter.test(self.item, kind, value):
                reset = self.limiter.get_window_stats(self.item, kind, value).reset_time
                waits.append(max(1, int(reset - self.now.timestamp() + 0.999)))
        return max(waits)

    def failed(self, *, email: str, address: str | None) -> None:
        """Count one failed sign-in against the account and the address."""
        for kind, value in self._keys(email, address):
            self.limiter.hit(self.item, kind, value)

    def succeeded(self, *, email: str) -> None:
        """Start the account's count afresh (the address keeps its count: it may be guessing other accounts)."""
        self.limiter.clear(self.item, "account", email)

    @staticmethod
    def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
        return [("account", email)] + ([("address", address)] if address else [])
