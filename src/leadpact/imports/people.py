"""Importing people: upsert by email, identities linked, account matched exactly as the live ingest path does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.imports import checks
from leadpact.imports.report import RowRejected
from leadpact.people.accounts import account_for_person
from leadpact.people.models import Identity, Person
from leadpact.people.traits import apply_person_traits

# Person columns with their sizes, and the Segment reserved trait each is stored under (as identify would).
PERSON_FIELDS: dict[str, tuple[str, int]] = {
    "first_name": ("firstName", 120),
    "last_name": ("lastName", 120),
    "name": ("name", 120),
    "title": ("title", 255),
    "seniority": ("seniority", 64),
    "department": ("department", 64),
    "country": ("country", 64),
    "phone": ("phone", 64),
}


class PeopleImporter:
    """Imports people rows one at a time, remembering which row first used each email and user id."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.email_row: dict[str, int] = {}
        self.user_id_row: dict[str, int] = {}
        self.changed: set[int] = set()

    def handle(self, number: int, fields: dict[str, Any], extra: dict[str, Any]) -> str:
        """Store or update the person a row describes; return "stored" or "updated", or raise RowRejected."""
        address = checks.email(fields.get("email"))
        if address in self.email_row:
            raise RowRejected(f"email {address} already appears in row {self.email_row[address]}")
        user_id = checks.text("user_id", fields.get("user_id"), 255)
        if user_id is not None and user_id in self.user_id_row:
            raise RowRejected(f"user id {user_id} already appears in row {self.user_id_row[user_id]}")
        traits = {**extra, **_traits(fields), "email": address}
        person = self._find(address, user_id)
        created = person is None
        if person is None:
            person = Person(traits={}, created_at=self.now, updated_at=self.now)
            self.session.add(person)
        apply_person_traits(person, traits)
        if user_id is not None and person.user_id is None:
            person.user_id = user_id
        person.identified_at = person.identified_at or self.now
        person.updated_at = self.now
        self.session.flush()
        if created:
            # `_find` already looked for this email among identities: it is free, no need to ask again.
            self.session.add(Identity(kind="email", value=address, person_id=person.id, created_at=self.now))
        else:
            link_identity(self.session, person=person, kind="email", value=address, now=self.now)
        if user_id is not None:
            link_identity(self.session, person=person, kind="user_id", value=user_id, now=self.now)
        account = account_for_person(self.session, person=person, now=self.now)
        if account is not None:
            person.account_id = account.id
        self.email_row[address] = number
        if user_id is not None:
            self.user_id_row[user_id] = number
        self.changed.add(person.id)
        return "stored" if created else "updated"

    def _find(self, address: str, user_id: str | None) -> Person | None:
        """Return the person this email (or, failing that, this user id) already belongs to, checking conflicts."""
        person = person_with_email(self.session, address)
        if user_id is None:
            return person
        holder = _person_with_user_id(self.session, user_id)
        if person is None:
            if holder is not None and holder.email and holder.email != address:
                raise RowRejected(f"user id {user_id} already belongs to another person ({holder.email})")
            return holder
        if holder is not None and holder.id != person.id:
            raise RowRejected(f"user id {user_id} already belongs to another person ({holder.email or 'anonymous'})")
        if person.user_id is not None and person.user_id != user_id:
            raise RowRejected(f"{address} already has user id {person.user_id}, not {user_id}")
        return person


def person_with_email(session: Session, address: str) -> Person | None:
    """Return the person holding an email, by their email column or an email identity."""
    person = session.scalar(select(Person).where(Person.email == address))
    if person is not None:
        return person
    person_id = session.scalar(select(Identity.person_id).where(Identity.kind == "email", Identity.value == address))
    return session.get(Person, person_id) if person_id is not None else None


def person_for_email(session: Session, address: str, *, now: datetime) -> Person:
    """Return the person with this email, creating them (identity and account linked) when nobody has it."""
    return person_with_email(session, address) or new_person_with_email(session, address, now=now)


def new_person_with_email(session: Session, address: str, *, now: datetime) -> Person:
    """Create a person known by an email nobody holds yet, with their email identity and matched account."""
    person = Person(traits={}, created_at=now, updated_at=now, identified_at=now)
    session.add(person)
    apply_person_traits(person, {"email": address})
    session.flush()
    session.add(Identity(kind="email", value=address, person_id=person.id, created_at=now))
    account = account_for_person(session, person=person, now=now)
    if account is not None:
        person.account_id = account.id
    return person


def link_identity(session: Session, *, person: Person, kind: str, value: str, now: datetime) -> None:
    """Link an identifier to a person unless it is already linked (to them, or to someone the checks allowed)."""
    taken = session.scalar(select(Identity.id).where(Identity.kind == kind, Identity.value == value))
    if taken is None:
        session.add(Identity(kind=kind, value=value, person_id=person.id, created_at=now))


def _person_with_user_id(session: Session, user_id: str) -> Person | None:
    person = session.scalar(select(Person).where(Person.user_id == user_id))
    if person is not None:
        return person
    person_id = session.scalar(select(Identity.person_id).where(Identity.kind == "user_id", Identity.value == user_id))
    return session.get(Person, person_id) if person_id is not None else None


def _traits(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the row's known fields as identify traits, checking sizes and types first."""
    traits: dict[str, Any] = {}
    for field, (trait, limit) in PERSON_FIELDS.items():
        value = checks.text(field, fields.get(field), limit)
        if value is not None:
            traits[trait] = value
    company = {
        "name": checks.text("company", fields.get("company"), 255),
        "industry": checks.text("industry", fields.get("industry"), 120),
        "employee_count": checks.whole_number("employees", fields.get("employees")),
    }
    company = {key: value for key, value in company.items() if value is not None}
    if company:
        # Segment's reserved `company` trait is an object; account matching reads its name and firmographics.
        traits["company"] = company
    return traits
