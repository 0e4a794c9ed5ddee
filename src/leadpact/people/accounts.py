"""Matching people to accounts: by email domain (free-mail excluded), else by company name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadpact.people.freemail import email_domain, is_freemail
from leadpact.people.models import Account, Person
from leadpact.people.traits import apply_account_traits, company_of, name_key, website_domain

_MISSING = object()


class AccountDirectory:
    """Accounts looked up by domain, company name and group id, remembered for one unit of work so that a batch
    asks the database once per key and sees its own new accounts without flushing."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.by_domain: dict[str, Account | None] = {}
        self.by_name: dict[str, Account | None] = {}
        self.by_group: dict[str, Account | None] = {}

    def preload(self, *, domains: Iterable[str] = (), names: Iterable[str] = (), groups: Iterable[str] = ()) -> None:
        """Fetch the accounts for many keys in one query per kind of key."""
        for index, column, keys in (
            (self.by_domain, Account.domain, domains),
            (self.by_name, Account.name_key, names),
            (self.by_group, Account.group_id, groups),
        ):
            wanted = sorted({k for k in keys if k and k not in index})
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for account in self.session.scalars(select(Account).where(column.in_(chunk)).order_by(Account.id)):
                    index.setdefault(getattr(account, column.key), account)
            for key in wanted:
                index.setdefault(key, None)

    def for_person(self, person: Person) -> Account | None:
        """Find or create the account a person belongs to; None when nothing identifies one."""
        company = company_of(person.traits or {})
        domain = email_domain(person.email)
        account = None
        if domain and not is_freemail(domain):
            account = self._find(self.by_domain, Account.domain, domain) or self._new(domain=domain)
        elif company.get("name"):
            key = name_key(str(company["name"]))
            account = self._find(self.by_name, Account.name_key, key) if key else None
            account = account or self._new()
        if account is None:
            return None
        # The person's own description of the company fills what the account does not know yet.
        self._update(account, _company_traits(company), overwrite=False)
        return account

    def for_group(self, group_id: str, traits: dict[str, Any]) -> Account:
        """Create or update the account a `group` call names."""
        account = self._find(self.by_group, Account.group_id, group_id)
        domain = website_domain(traits) or (group_id.lower() if "." in group_id and " " not in group_id else None)
        if account is None and domain:
            account = self._find(self.by_domain, Account.domain, domain)
        if account is None:
            account = self._new(domain=domain)
        if account.group_id is None:
            account.group_id = group_id
        self.by_group[group_id] = account
        if account.domain is None and domain and self._find(self.by_domain, Account.domain, domain) is None:
            account.domain = domain
            self.by_domain[domain] = account
        self._update(account, traits, overwrite=True)
        return account

    def _find(self, index: dict[str, Account | None], column: Any, key: str) -> Account | None:
        found = index.get(key, _MISSING)
        if found is _MISSING:
            found = self.session.scalar(select(Account).where(column == key).order_by(Account.id).limit(1))
            index[key] = found
        return found  # type: ignore[return-value]

    def _new(self, *, domain: str | None = None) -> Account:
        # Inserted on its own rather than by a flush, which would also write every pending change of the batch.
        table = Account.__table__
        account_id = (
            self.session.connection()
            .execute(
                insert(table).returning(table.c.id),
                {"domain": domain, "traits": {}, "created_at": self.now, "updated_at": self.now},
            )
            .scalar_one()
        )
        account = self.session.get(Account, account_id)
        assert account is not None
        if domain:
            self.by_domain[domain] = account
        return account

    def _update(self, account: Account, traits: dict[str, Any], *, overwrite: bool) -> None:
        before = account.name_key
        apply_account_traits(account, traits, overwrite=overwrite)
        if account.name_key and account.name_key != before and self.by_name.get(account.name_key) is None:
            self.by_name[account.name_key] = account
        account.updated_at = self.now


def account_for_person(session: Session, *, person: Person, now: datetime) -> Account | None:
    """Find or create the account a person belongs to (a one-off lookup; batches use AccountDirectory)."""
    return AccountDirectory(session, now=now).for_person(person)


def account_for_group(session: Session, *, group_id: str, traits: dict[str, Any], now: datetime) -> Account:
    """Create or update the account a `group` call names (a one-off lookup; batches use AccountDirectory)."""
    return AccountDirectory(session, now=now).for_group(group_id, traits)


def _company_traits(company: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": company.get("name"),
        "industry": company.get("industry"),
        "employees": company.get("employee_count", company.get("employees")),
        "country": company.get("country"),
    }
