"""Masks for secrets shown to people: enough to recognise which one it is (host, last characters), never enough to
use it. Every API response and listing that mentions a webhook URL, a signing secret or a CRM token goes through
these."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DOTS = "••••"
# A secret shorter than this shows no characters at all: four of eight would be half of it.
SHOWN_FROM = 12


def mask_secret(value: str | None) -> str | None:
    """`••••1a2b`: the last four characters of a long secret, nothing of a short one (None stays None)."""
    if value is None:
        return None
    return DOTS + value[-4:] if len(value) >= SHOWN_FROM else DOTS


def mask_url(url: str | None) -> str | None:
    """`https://hooks.slack.com/…/••••1a2b`: scheme and host, then the last characters of the rest."""
    if url is None:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return mask_secret(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    rest = url.split(parts.netloc, 1)[1]
    return f"{parts.scheme}://{host}/…/{mask_secret(rest) if len(rest) > 1 else DOTS}"


def mask(value: str) -> str:
    """The mask of a URL or of any other secret."""
    return mask_url(value) if "://" in value else mask_secret(value)  # type: ignore[return-value]


def redact(text: str | None, secrets: Iterable[str | None]) -> str | None:
    """`text` with every occurrence of each secret replaced by its mask (an error message that quotes a URL)."""
    if not text:
        return text
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text
