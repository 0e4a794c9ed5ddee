"""Enrichment (SPEC §5): a pluggable provider fills an account's missing firmographics (name, industry, employees,
country) from its domain — the built-in one from a loaded firmographics file, a generic one over HTTP — never
overwriting what the person or the CRM said, and releasing the leads held for them.

Other domains import from here only. Importing registers the outbox's `enrichment` transport (as leadpact.crm
registers `crm`), so a worker that loads this domain delivers enrichment requests."""

from leadpact.enrichment.delivery import deliver, register, request_enrichment
from leadpact.enrichment.flows import start_enrichment, stop_enrichment
from leadpact.enrichment.models import AccountEnrichment, Firmographic
from leadpact.enrichment.providers import (
    Firmographics,
    Provider,
    ProviderRefused,
    ProviderUnavailable,
    register_provider,
)
from leadpact.enrichment.service import EnrichReport, accounts_with_gaps, enrich_accounts, fill_gaps

register()

__all__ = [
    "AccountEnrichment", "EnrichReport", "Firmographic", "Firmographics", "Provider", "ProviderRefused",
    "ProviderUnavailable", "accounts_with_gaps", "deliver", "enrich_accounts", "fill_gaps", "register",
    "register_provider", "request_enrichment", "start_enrichment", "stop_enrichment",
]
