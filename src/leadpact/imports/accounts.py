"""Importing accounts and the content catalog: upserts keyed by domain (else name) and by asset id."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.imports import checks
from leadpact.imports.report import RowRejected
from leadpact.org.models import Rep, User
from leadpact.people.models import Account, ContentAsset
from leadpact.people.traits import apply_account_traits, name_key

FUNNEL_STAGES = ("awareness", "consideration", "decision")


class AccountImporter:
    """Imports account rows, remembering which row first named each domain or company."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.first_row: dict[str, int] = {}
        self.reps: dict[str, int] = {}
        # Accounts that existed and changed: their people's fit may have changed with them.
        self.changed: set[int] = set()

    def handle(self, number: int, fields: dict[str, Any], extra: dict[str, Any]) -> str:
        """Store or update the account a row describes; return "stored" or "updated", or raise RowRejected."""
        domain = checks.domain(fields.get("domain"))
        name = checks.text("name", fields.get("name"), 255)
        if domain is None and name is None:
            raise RowRejected("needs a domain or a company name to identify the account")
        key, label = (domain, f"domain {domain}") if domain else (_name_match(name), f"company {name!r}")
        if key in self.first_row:
            raise RowRejected(f"{label} already appears in row {self.first_row[key]}")
        traits = {
            "name": name,
            "industry": checks.text("industry", fields.get("industry"), 120),
            "employees": checks.whole_number("employees", fields.get("employees")),
            "country": checks.text("country", fields.get("country"), 64),
        }
        owner = fields.get("owner")
        rep_id = self._rep_id(owner) if owner is not None else None
        account = self._find(domain, name)
        created = account is None
        if account is None:
            account = Account(domain=domain, traits={}, created_at=self.now, updated_at=self.now)
            self.session.add(account)
        elif domain is not None and account.domain is None:
            account.domain = domain
        apply_account_traits(account, {**extra, **{k: v for k, v in traits.items() if v is not None}})
        if rep_id is not None:
            account.owner_rep_id = rep_id
        account.updated_at = self.now
        self.session.flush()
        if not created:
            self.changed.add(account.id)
        self.first_row[key] = number
        return "stored" if created else "updated"

    def _find(self, domain: str | None, name: str | None) -> Account | None:
        if domain is not None:
            account = self.session.scalar(select(Account).where(Account.domain == domain))
            if account is not None or name is None:
                return account
            # An account first met by company name (a person with a free-mail address) gains its domain now.
            return self.session.scalar(
                select(Account)
                .where(Account.name_key == name_key(name), Account.domain.is_(None))
                .order_by(Account.id)
                .limit(1)
            )
        return self.session.scalar(
            select(Account).where(Account.name_key == name_key(name)).order_by(Account.id).limit(1)
        )

    def _rep_id(self, owner: Any) -> int:
        address = checks.email(owner, field="owner")
        if address not in self.reps:
            user = self.session.scalar(select(User).where(func.lower(User.email) == address))
            if user is None:
                raise RowRejected(f"owner {address} is not a leadpact user; add them as a rep first")
            rep_id = self.session.scalar(select(Rep.id).where(Rep.user_id == user.id))
            if rep_id is None:
                raise RowRejected(f"owner {address} is a user ({user.role}) but not a sales rep")
            self.reps[address] = rep_id
        return self.reps[address]


class ContentImporter:
    """Imports content catalog rows (upsert by asset id), remembering which row first used each id."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.first_row: dict[str, int] = {}
        self.ignored: set[str] = set()

    def handle(self, number: int, fields: dict[str, Any], extra: dict[str, Any]) -> str:
        """Store or update the content asset a row describes; return "stored" or "updated", or raise RowRejected."""
        # Content assets have no traits: other columns are reported as ignored rather than silently dropped.
        self.ignored.update(extra)
        asset_id = checks.text("id", fields.get("id"), 120)
        if asset_id is None:
            raise RowRejected("id is missing")
        if asset_id in self.first_row:
            raise RowRejected(f"id {asset_id} already appears in row {self.first_row[asset_id]}")
        values = {
            "title": checks.text("title", fields.get("title"), 500),
            "path": _page_path(checks.text("path", fields.get("path"), 500)),
            "topic": checks.text("topic", fields.get("topic"), 200),
            "problem": checks.text("problem", fields.get("problem"), 500),
            "funnel_stage": _funnel_stage(fields.get("funnel_stage")),
        }
        asset = self.session.get(ContentAsset, asset_id)
        created = asset is None
        if asset is None:
            if values["title"] is None:
                raise RowRejected(f"title is missing (needed for the new asset {asset_id})")
            asset = ContentAsset(id=asset_id, title=values["title"], created_at=self.now)
            self.session.add(asset)
        for column, value in values.items():
            if value is not None:
                setattr(asset, column, value)
        asset.updated_at = self.now
        self.session.flush()
        self.first_row[asset_id] = number
        return "stored" if created else "updated"


def _name_match(name: str | None) -> str:
    return "name:" + (name_key(name) or (name or "").lower())


def _page_path(value: str | None) -> str | None:
    """Keep only the path of a full URL: events carry page paths, and that is what assets are matched on."""
    if value is None or "://" not in value:
        return value
    return urlsplit(value).path or "/"


def _funnel_stage(value: Any) -> str | None:
    if value is None:
        return None
    stage = str(value).strip().lower()
    if stage not in FUNNEL_STAGES:
        raise RowRejected(f"funnel_stage {str(value)!r} is not one of {', '.join(FUNNEL_STAGES)}")
    return stage
