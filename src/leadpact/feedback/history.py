"""Historic outcomes: deals won, lost or still open before leadpact (a CRM export, or `crm pull --history`), stored
as opportunities of their source for a person — or, when no person is named, for the account alone — so that
evidence reads person- and account-level history beside the deals leadpact's own handoffs made.

History never moves anyone through the lifecycle: a deal won in 2016 says what kind of buyer wins, not that
today's lead has bought."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.handoff.models import Opportunity
from leadpact.imports.people import person_with_email
from leadpact.people.freemail import email_domain, is_freemail
from leadpact.people.models import Account, Identity, Person
from leadpact.people.traits import apply_account_traits, apply_person_traits, name_key

SOURCES = ("import", "hubspot", "salesforce")
STAGES = ("won", "lost", "open")


class HistoryRefused(ValueError):
    """A historic deal that cannot be stored as given, with what is wrong in words."""


@dataclass(frozen=True)
class HistoricDeal:
    """One deal from a CRM's history: who (an email, or only an account), how it ended, when, for how much."""

    source: str  # import | hubspot | salesforce
    stage: str  # won | lost | open
    external_id: str | None = None  # the deal's id in its source; None: derived from what the deal is
    email: str | None = None
    domain: str | None = None
    company: str | None = None
    name: str | None = None
    source_stage: str | None = None  # the stage as the source named it
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    amount: float | None = None
    currency: str | None = None
    lost_reason: str | None = None
    owner: str | None = None
    industry: str | None = None
    employees: int | None = None
    country: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """The deal's id in its source, or one derived from who, what and when (so re-importing stores it once)."""
        if self.external_id:
            return self.external_id
        who = self.email or self.domain or name_key(self.company) or ""
        what = self.name or f"{self.amount!r}"
        when = self.opened_at.date().isoformat() if self.opened_at else ""
        digest = hashlib.sha256(f"{who}|{what}|{when}".encode()).hexdigest()[:32]
        return f"row:{digest}"


def record_deal(*, session: Session, deal: HistoricDeal, now: datetime) -> tuple[str, Opportunity | None]:
    """Store or update one historic deal in the caller's transaction; return ("stored" | "updated" | "tracked",
    the opportunity). "tracked": the deal is already leadpact's own (opened from a handoff and linked to the CRM)."""
    _check(deal)
    key = deal.key()
    if deal.source in ("hubspot", "salesforce") and deal.external_id:
        own = session.scalar(select(Opportunity).where(Opportunity.crm_id == deal.external_id,
                                                       Opportunity.source == "leadpact").limit(1))
        if own is not None:
            return "tracked", own
    person = _person(session, deal, now)
    account = _account(session, deal, person, now)
    opportunity = session.scalar(select(Opportunity).where(Opportunity.source == deal.source,
                                                           Opportunity.external_id == key))
    created = opportunity is None
    if opportunity is None:
        opportunity = Opportunity(source=deal.source, external_id=key, details={})
        session.add(opportunity)
    opportunity.person_id = person.id if person is not None else None
    opportunity.account_id = account.id if account is not None else None
    opportunity.stage = deal.stage
    opportunity.source_stage = (deal.source_stage or deal.stage)[:120]
    opportunity.name = deal.name[:255] if deal.name else None
    opportunity.amount = deal.amount
    opportunity.currency = (deal.currency or "USD").upper()[:3]
    opportunity.opened_at = deal.opened_at
    # An open deal's close date is the one expected: kept, but not as a close.
    opportunity.closed_at = deal.closed_at if deal.stage != "open" else None
    opportunity.lost_reason = deal.lost_reason[:120] if deal.lost_reason and deal.stage == "lost" else None
    opportunity.owner = deal.owner[:320] if deal.owner else None
    opportunity.recorded_at = now
    details = dict(deal.details)
    if deal.stage == "open" and deal.closed_at is not None:
        details["expected_close"] = deal.closed_at.isoformat()
    opportunity.details = details
    session.flush()
    return ("stored" if created else "updated"), opportunity


def _check(deal: HistoricDeal) -> None:
    if deal.source not in SOURCES:
        raise HistoryRefused(f"unknown source {deal.source!r}; use one of {', '.join(SOURCES)}")
    if deal.stage not in STAGES:
        raise HistoryRefused(f"stage {deal.stage!r} is not won, lost or open")
    if not (deal.email or deal.domain or deal.company):
        raise HistoryRefused("names neither a person's email nor an account (domain or company name)")
    if deal.amount is not None and deal.amount < 0:
        raise HistoryRefused(f"amount {deal.amount:g} is negative")
    if deal.opened_at and deal.closed_at and deal.stage != "open" and deal.closed_at < deal.opened_at:
        raise HistoryRefused(f"closed {deal.closed_at:%Y-%m-%d}, before it was created {deal.opened_at:%Y-%m-%d}")


def _person(session: Session, deal: HistoricDeal, now: datetime) -> Person | None:
    """The person the deal names by email (None when it names none); created, known by that email, when new."""
    if not deal.email:
        return None
    person = person_with_email(session, deal.email)
    if person is None:
        person = Person(traits={}, created_at=now, updated_at=now, identified_at=now)
        session.add(person)
        apply_person_traits(person, {"email": deal.email})
        session.flush()
        session.add(Identity(kind="email", value=deal.email, person_id=person.id, created_at=now))
    return person


def _account(session: Session, deal: HistoricDeal, person: Person | None, now: datetime) -> Account | None:
    """The account the deal belongs to: the person's; else the one its domain (or the person's work email's) or
    company name names, created when new. What the deal says about the company fills the account's gaps only."""
    account = session.get(Account, person.account_id) if person is not None and person.account_id else None
    if account is None:
        work = email_domain(deal.email) if deal.email else None
        domain = deal.domain or (work if work and not is_freemail(work) else None)
        if domain or deal.company:
            account = _find_account(session, domain, deal.company)
            if account is None:
                account = Account(domain=domain, traits={}, created_at=now, updated_at=now)
                session.add(account)
            elif domain and account.domain is None and _find_account(session, domain, None) is None:
                account.domain = domain  # a company first met by name gains its domain
            session.flush()
            if person is not None:
                person.account_id = account.id
    if account is None:
        return None
    traits = {"name": deal.company, "industry": deal.industry, "employees": deal.employees, "country": deal.country}
    apply_account_traits(account, {k: v for k, v in traits.items() if v is not None}, overwrite=False)
    account.updated_at = now
    session.flush()
    return account


def _find_account(session: Session, domain: str | None, company: str | None) -> Account | None:
    """By domain; else by company name — only among accounts with no domain yet when the deal names a domain."""
    if domain:
        found = session.scalar(select(Account).where(Account.domain == domain))
        if found is not None:
            return found
    key = name_key(company)
    if not key:
        return None
    query = select(Account).where(Account.name_key == key)
    if domain:
        query = query.where(Account.domain.is_(None))
    return session.scalar(query.order_by(Account.id).limit(1))
