"""How identify and group traits land on a person's and an account's columns."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from leadpact.db import integer_range
from leadpact.people.models import Account, Person

# Segment's reserved identify traits (and the snake_case spellings imports use) → person columns.
PERSON_COLUMNS: dict[str, str] = {
    "email": "email",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
    "title": "title",
    "jobTitle": "title",
    "job_title": "title",
    "seniority": "seniority",
    "department": "department",
    "country": "country",
    "phone": "phone",
}
# A person's own describing columns, in table order: what identify writes and a merge carries over.
DESCRIBING_COLUMNS = (
    "email",
    "user_id",
    "first_name",
    "last_name",
    "title",
    "seniority",
    "department",
    "country",
    "phone",
    "company_name",
)
# The account trait listing the columns whose value enrichment supplied (leadpact.enrichment), not a person or CRM.
ENRICHED = "_enriched"
ACCOUNT_COLUMNS: dict[str, str] = {
    "name": "name",
    "industry": "industry",
    "employees": "employees",
    "employee_count": "employees",
    "employeeCount": "employees",
    "country": "country",
}


def company_of(traits: dict[str, Any]) -> dict[str, Any]:
    """Return the company a person's traits describe: `company` as an object, or a bare company name."""
    company = traits.get("company")
    if isinstance(company, dict):
        name = company.get("name")
        if name is None or isinstance(name, str):
            return company
        # A name sent as a number is that number's text; an object or a list names nothing.
        readable = isinstance(name, int | float) and not isinstance(name, bool)
        return {**company, "name": str(name) if readable else None}
    if isinstance(company, str) and company.strip():
        return {"name": company.strip()}
    if isinstance(traits.get("company_name"), str):
        return {"name": traits["company_name"].strip()}
    return {}


@lru_cache(maxsize=65_536)
def name_key(name: str | None) -> str | None:
    """Normalise a company name for matching: lower case, no punctuation or legal suffix."""
    if not name:
        return None
    key = re.sub(r"[^a-z0-9 ]+", " ", name.lower())
    key = re.sub(r"\b(inc|llc|ltd|gmbh|corp|corporation|co|plc|sa|sas|bv|ag|limited)\b", " ", key)
    key = " ".join(key.split())
    return key or None


@lru_cache(maxsize=64)
def _width(column: str) -> int | None:
    return Person.__table__.c[column].type.length


def apply_person_traits(person: Any, traits: dict[str, Any]) -> None:
    """Copy known traits onto the person's columns and merge every trait into `person.traits`."""
    for trait, column in PERSON_COLUMNS.items():
        value = traits.get(trait)
        if value is None or isinstance(value, dict | list) or value == "":
            continue
        text = str(value).strip()
        if column == "email":
            text = text.lower()
        # Cut to the column's width: a long trait must not fail the batch; the full value stays in traits.
        setattr(person, column, text[: _width(column)])
    if "name" in traits and isinstance(traits["name"], str) and not person.first_name:
        first, _, last = traits["name"].strip().partition(" ")
        person.first_name, person.last_name = first or None, last or person.last_name
    company = company_of(traits)
    if company.get("name"):
        person.company_name = str(company["name"])[: _width("company_name")]
    person.traits = {**(person.traits or {}), **traits}


def apply_account_traits(account: Any, traits: dict[str, Any], *, overwrite: bool = True) -> None:
    """Copy known company traits onto the account's columns (only filling gaps when `overwrite` is off; a value
    enrichment supplied counts as a gap: what the person or the CRM says replaces it)."""
    enriched = (account.traits or {}).get(ENRICHED) or []
    said: set[str] = set()
    for trait, column in ACCOUNT_COLUMNS.items():
        value = traits.get(trait)
        if value is None or value == "" or isinstance(value, dict | list):
            continue
        if not overwrite and getattr(account, column) is not None and column not in enriched:
            continue
        if column == "employees":
            value = _as_int(value)
            bounds = _column_range(column)
            # The tracking API refuses such a message (`out_of_range`); other callers keep the column empty.
            if value is None or (bounds is not None and not bounds[0] <= value <= bounds[1]):
                continue
        else:
            value = str(value).strip()[: Account.__table__.c[column].type.length]
        setattr(account, column, value)
        said.add(column)
    if account.name:
        account.name_key = name_key(account.name)
    extra = {k: v for k, v in traits.items() if k not in ACCOUNT_COLUMNS and k != ENRICHED}
    if extra or (enriched and said & set(enriched)):
        merged = {**(account.traits or {}), **extra}
        if enriched:
            left = [column for column in enriched if column not in said]
            if left:
                merged[ENRICHED] = left
            else:
                merged.pop(ENRICHED, None)
        account.traits = merged


def website_domain(traits: dict[str, Any]) -> str | None:
    """Return the bare domain of a company's `website` or `domain` trait."""
    value = traits.get("domain") or traits.get("website")
    if not isinstance(value, str) or not value.strip():
        return None
    host = value.strip().lower().split("//", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.") or None


def out_of_range(traits: dict[str, Any], *, where: str) -> str | None:
    """Say which trait holds a number its account column cannot (an employee count past the column's integer
    range, read from the model), naming it with `where` in front; None when every one fits."""
    for trait, column, bounds in _integer_traits():
        value = traits.get(trait)
        if value is None or isinstance(value, dict | list | bool):
            continue
        number = _as_int(value)
        if number is not None and not bounds[0] <= number <= bounds[1]:
            return (
                f"{where}{trait} {value!r} is out of range: the account's {column} holds whole numbers "
                f"from {bounds[0]} to {bounds[1]}"
            )
    return None


@lru_cache(maxsize=16)
def _column_range(column: str) -> tuple[int, int] | None:
    return integer_range(Account.__table__.c[column])


@lru_cache(maxsize=1)
def _integer_traits() -> tuple[tuple[str, str, tuple[int, int]], ...]:
    """The account traits stored in integer columns, with each column's range (read from the model)."""
    ranges = ((trait, column, integer_range(Account.__table__.c[column])) for trait, column in ACCOUNT_COLUMNS.items())
    return tuple((trait, column, bounds) for trait, column, bounds in ranges if bounds is not None)


def _as_int(value: Any) -> int | None:
    try:
        return int(float(str(value).replace(",", "")))
    except (ValueError, OverflowError):  # not a number, or infinite
        return None
