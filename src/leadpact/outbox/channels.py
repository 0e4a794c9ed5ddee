"""Where a channel's row goes, read at delivery: the channel's URL (or address) and signing secret are unsealed here
and nowhere else, so the outbox never copies them into its rows.

Transports otherwise never read the database; this is the one exception, by design (a credential copied into every
row would be at rest in the clear, and stale after the operator changes it). Lookups are cached for a few seconds:
a burst of notifications to one Slack channel reads it once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from leadpact.db import get_engine
from leadpact.masking import mask, mask_url
from leadpact.outbox.models import NotificationChannel
from leadpact.outbox.service import CHANNEL_PREFIX, PRIVATE_PREFIX
from leadpact.sealing import SecretsKeyError, unseal

CACHE_SECONDS = 10.0
_cache: dict[tuple[str, int], tuple[float, str, str | None]] = {}
_lock = threading.Lock()


class ChannelUnavailable(Exception):
    """A row's channel cannot be read: gone (`permanent`), or its secret cannot be unsealed with the current key."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Endpoint:
    """Where one delivery goes: the address or URL, the signing secret if any, and a label safe to log."""

    address: str
    secret: str | None
    label: str


def channel_id(destination: str) -> int | None:
    """The channel a destination names (`channel:7` → 7), or None for a plain address or connector."""
    if not destination.startswith(CHANNEL_PREFIX):
        return None
    number = destination[len(CHANNEL_PREFIX):]
    return int(number) if number.isdigit() else None


def endpoint(destination: str, payload: dict[str, object]) -> Endpoint:
    """Resolve a row's destination: a channel's sealed URL and secret, or (rows written before channels were
    referenced) the address and the secret the row carries."""
    number = channel_id(destination)
    if number is None:
        secret = payload.get(PRIVATE_PREFIX + "secret")
        label = mask_url(destination) if "://" in destination else destination
        return Endpoint(destination, secret if isinstance(secret, str) else None, label or destination)
    address, secret = _channel(number)
    return Endpoint(address, secret, f"{destination} ({mask(address)})")


def _channel(number: int) -> tuple[str, str | None]:
    engine = get_engine()
    key = (str(engine.url), number)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    table = NotificationChannel.__table__
    with engine.connect() as connection:
        row = connection.execute(select(table.c.target, table.c.secret).where(table.c.id == number)).first()
    if row is None:
        raise ChannelUnavailable(f"notification channel #{number} no longer exists", permanent=True)
    try:
        address, secret = unseal(row.target), unseal(row.secret) if row.secret else None
    except SecretsKeyError as error:
        raise ChannelUnavailable(f"channel #{number}: {error}", permanent=False) from None
    with _lock:
        _cache[key] = (now + CACHE_SECONDS, address, secret)
    return address, secret


def forget_channels() -> None:
    """Drop cached channels (after a channel changes in this process, and between tests)."""
    with _lock:
        _cache.clear()
