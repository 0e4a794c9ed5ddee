"""Enrichment (SPEC §5): a pluggable provider fills an account's missing firmographics (name, industry, employees,
country) from its domain — the built-in one from a loaded firmographics file, a generic one over HTTP — never
overwriting what the person or the CRM said, and releasing the leads held for them.

Other domains import from here only. The composition root wires `on_held` to the engine's moves into
needs_context and `deliver` as the outbox's `enrichment` transport; importing wires nothing."""

from leadpact.enrichment.delivery import KIND, deliver, request_enrichment
from leadpact.enrichment.flows import HELD, on_held
from leadpact.enrichment.models import AccountEnrichment, Firmographic
from leadpact.enrichment.providers import (
    Firmographics,
    Provider,
    ProviderRefused,
    ProviderUnavailable,
    register_provider,
)
from leadpact.enrichment.service import EnrichReport, accounts_with_gaps, enrich_accounts, fill_gaps

__all__ = [
    "HELD", "KIND", "AccountEnrichment", "EnrichReport", "Firmographic", "Firmographics", "Provider",
    "ProviderRefused", "ProviderUnavailable", "accounts_with_gaps", "deliver", "enrich_accounts", "fill_gaps",
    "on_held", "register_provider", "request_enrichment",
]
