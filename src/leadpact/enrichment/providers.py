"""Enrichment providers: anything that, given a company's domain, says what it knows of its name, industry, size
and country. The built-in one reads the firmographics file `leadpact enrich load` stored; a plug-in registers its
own with `register_provider`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from leadpact.enrichment.models import Firmographic

FIELDS = ("name", "industry", "employees", "country")


@dataclass(frozen=True)
class Firmographics:
    """What a provider knows of one company, and where it came from (a file's name, a URL)."""

    source: str
    name: str | None = None
    industry: str | None = None
    employees: int | None = None
    country: str | None = None


class ProviderUnavailable(Exception):
    """The provider could not answer now (rate limit, timeout, 5xx): ask again later, after `retry_after` seconds
    when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRefused(Exception):
    """The provider refused the question for good (bad request, bad answer): asking again cannot help."""


class Provider(Protocol):
    """Looks a company up by domain: its firmographics, None when it does not know it, or ProviderUnavailable."""

    name: str

    def lookup(self, domain: str) -> Firmographics | None: ...


class FileProvider:
    """The built-in provider: the firmographics loaded from a file, in the database."""

    name = "file"

    def __init__(self, session: Session) -> None:
        self.session = session

    def lookup(self, domain: str) -> Firmographics | None:
        """Return the loaded row for the domain, or None."""
        row = self.session.get(Firmographic, domain)
        if row is None:
            return None
        return Firmographics(source=row.source, name=row.name, industry=row.industry, employees=row.employees,
                             country=row.country)


# Providers by name; each factory gets the session of the transaction the answer is stored in.
ProviderFactory = Callable[[Session], Provider]


def _http(_session: Session) -> Provider:
    from leadpact.enrichment.http import http_provider

    return http_provider()


_providers: dict[str, ProviderFactory] = {"file": FileProvider, "http": _http}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make a provider available as LEADPACT_ENRICHMENT_PROVIDER=name."""
    _providers[name] = factory


def provider_factory(name: str) -> ProviderFactory | None:
    """Return the factory of the named provider, or None when nobody registered it."""
    return _providers.get(name)
