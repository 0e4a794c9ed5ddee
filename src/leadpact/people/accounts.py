"""Matching people to accounts: by email domain (free-mail excluded), else by company name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadpact.db import bind_processors, driver_params, execute_many, fetch_rows, placeholder, select_in
from leadpact.people.freemail import email_domain, is_freemail
from leadpact.people.models import Account, Person
from leadpact.people.traits import apply_account_traits, company_of, name_key, website_domain

_MISSING = object()
# The columns matching reads and trait updates change; the rest of an account is left to its owners.
COLUMNS = ("domain", "group_id", "name", "name_key", "industry", "employees", "country", "traits")


class AccountRow:
    """An account's matchable columns as plain attributes (what `apply_account_traits` reads and writes)."""

    __slots__ = ("id", *COLUMNS)

    def __init__(self, row: Any) -> None:
        for name, value in row.items():
            setattr(self, name, value)
        self.traits = dict(self.traits or {})

    def values(self) -> tuple[Any, ...]:
        """The columns in COLUMNS order (to tell whether an update changed anything)."""
        return tuple(getattr(self, c) for c in COLUMNS)


class AccountDirectory:
    """Accounts looked up by domain, company name and group id, remembered for one unit of work so that a batch
    asks the database once per key, sees its own new accounts, and writes its changes in one statement.

    Plain rows rather than ORM objects: a batch of identifies touches hundreds of accounts, and the ORM's
    per-object bookkeeping cost more than the matching itself. Call `save` before the unit of work ends."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.by_domain: dict[str, AccountRow | None] = {}
        self.by_name: dict[str, AccountRow | None] = {}
        self.by_group: dict[str, AccountRow | None] = {}
        self.loaded: dict[int, tuple[Any, ...]] = {}
        self.rows: dict[int, AccountRow] = {}

    def preload(self, *, domains: Iterable[str] = (), names: Iterable[str] = (), groups: Iterable[str] = ()) -> None:
        """Fetch the accounts for many keys in one query per kind of key."""
        table = Account.__table__
        for index, column, keys in (
            (self.by_domain, table.c.domain, domains),
            (self.by_name, table.c.name_key, names),
            (self.by_group, table.c.group_id, groups),
        ):
            wanted = sorted({k for k in keys if k and k not in index})
            for start in range(0, len(wanted), 500):
                for account in self._select_in(column.key, wanted[start : start + 500]):
                    index.setdefault(getattr(account, column.key), account)
            for key in wanted:
                index.setdefault(key, None)

    def for_person(self, person: Any) -> AccountRow | None:
        """Find or create the account a person (anything with `traits` and `email`) belongs to; None when
        nothing identifies one."""
        company = company_of(person.traits or {})
        domain = email_domain(person.email)
        account = None
        if domain and not is_freemail(domain):
            account = self._find(self.by_domain, "domain", domain) or self._new(domain=domain)
        elif company.get("name"):
            key = name_key(str(company["name"]))
            account = self._find(self.by_name, "name_key", key) if key else None
            account = account or self._new()
        if account is None:
            return None
        # The person's own description of the company fills what the account does not know yet.
        self._update(account, _company_traits(company), overwrite=False)
        return account

    def for_group(self, group_id: str, traits: dict[str, Any]) -> AccountRow:
        """Create or update the account a `group` call names."""
        account = self._find(self.by_group, "group_id", group_id)
        domain = website_domain(traits) or (group_id.lower() if "." in group_id and " " not in group_id else None)
        if account is None and domain:
            account = self._find(self.by_domain, "domain", domain)
        if account is None:
            account = self._new(domain=domain)
        if account.group_id is None:
            account.group_id = group_id
        self.by_group[group_id] = account
        if account.domain is None and domain and self._find(self.by_domain, "domain", domain) is None:
            account.domain = domain
            self.by_domain[domain] = account
        self._update(account, traits, overwrite=True)
        return account

    def save(self) -> None:
        """Write every account this unit of work changed, in one statement, and expire stale ORM copies."""
        changed = [a for a in self.rows.values() if a.values() != self.loaded.get(a.id)]
        if not changed:
            return
        connection = self.session.connection()
        mark = placeholder(connection)
        columns = [*COLUMNS, "updated_at"]
        processors = bind_processors(connection, Account.__table__, columns)
        params = []
        for account in changed:
            values = [*account.values(), self.now]
            params.append((*(p(v) if p else v for v, p in zip(values, processors, strict=True)), account.id))
            self.loaded[account.id] = account.values()
        sql = f"UPDATE accounts SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}"
        execute_many(connection, sql, params)
        identity_map = self.session.identity_map
        for account in changed:
            stale = identity_map.get(self.session.identity_key(Account, account.id))
            if stale is not None:
                self.session.expire(stale)

    def _select_in(self, column: str, keys: list[str]) -> list[AccountRow]:
        names = ("id", *COLUMNS)
        found = []
        for values in select_in(self.session.connection(), Account.__table__, names, column, keys):
            account = self.rows.get(values[0])
            if account is None:
                account = self.rows[values[0]] = AccountRow(dict(zip(names, values, strict=True)))
                self.loaded[account.id] = account.values()
            found.append(account)
        return found

    def _find(self, index: dict[str, AccountRow | None], column: str, key: str) -> AccountRow | None:
        found = index.get(key, _MISSING)
        if found is _MISSING:
            matches = self._select_in(column, [key])
            found = index[key] = matches[0] if matches else None
        return found  # type: ignore[return-value]

    def _new(self, *, domain: str | None = None) -> AccountRow:
        connection = self.session.connection()
        mark = placeholder(connection)
        row = {"domain": domain, "traits": {}, "created_at": self.now, "updated_at": self.now}
        [params] = driver_params(connection, Account.__table__, list(row), [row])
        # Straight to the driver: a batch of first identifies creates accounts by the dozen.
        [(account_id,)] = fetch_rows(
            connection,
            f"INSERT INTO accounts ({', '.join(row)}) VALUES ({', '.join([mark] * len(row))}) RETURNING id",
            params,
        )
        account = AccountRow({"id": account_id, **dict.fromkeys(COLUMNS), "domain": domain, "traits": {}})
        self.rows[account_id] = account
        self.loaded[account_id] = account.values()
        if domain:
            self.by_domain[domain] = account
        return account

    def _update(self, account: AccountRow, traits: dict[str, Any], *, overwrite: bool) -> None:
        before = account.name_key
        apply_account_traits(account, traits, overwrite=overwrite)
        if account.name_key and account.name_key != before and self.by_name.get(account.name_key) is None:
            self.by_name[account.name_key] = account


def account_for_person(session: Session, *, person: Person, now: datetime) -> AccountRow | None:
    """Find or create the account a person belongs to (a one-off lookup; batches use AccountDirectory)."""
    directory = AccountDirectory(session, now=now)
    account = directory.for_person(person)
    directory.save()
    return account


def account_for_group(session: Session, *, group_id: str, traits: dict[str, Any], now: datetime) -> AccountRow:
    """Create or update the account a `group` call names (a one-off lookup; batches use AccountDirectory)."""
    directory = AccountDirectory(session, now=now)
    account = directory.for_group(group_id, traits)
    directory.save()
    return account


def _company_traits(company: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": company.get("name"),
        "industry": company.get("industry"),
        "employees": company.get("employee_count", company.get("employees")),
        "country": company.get("country"),
    }
