"""Privacy, as the CLI and the API ask for it: find a person by email, erase them, export them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadpact.people.models import Identity, Person
from leadpact.privacy.erasure import erase
from leadpact.privacy.export import export_people


class PrivacyError(ValueError):
    """A request that cannot be done (not an email address), with the reason in words."""


class PersonNotFound(PrivacyError):
    """Nobody is known by that email: nothing was erased or exported."""


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did: its log entry, who asked, when, and how many rows of each table it changed."""

    erasure_id: int
    at: datetime
    actor: str
    people: int
    rows: dict[str, int]
    crm_deletes: list[str]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (it names no personal data)."""
        return {"erasure_id": self.erasure_id, "at": self.at.isoformat(), "actor": self.actor,
                "people": self.people, "rows": self.rows, "crm_deletes": self.crm_deletes}


def normalise_email(email: str) -> str:
    """The address as leadpact stores it (trimmed, lower case); raise PrivacyError when it is not one."""
    address = (email or "").strip().lower()
    local, _, domain = address.partition("@")
    if not local or not domain or " " in address:
        raise PrivacyError(f"{email!r} is not an email address: give the address the person is known by")
    return address


def find_people(*, session: Session, email: str) -> list[Person]:
    """The people known by this email (as their address or as one of their identities), not yet erased."""
    address = normalise_email(email)
    by_identity = select(Identity.person_id).where(Identity.kind == "email", Identity.value == address)
    return list(session.scalars(select(Person).where(or_(Person.email == address, Person.id.in_(by_identity)),
                                                     Person.erased_at.is_(None)).order_by(Person.id)))


def _people(session: Session, email: str) -> list[Person]:
    people = find_people(session=session, email=email)
    if not people:
        raise PersonNotFound(f"nobody is known by {normalise_email(email)}: nothing was changed (an erased person "
                             "cannot be found again, as leadpact keeps nothing that would find them)")
    return people


def erase_person(*, session: Session, email: str, actor: str, now: datetime) -> ErasureReport:
    """Erase the personal data of the person known by `email` everywhere, queue the matching CRM deletes, and log
    that an erasure happened (who asked, when; not whose data). Raise PersonNotFound when nobody is."""
    erasure = erase(session=session, people=_people(session, email), actor=actor, now=now)
    summary = erasure.summary
    return ErasureReport(erasure_id=erasure.id, at=erasure.at, actor=erasure.actor, people=summary["people"],
                         rows=summary["rows"], crm_deletes=summary["crm_deletes"])


def export_person(*, session: Session, email: str, now: datetime) -> dict[str, Any]:
    """Everything held about the person known by `email`, as one JSON-ready document."""
    return export_people(session=session, people=_people(session, email), email=normalise_email(email), now=now)
