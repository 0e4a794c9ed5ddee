"""Matching people to accounts: by email domain (free-mail excluded), else by company name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.people.freemail import email_domain, is_freemail
from leadpact.people.models import Account, Person
from leadpact.people.traits import apply_account_traits, company_of, name_key, website_domain


def account_for_person(session: Session, *, person: Person, now: datetime) -> Account | None:
    """Find or create the account a person belongs to; None when nothing identifies one."""
    company = company_of(person.traits or {})
    domain = email_domain(person.email)
    account = None
    if domain and not is_freemail(domain):
        account = session.scalar(select(Account).where(Account.domain == domain))
        if account is None:
            account = _new_account(session, now=now, domain=domain)
    elif company.get("name"):
        key = name_key(str(company["name"]))
        account = session.scalar(select(Account).where(Account.name_key == key).order_by(Account.id).limit(1))
        if account is None:
            account = _new_account(session, now=now)
    if account is None:
        return None
    # The person's own description of the company fills what the account does not know yet.
    apply_account_traits(account, _company_traits(company), overwrite=False)
    account.updated_at = now
    session.flush()  # later lookups by domain or name in the same batch must see it
    return account


def account_for_group(session: Session, *, group_id: str, traits: dict[str, Any], now: datetime) -> Account:
    """Create or update the account a `group` call names."""
    account = session.scalar(select(Account).where(Account.group_id == group_id))
    domain = website_domain(traits) or (group_id.lower() if "." in group_id and " " not in group_id else None)
    if account is None and domain:
        account = session.scalar(select(Account).where(Account.domain == domain))
    if account is None:
        account = _new_account(session, now=now, domain=domain)
    if account.group_id is None:
        account.group_id = group_id
    if account.domain is None and domain:
        taken = session.scalar(select(Account.id).where(Account.domain == domain))
        account.domain = None if taken else domain
    apply_account_traits(account, traits)
    account.updated_at = now
    session.flush()  # later lookups by domain or name in the same batch must see it
    return account


def _company_traits(company: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": company.get("name"),
        "industry": company.get("industry"),
        "employees": company.get("employee_count", company.get("employees")),
        "country": company.get("country"),
    }


def _new_account(session: Session, *, now: datetime, domain: str | None = None) -> Account:
    account = Account(domain=domain, traits={}, created_at=now, updated_at=now)
    session.add(account)
    session.flush()
    return account
