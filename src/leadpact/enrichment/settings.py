"""Enrichment settings (LEADPACT_ENRICHMENT_*): which provider fills accounts' gaps, and how the HTTP one is called."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from leadpact.config import environment_stamp

DEFAULT_FIELDS = {"name": "name", "industry": "industry", "employees": "employees", "country": "country"}


class EnrichmentSettings(BaseSettings):
    """Which provider enriches accounts and, for the generic HTTP provider, where it asks and how politely."""

    model_config = SettingsConfigDict(env_prefix="LEADPACT_", env_file="leadpact.env", extra="ignore")

    # file: the firmographics `leadpact enrich load` stored; http: the URL below; none: no enrichment; or the name
    # of a provider a plug-in registered.
    enrichment_provider: str = "file"
    # The HTTP provider's URL, with {domain} where the account's domain goes: https://api.example/v1/companies/{domain}
    enrichment_url: str | None = None
    # Where each firmographic sits in the provider's JSON answer (dotted paths, list indexes as numbers).
    enrichment_fields: dict[str, str] = dict(DEFAULT_FIELDS)
    # Headers sent with every request (an API key: {"Authorization": "Bearer …"}).
    enrichment_headers: dict[str, str] = {}
    enrichment_timeout_seconds: float = 10.0
    enrichment_requests_per_second: float = 5.0


def get_enrichment_settings() -> EnrichmentSettings:
    """Return the enrichment settings for the current environment (re-read whenever a LEADPACT_ variable changes)."""
    return _settings_for(*environment_stamp())


@lru_cache(maxsize=8)
def _settings_for(_environment: tuple[tuple[str, str], ...], _env_file: int | None) -> EnrichmentSettings:
    return EnrichmentSettings()
