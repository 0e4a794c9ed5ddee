"""When things happen: newsletter sends, office hours, and buyers' ramp toward their buying window."""

from __future__ import annotations

import random
from dataclasses import dataclass

from leadpact.demo.catalog import CatalogIndex
from leadpact.demo.draw import Weighted, pick
from leadpact.demo.messages import DAY_MS, HOUR_MS, from_ms
from leadpact.demo.records import ContentAsset

_OFFICE_HOURS = Weighted(dict(zip(range(8, 19), [3, 6, 8, 8, 6, 5, 7, 7, 6, 4, 2], strict=True)))
_ANY_HOURS = list(range(7, 24))


@dataclass(frozen=True, slots=True)
class EmailSend:
    """One email campaign sent to everyone identified at the time."""

    ms: int
    campaign: str
    subject: str
    asset: ContentAsset  # what the email features; a click lands there


def email_schedule(start_ms: int, end_ms: int, catalog: CatalogIndex) -> list[EmailSend]:
    """Return the newsletter (fortnightly) and product-update (monthly) sends inside the window."""
    sends: list[EmailSend] = []
    featured = catalog.awareness
    updates = catalog.webinars + catalog.product
    ms, number = start_ms + 2 * DAY_MS + 14 * HOUR_MS, 0
    while ms < end_ms:
        asset = featured[(number * 7) % len(featured)]
        day = from_ms(ms).strftime("%Y-%m-%d")
        sends.append(EmailSend(ms, f"newsletter-{day}", f"Northwind Digest: {asset.title}", asset))
        if number % 2 == 1 and ms + 5 * DAY_MS < end_ms:
            update = updates[(number * 5) % len(updates)]
            sends.append(EmailSend(ms + 5 * DAY_MS, f"product-update-{day}", f"New: {update.title}", update))
        ms += 14 * DAY_MS
        number += 1
    return sends


def place_in_day(rng: random.Random, ms: int, utc_offset: int, office_hours: bool) -> int:
    """Move a moment to a plausible local hour of its day (and working people off weekends)."""
    day = ms // DAY_MS
    if office_hours:
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        if weekday >= 5 and rng.random() < 0.8:
            day -= weekday - 4  # done on Friday instead
        hour = _OFFICE_HOURS.draw(rng)
    else:
        hour = pick(rng, _ANY_HOURS)
    return day * DAY_MS + ((hour - utc_offset) % 24) * HOUR_MS + int(rng.random() * HOUR_MS)


def ramp_time(rng: random.Random, start_ms: int, end_ms: int) -> int:
    """Draw a moment whose density rises linearly toward `end_ms`: a committee warming up."""
    return start_ms + int((end_ms - start_ms) * rng.random() ** 0.5)


def late_time(rng: random.Random, start_ms: int, end_ms: int) -> int:
    """Draw a moment in the last 45 % of a window: when decision-stage requests come."""
    return start_ms + int((end_ms - start_ms) * (0.55 + 0.45 * rng.random()))
