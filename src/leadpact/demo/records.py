"""The observable records of the demo company: what marketing and sales could see in their own systems.

Nothing here says who is in market, who is a buyer or who is noise; that lives in `truth.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from leadpact.demo.vocabulary import SITE


def plain_dict(record: object) -> dict[str, Any]:
    """Return a flat record's fields as a dict (dataclasses.asdict deep-copies and is ten times slower)."""
    return {name: getattr(record, name) for name in _field_names(type(record))}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, slots=True)
class Account:
    """A company: the firmographics a CRM or enrichment provider holds (industry or size may be missing)."""

    id: str
    domain: str
    name: str
    industry: str | None
    employees: int | None
    country: str
    owner: str | None = None  # email of the rep who owns the account (named accounts), else None

    @property
    def website(self) -> str:
        """Return the company's website URL."""
        return f"https://www.{self.domain}"

    def to_dict(self) -> dict[str, Any]:
        """Return the account as a plain dict."""
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the marketing database knows them once identified (fields may be missing)."""

    id: str
    account_id: str | None
    first_name: str
    last_name: str
    email: str
    title: str | None
    seniority: str | None
    department: str | None
    country: str | None
    phone: str | None
    company_name: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the person as a plain dict."""
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class PersonIdentities:
    """Every identifier a person's events carry, so a simulation can find them after ingest."""

    person_id: str
    user_id: str
    email: str
    anonymous_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the identifiers as a plain dict (anonymous ids as a list)."""
        return {"person_id": self.person_id, "user_id": self.user_id, "email": self.email,
                "anonymous_ids": list(self.anonymous_ids)}


@dataclass(frozen=True, slots=True)
class ContentAsset:
    """A page or piece of content in marketing's catalog."""

    id: str
    title: str
    path: str
    topic: str
    problem: str | None
    funnel_stage: str
    kind: str
    gated: bool = False  # a form stands in front of it (guides, webinars)

    @property
    def url(self) -> str:
        """Return the asset's full URL on the vendor's site."""
        return SITE + self.path

    def to_dict(self) -> dict[str, Any]:
        """Return the asset as a plain dict, with its URL."""
        return {**plain_dict(self), "url": self.url}


@dataclass(frozen=True, slots=True)
class Team:
    """A sales team: its territory (countries; empty for the catch-all team) and manager."""

    id: str
    name: str
    manager_id: str
    countries: tuple[str, ...]
    timezone: str

    def to_dict(self) -> dict[str, Any]:
        """Return the team as a plain dict (countries as a list)."""
        return {**plain_dict(self), "countries": list(self.countries)}


@dataclass(frozen=True, slots=True)
class Rep:
    """A member of the sales org: a rep or a team's manager (their response pace is hidden truth)."""

    id: str
    name: str
    email: str
    team: str
    role: str  # "rep" or "manager"
    weight: float
    capacity: int
    timezone: str

    def to_dict(self) -> dict[str, Any]:
        """Return the rep as a plain dict."""
        return plain_dict(self)
