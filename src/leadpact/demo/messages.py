"""Segment-shape messages (page, track, identify, group, alias), built fast and reproducibly.

Times are integer milliseconds since the epoch until the last moment, because formatting datetimes is the
slowest part of generating millions of messages; message ids come from the seeded generator.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from leadpact.demo.records import ContentAsset
from leadpact.demo.vocabulary import SITE

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
_MILLIS = [f".{m:03d}Z" for m in range(1000)]
# Version 4 and RFC 4122 variant bits, set on 128 random bits.
_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x2 << 62)
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def to_ms(moment: datetime) -> int:
    """Return an aware datetime as integer milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Return milliseconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def seeded_uuid(rng: random.Random) -> str:
    """Return a version-4 UUID drawn from a seeded generator, so ids repeat exactly for the same seed."""
    h = "%032x" % (rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class MessageFactory:
    """Makes messages for one chunk; every id and timestamp comes from its seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._days: dict[int, str] = {}
        self._searches: dict[tuple[tuple[str, str], ...], str] = {}
        self._id_block, self._id_position = "", 0

    def message_id(self) -> str:
        """Return a fresh version-4 UUID drawn from the seeded generator."""
        position = self._id_position
        if position >= len(self._id_block):
            # Hex for 512 ids at a time: slicing it is cheaper than 128-bit integer work per message.
            self._id_block, position = self.rng.randbytes(16 * 512).hex(), 0
        h = self._id_block[position:position + 32]
        self._id_position = position + 32
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

    def timestamp(self, ms: int) -> str:
        """Return ISO-8601 UTC with milliseconds and a Z, as Segment libraries send it."""
        day, rest = divmod(ms, DAY_MS)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = from_ms(day * DAY_MS).strftime("%Y-%m-%dT")
        seconds, millis = divmod(rest, 1000)
        return prefix + _CLOCK[seconds] + _MILLIS[millis]

    def page(self, ms: int, anonymous_id: str, user_id: str | None, asset: ContentAsset, referrer: str,
             campaign: dict[str, str] | None, device: tuple[str, str]) -> dict[str, Any]:
        """Return a page view of a catalog asset (with the campaign on a landing page)."""
        path, title = asset.path, asset.title
        url = SITE + path
        if campaign is None:
            context: dict[str, Any] = {"page": {"path": path, "url": url, "title": title, "referrer": referrer},
                                       "userAgent": device[0], "ip": device[1]}
        else:
            key = tuple(campaign.items())
            search = self._searches.get(key)
            if search is None:  # campaigns repeat endlessly; build each query string once
                search = self._searches[key] = "?" + "&".join(f"utm_{k}={v.replace(' ', '+')}" for k, v in key)
            url += search
            context = {"page": {"path": path, "url": url, "title": title, "referrer": referrer, "search": search},
                       "userAgent": device[0], "ip": device[1], "campaign": campaign}
        return {"type": "page", "messageId": self.message_id(), "anonymousId": anonymous_id, "userId": user_id,
                "timestamp": self.timestamp(ms), "name": title,
                "properties": {"path": path, "url": url, "title": title, "referrer": referrer},
                "context": context}

    def track(self, ms: int, anonymous_id: str | None, user_id: str | None, event: str,
              properties: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        """Return a track call: a named event with its properties."""
        return {"type": "track", "messageId": self.message_id(), "anonymousId": anonymous_id, "userId": user_id,
                "timestamp": self.timestamp(ms), "event": event, "properties": properties, "context": context}

    def identify(self, ms: int, anonymous_id: str | None, user_id: str, traits: dict[str, Any],
                 context: dict[str, Any]) -> dict[str, Any]:
        """Return an identify call tying an anonymous id to a user id, with traits."""
        return {"type": "identify", "messageId": self.message_id(), "anonymousId": anonymous_id,
                "userId": user_id, "timestamp": self.timestamp(ms), "traits": traits, "context": context}

    def group(self, ms: int, anonymous_id: str | None, user_id: str, group_id: str, traits: dict[str, Any],
              context: dict[str, Any]) -> dict[str, Any]:
        """Return a group call placing a user in an account (groupId is the account's domain)."""
        return {"type": "group", "messageId": self.message_id(), "anonymousId": anonymous_id, "userId": user_id,
                "timestamp": self.timestamp(ms), "groupId": group_id, "traits": traits, "context": context}

    def alias(self, ms: int, previous_id: str, user_id: str, context: dict[str, Any]) -> dict[str, Any]:
        """Return an alias call merging an earlier anonymous id into a user id."""
        return {"type": "alias", "messageId": self.message_id(), "anonymousId": None, "userId": user_id,
                "previousId": previous_id, "timestamp": self.timestamp(ms), "context": context}


def web_context(asset: ContentAsset, device: tuple[str, str], referrer: str = "") -> dict[str, Any]:
    """Return the context of a call made on a page of the site (forms, identify after a form)."""
    return {"page": {"path": asset.path, "url": SITE + asset.path, "title": asset.title, "referrer": referrer},
            "userAgent": device[0], "ip": device[1]}
