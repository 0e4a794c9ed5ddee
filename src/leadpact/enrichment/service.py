"""Filling accounts' missing firmographics from a provider: only gaps are filled — what the person or the CRM said
is never overwritten — each value keeps its provider, source and time, and the account's people are evaluated
again at once, so a lead held in needs_context for its company or size is handed off as soon as the answer lands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadpact.enrichment.models import AccountEnrichment
from leadpact.enrichment.providers import FIELDS, Firmographics, Provider
from leadpact.ingest.service import notify_people_changed
from leadpact.people.models import Account, Person
from leadpact.people.traits import ENRICHED, name_key

GAPS = or_(Account.name.is_(None), Account.industry.is_(None), Account.employees.is_(None),
           Account.country.is_(None))


@dataclass
class EnrichReport:
    """What one round of enrichment did: accounts asked about, accounts and fields filled, leads released."""

    asked: int = 0
    unknown: int = 0
    enriched: int = 0
    fields: int = 0
    handed_off: int = 0
    filled: dict[str, list[str]] = field(default_factory=dict)  # domain → fields filled


def fill_gaps(*, session: Session, account: Account, found: Firmographics, provider: str,
              now: datetime) -> list[str]:
    """Fill the account's empty firmographics from `found` and record each value's provenance; return the fields
    filled (none that the account already had a value for)."""
    filled = []
    for name in FIELDS:
        value = getattr(found, name)
        if value is None or getattr(account, name) is not None:
            continue
        setattr(account, name, value)
        filled.append(name)
        record = session.scalar(select(AccountEnrichment).where(AccountEnrichment.account_id == account.id,
                                                                AccountEnrichment.field == name))
        if record is None:
            record = AccountEnrichment(account_id=account.id, field=name)
            session.add(record)
        record.value, record.provider, record.source, record.enriched_at = str(value), provider, found.source[:500], now
    if not filled:
        return []
    if "name" in filled:
        account.name_key = name_key(account.name)
    traits = dict(account.traits or {})
    # Marked so that what a person or the CRM says later replaces an enriched value (see people.traits).
    traits[ENRICHED] = sorted({*traits.get(ENRICHED, []), *filled})
    account.traits = traits
    account.updated_at = now
    session.flush()
    return filled


def accounts_with_gaps(*, session: Session, domains: Iterable[str] | None = None,
                       account_ids: Iterable[int] | None = None) -> list[Account]:
    """Accounts with a domain and at least one missing firmographic (among `domains` or `account_ids` if given)."""
    query = select(Account).where(Account.domain.is_not(None), GAPS).order_by(Account.id)
    if domains is not None:
        query = query.where(Account.domain.in_(sorted(set(domains))))
    if account_ids is not None:
        query = query.where(Account.id.in_(sorted(set(account_ids))))
    return list(session.scalars(query))


def enrich_accounts(*, session: Session, provider: Provider, accounts: list[Account], now: datetime) -> EnrichReport:
    """Ask the provider about each account (in the caller's transaction), fill their gaps, and evaluate their
    people again; raises ProviderUnavailable/ProviderRefused as the provider does."""
    report = EnrichReport()
    changed: list[int] = []
    for account in accounts:
        assert account.domain is not None
        report.asked += 1
        found = provider.lookup(account.domain)
        if found is None:
            report.unknown += 1
            continue
        filled = fill_gaps(session=session, account=account, found=found, provider=provider.name, now=now)
        if filled:
            report.enriched += 1
            report.fields += len(filled)
            report.filled[account.domain] = filled
            changed.append(account.id)
    report.handed_off = release(session=session, account_ids=changed, now=now)
    return report


def release(*, session: Session, account_ids: list[int], now: datetime) -> int:
    """Evaluate the people of these accounts again (their company changed); return how many held leads that
    handed off."""
    if not account_ids:
        return 0
    people = dict(session.execute(select(Person.id, Person.status).where(Person.account_id.in_(account_ids))).all())
    notify_people_changed(session, set(people), now)
    session.flush()
    held = [pid for pid, status in people.items() if status == "needs_context"]
    if not held:
        return 0
    after = session.scalars(select(Person.status).where(Person.id.in_(held))).all()
    return sum(status == "handed_off" for status in after)
