"""The generic HTTP provider: GET a URL made from a template and the domain, read the firmographics out of the
JSON answer by dotted paths, at most so many requests a second; a 429, a 5xx or a timeout is "ask again later"
(the outbox retries it, honouring Retry-After), a 404 is "unknown company"."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from leadpact.enrichment.providers import FIELDS, Firmographics, ProviderRefused, ProviderUnavailable
from leadpact.enrichment.settings import EnrichmentSettings, get_enrichment_settings

TEXT_LIMITS = {"name": 255, "industry": 120, "country": 64}


class Pacer:
    """At most `per_second` requests a second from this process, however many threads ask."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may go."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class HttpProvider:
    """Looks companies up over HTTP: `url` with {domain}, `fields` mapping each firmographic to a JSON path."""

    name = "http"

    def __init__(self, *, url: str, fields: dict[str, str], headers: dict[str, str] | None = None,
                 timeout: float = 10.0, per_second: float = 5.0) -> None:
        if "{domain}" not in url:
            raise ProviderRefused(f"the enrichment URL {url!r} has no {{domain}} for the company's domain")
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise ProviderRefused(f"enrichment fields {', '.join(unknown)} are not firmographics; use "
                                  f"{', '.join(FIELDS)}")
        self.url, self.fields, self.headers, self.timeout = url, fields, headers or {}, timeout
        self.pacer = Pacer(per_second)
        self.client = httpx.Client(timeout=timeout, headers=self.headers, follow_redirects=True)

    def lookup(self, domain: str) -> Firmographics | None:
        """Ask the provider about one domain."""
        url = self.url.replace("{domain}", quote(domain, safe=""))
        self.pacer.wait()
        try:
            response = self.client.get(url)
        except httpx.TimeoutException:
            raise ProviderUnavailable(f"{url} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"{url} could not be reached: {error}") from None
        if response.status_code == 404:
            return None
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"{url} answered {response.status_code}",
                                      retry_after=_retry_after(response.headers.get("retry-after")))
        if response.status_code >= 400:
            raise ProviderRefused(f"{url} answered {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            raise ProviderRefused(f"{url} answered with something that is not JSON") from None
        return Firmographics(source=url, **{field: _value(field, _at(answer, path))
                                            for field, path in self.fields.items()})

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def _retry_after(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None  # an HTTP date: the outbox's backoff is as good


def _at(answer: Any, path: str) -> Any:
    """The value at a dotted path (`company.metrics.employees`, `data.0.name`), or None."""
    value = answer
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _value(field: str, value: Any) -> Any:
    """A firmographic as the account stores it; what does not fit (a text where a count goes) is not used."""
    if value is None or isinstance(value, dict | list):
        return None
    if field == "employees":
        if isinstance(value, bool):
            return None
        try:
            number = float(str(value).replace(",", ""))
        except ValueError:
            return None
        return int(number) if number >= 0 and number == int(number) and number < 2**31 else None
    text = str(value).strip()
    return text[: TEXT_LIMITS[field]] or None


_provider: dict[tuple[Any, ...], HttpProvider] = {}


def http_provider(settings: EnrichmentSettings | None = None) -> HttpProvider:
    """The HTTP provider the settings describe (one per process and settings, so its pacing is shared)."""
    settings = settings or get_enrichment_settings()
    if not settings.enrichment_url:
        raise ProviderRefused("LEADPACT_ENRICHMENT_PROVIDER is http but LEADPACT_ENRICHMENT_URL is not set")
    key = (settings.enrichment_url, tuple(sorted(settings.enrichment_fields.items())),
           tuple(sorted(settings.enrichment_headers.items())), settings.enrichment_timeout_seconds,
           settings.enrichment_requests_per_second)
    if key not in _provider:
        _provider[key] = HttpProvider(url=settings.enrichment_url, fields=settings.enrichment_fields,
                                      headers=settings.enrichment_headers, timeout=settings.enrichment_timeout_seconds,
                                      per_second=settings.enrichment_requests_per_second)
    return _provider[key]
