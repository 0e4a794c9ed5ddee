"""Enrichment through the outbox: a request is a row written with the change that needs it; a worker asks the
provider outside any transaction (an HTTP provider's 429, 5xx and timeouts become the outbox's retries, Retry-After
honoured), then fills the account's gaps and evaluates its people in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.db import session_scope
from leadpact.enrichment.models import Firmographic
from leadpact.enrichment.providers import (
    Firmographics,
    Provider,
    ProviderRefused,
    ProviderUnavailable,
    provider_factory,
)
from leadpact.enrichment.service import fill_gaps, release
from leadpact.enrichment.settings import get_enrichment_settings
from leadpact.outbox import Delivery, DeliveryError, OutboxMessage, enqueue
from leadpact.people.models import Account

log = logging.getLogger("leadpact.enrichment")
KIND = "enrichment"
TOPIC = "account.enrich"


def request_enrichment(*, session: Session, account: Account, now: datetime,
                       again: bool = False) -> OutboxMessage | None:
    """Queue a lookup of the account's domain with the configured provider (None: no provider, no domain, or
    already asked; `again` asks anew)."""
    provider = get_enrichment_settings().enrichment_provider
    if provider == "none" or not account.domain:
        return None
    if provider == "file" and session.get(Firmographic, account.domain) is None:
        return None  # the loaded file does not know it: nothing a worker could add (`enrich load` fills it later)
    key = f"enrichment:{provider}:account:{account.id}" + (f":{now.isoformat()}" if again else "")
    return enqueue(session=session, kind=KIND, topic=TOPIC, destination=provider,
                   payload={"account_id": account.id, "domain": account.domain}, idempotency_key=key, now=now)


def deliver(delivery: Delivery) -> None:
    """The outbox's `enrichment` transport: look the domain up, then fill the account and release its leads."""
    account_id, domain = delivery.payload.get("account_id"), delivery.payload.get("domain")
    if not isinstance(account_id, int) or not isinstance(domain, str):
        raise DeliveryError(f"enrichment #{delivery.id} has no account_id and domain", permanent=True)
    factory = provider_factory(delivery.destination)
    if factory is None:
        # Not permanent: the row waits for a worker that has the provider's plug-in loaded.
        raise DeliveryError(f"no enrichment provider {delivery.destination!r} in this worker")
    with session_scope() as session:
        provider = _provider(factory, session)
        if provider.name == "file":
            _apply(session, provider, account_id, domain, provider.lookup(domain), delivery.now)
            return
    # Anything remote is asked outside the transaction: a slow provider must not hold the database.
    found = _ask(provider, domain)
    with session_scope() as session:
        _apply(session, provider, account_id, domain, found, delivery.now)


def _provider(factory: object, session: Session) -> Provider:
    try:
        return factory(session)  # type: ignore[operator,no-any-return]
    except ProviderRefused as error:
        raise DeliveryError(str(error), permanent=True) from None


def _ask(provider: Provider, domain: str) -> Firmographics | None:
    try:
        return provider.lookup(domain)
    except ProviderUnavailable as error:
        raise DeliveryError(str(error), retry_after=error.retry_after) from None
    except ProviderRefused as error:
        raise DeliveryError(str(error), permanent=True) from None


def _apply(session: Session, provider: Provider, account_id: int, domain: str, found: Firmographics | None,
           now: datetime) -> None:
    account = session.get(Account, account_id)
    if account is None or account.domain != domain or found is None:
        return  # erased, merged or re-domained meanwhile, or unknown to the provider: nothing to fill
    filled = fill_gaps(session=session, account=account, found=found, provider=provider.name, now=now)
    if filled:
        log.info("enriched %s with %s from %s", domain, ", ".join(filled), found.source)
        release(session=session, account_ids=[account.id], now=now)

