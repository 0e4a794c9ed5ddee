"""What the pure evaluator reads, built from stored rows: person, account and event mappings, the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from leadpact.db import fetch_rows, placeholder
from leadpact.ingest.models import Event
from leadpact.pact import Catalog
from leadpact.people.models import Account, ContentAsset, Person

PERSON_COLUMNS = ("email", "user_id", "first_name", "last_name", "title", "seniority", "department", "country", "phone")
ACCOUNT_COLUMNS = ("domain", "name", "industry", "employees", "country")


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


def load_histories(session: Session | Connection, person_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Every stored event of these people, oldest first, in one query per 500 people."""
    ids = sorted(set(person_ids))
    histories: dict[int, list[dict[str, Any]]] = {person_id: [] for person_id in ids}
    connection = session.connection() if isinstance(session, Session) else session
    mark = placeholder(connection)
    read_time = _time_reader(connection)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        # Read through the driver: histories are the bulk of what activation and live evaluation read, and
        # SQLAlchemy's row processing costs several times the query itself here.
        rows = fetch_rows(
            connection,
            "SELECT person_id, message_id, type, event, name, timestamp, properties, context, traits FROM events "
            f"WHERE person_id IN ({', '.join([mark] * len(chunk))}) ORDER BY timestamp",
            tuple(chunk),
        )
        for person_id, message_id, kind, event, name, timestamp, properties, context, traits in rows:
            histories[person_id].append(
                {
                    "message_id": message_id,
                    "type": kind,
                    "event": event,
                    "name": name,
                    "timestamp": read_time(timestamp),
                    "properties": _document(properties),
                    "context": _document(context),
                    "traits": _document(traits),
                }
            )
    return histories


def _document(value: Any) -> dict[str, Any]:
    # SQLite hands JSON back as text; psycopg has already decoded JSONB.
    if value is None:
        return {}
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _time_reader(connection: Connection) -> Any:
    processor = Event.__table__.c.timestamp.type._cached_result_processor(connection.dialect, None)
    return processor or (lambda value: value)


class CatalogCache:
    """The content catalog, rebuilt only when the stored catalog changed (count or newest update)."""

    def __init__(self) -> None:
        self.stamp: tuple[Any, ...] | None = None
        self.catalog = Catalog({})

    def get(self, session: Session) -> Catalog:
        """Return the current catalog."""
        # Asked for every stored batch: straight to the driver, the raw text of the newest update is stamp enough.
        [stamp] = fetch_rows(session.connection(), "SELECT count(*), max(updated_at) FROM content_assets")
        stamp = tuple(stamp)
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
