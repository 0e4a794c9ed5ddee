"""UTM campaign → marketing channel, the way marketing-ops groups first touches."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

SEARCH_ENGINES = {"google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia"}
SOCIAL_NETWORKS = {"linkedin", "facebook", "twitter", "x", "instagram", "youtube", "reddit", "tiktok"}
PAID_MEDIUMS = {
    "cpc",
    "ppc",
    "paid",
    "paidsearch",
    "paid_search",
    "paid-search",
    "cpm",
    "display",
    "paid_social",
    "paid-social",
    "paidsocial",
    "sponsored",
}


def campaign_of(context: dict[str, Any]) -> dict[str, str]:
    """Return the UTM campaign of a message: `context.campaign`, else the page URL's utm_* parameters."""
    campaign = context.get("campaign")
    if isinstance(campaign, dict) and campaign:
        return {str(k): str(v) for k, v in campaign.items() if v is not None and not isinstance(v, dict | list)}
    page = context.get("page")
    search = page.get("search") if isinstance(page, dict) else None
    if isinstance(search, str) and "utm_" in search:
        params = parse_qs(search.lstrip("?"))
        return {k[4:]: v[0] for k, v in params.items() if k.startswith("utm_") and v}
    return {}


def channel_of(campaign: dict[str, str], referrer: str | None = None) -> str:
    """Classify a touch into a channel: paid_search, paid_social, social, email, events, partner, referral,
    organic_search, display, other_campaign or direct."""
    source = (campaign.get("source") or "").strip().lower()
    medium = (campaign.get("medium") or "").strip().lower()
    if not source and not medium:
        return _channel_from_referrer(referrer)
    return _channel_from_campaign(source, medium)


@lru_cache(maxsize=4096)
def _channel_from_campaign(source: str, medium: str) -> str:
    # Memoised: a company runs few campaigns, and every event of every visitor names one of them.
    if medium in {"email", "e-mail", "newsletter"} or source in {"newsletter", "email"}:
        return "email"
    if medium in {"event", "events", "webinar", "conference", "tradeshow"}:
        return "events"
    if medium in {"partner", "affiliate"} or source == "partner":
        return "partner"
    if medium in {"display", "banner", "cpm"}:
        return "display"
    paid = medium in PAID_MEDIUMS
    if source in SOCIAL_NETWORKS or medium in {"social", "paid_social", "paid-social", "paidsocial"}:
        return "paid_social" if paid or "paid" in medium else "social"
    if source in SEARCH_ENGINES:
        return "paid_search" if paid else "organic_search"
    if paid:
        return "paid_search"
    if medium in {"referral", "referer", "referrer"}:
        return "referral"
    if medium == "organic":
        return "organic_search"
    return "other_campaign"


def _channel_from_referrer(referrer: str | None) -> str:
    if not referrer:
        return "direct"
    return _channel_from_host(referrer.split("//", 1)[-1].split("/", 1)[0].lower())


@lru_cache(maxsize=4096)
def _channel_from_host(host: str) -> str:
    # Memoised by host: the referring sites of a company's traffic are few.
    if any(f"{engine}." in host for engine in SEARCH_ENGINES):
        return "organic_search"
    if any(f"{network}." in host or host == "t.co" for network in SOCIAL_NETWORKS):
        return "social"
    return "referral"
