"""What the pure evaluator reads, built from stored rows: person, account and event mappings, the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from leadpact.ingest.models import Event
from leadpact.pact import Catalog
from leadpact.people.models import Account, ContentAsset, Person

PERSON_COLUMNS = ("email", "user_id", "first_name", "last_name", "title", "seniority", "department", "country", "phone")
ACCOUNT_COLUMNS = ("domain", "name", "industry", "employees", "country")
EVENT_COLUMNS = (
    Event.person_id,
    Event.message_id,
    Event.type,
    Event.event,
    Event.name,
    Event.timestamp,
    Event.properties,
    Event.context,
    Event.traits,
)


def person_facts(person: Person) -> dict[str, Any]:
    """The person as the pact sees `person.X`: every trait as sent, with the cleaned columns on top."""
    facts = dict(person.traits or {})
    for column in PERSON_COLUMNS:
        value = getattr(person, column)
        if value is not None:
            facts[column] = value
    if person.company_name and "company" not in facts:
        facts["company"] = person.company_name
    return facts


def account_facts(account: Account | None) -> dict[str, Any] | None:
    """The account as the pact sees `account.X`: its traits with the firmographic columns and owner on top."""
    if account is None:
        return None
    facts = dict(account.traits or {})
    for column in ACCOUNT_COLUMNS:
        value = getattr(account, column)
        if value is not None:
            facts[column] = value
    if account.owner_rep_id is not None:
        facts["owner"] = account.owner_rep_id
    return facts


def event_facts(row: Any) -> dict[str, Any]:
    """One stored event as the Segment-shape mapping the evaluator reads."""
    return {
        "message_id": row.message_id,
        "type": row.type,
        "event": row.event,
        "name": row.name,
        "timestamp": row.timestamp,
        "properties": row.properties or {},
        "context": row.context or {},
        "traits": row.traits or {},
    }


def load_histories(session: Session | Connection, person_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Every stored event of these people, oldest first, in one query per 500 people."""
    ids = sorted(set(person_ids))
    histories: dict[int, list[dict[str, Any]]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(*EVENT_COLUMNS).where(Event.person_id.in_(ids[start : start + 500])).order_by(Event.timestamp)
        )
        for row in rows:
            histories[row.person_id].append(event_facts(row))
    return histories


class CatalogCache:
    """The content catalog, rebuilt only when the stored catalog changed (count or newest update)."""

    def __init__(self) -> None:
        self.stamp: tuple[Any, ...] | None = None
        self.catalog = Catalog({})

    def get(self, session: Session) -> Catalog:
        """Return the current catalog."""
        stamp = tuple(session.execute(select(func.count(), func.max(ContentAsset.updated_at))).one())
        if stamp != self.stamp:
            assets = session.scalars(select(ContentAsset)).all()
            self.catalog = Catalog(
                {
                    a.id: {
                        "id": a.id,
                        "title": a.title,
                        "path": a.path,
                        "topic": a.topic,
                        "problem": a.problem,
                        "funnel_stage": a.funnel_stage,
                    }
                    for a in assets
                }
            )
            self.stamp = stamp
        return self.catalog
