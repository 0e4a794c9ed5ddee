"""Bulk-load a demo company straight into a leadpact database (people, accounts, events), for benchmarks that
measure what happens after ingest. People are the generator's own; anonymous-only visitors become one person
per anonymous id, as the live path would leave them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadpact.clock import parse_time
from leadpact.db import insert_rows
from leadpact.demo.company import DemoCompany
from leadpact.ingest.messages import parse_message
from leadpact.ingest.models import Event
from leadpact.people.models import Account, ContentAsset, Person
from leadpact.people.traits import name_key


def bulk_load(engine: Engine, company: DemoCompany, *, chunk: int = 20_000) -> dict[str, int]:
    """Load the company's accounts, content, people and events; return counts."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as connection:
        insert_rows(connection, Account.__table__, [
            {"domain": a.domain, "name": a.name, "name_key": name_key(a.name), "industry": a.industry,
             "employees": a.employees, "country": a.country, "traits": {}, "created_at": now, "updated_at": now}
            for a in company.accounts])
        insert_rows(connection, ContentAsset.__table__, [
            {"id": c.id, "title": c.title, "path": c.path, "topic": c.topic, "problem": c.problem,
             "funnel_stage": c.funnel_stage, "created_at": now, "updated_at": now} for c in company.content])
        account_ids = dict(connection.execute(select(Account.domain, Account.id)).all())
        rows = []
        for person in company.people:
            domain = person.email.rsplit("@", 1)[1]
            rows.append({
                "email": person.email, "user_id": company.identities[person.id].user_id,
                "first_name": person.first_name, "last_name": person.last_name, "title": person.title,
                "seniority": person.seniority, "department": person.department, "country": person.country,
                "company_name": person.company_name, "account_id": account_ids.get(domain), "status": "anonymous",
                "traits": _traits(person), "event_count": 0, "created_at": now, "updated_at": now})
        insert_rows(connection, Person.__table__, rows)
        ids = dict(connection.execute(select(Person.email, Person.id)).all())
    person_of = {identifier: ids[company.identities[pid].email]
                 for identifier, pid in company.person_by_identifier.items()}
    events = 0
    buffer: list[dict[str, Any]] = []
    for message in company.iter_events():
        key = message.get("userId") or message.get("anonymousId")
        if key not in person_of:
            person_of[key] = _new_visitor(engine, now)
        buffer.append(_event_row(message, person_of[key]))
        if len(buffer) >= chunk:
            events += _flush(engine, buffer)
    events += _flush(engine, buffer)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE people SET event_count = (SELECT count(*) FROM events WHERE events.person_id = people.id)")
    return {"people": len(set(person_of.values())), "events": events}


def _traits(person: Any) -> dict[str, Any]:
    return {"email": person.email, "firstName": person.first_name, "lastName": person.last_name,
            "title": person.title, "seniority": person.seniority, "department": person.department,
            "company": person.company_name}


def _new_visitor(engine: Engine, now: datetime) -> int:
    with engine.begin() as connection:
        return connection.execute(Person.__table__.insert().returning(Person.id), {
            "status": "anonymous", "traits": {}, "event_count": 0, "created_at": now, "updated_at": now}).scalar_one()


def _event_row(message: dict[str, Any], person_id: int) -> dict[str, Any]:
    parsed = parse_message(message, received_at=parse_time(message["timestamp"]))
    return {"message_id": parsed.message_id, "type": parsed.type, "event": parsed.event, "name": parsed.name,
            "person_id": person_id, "anonymous_id": parsed.anonymous_id, "user_id": parsed.user_id,
            "timestamp": parsed.timestamp, "received_at": parsed.received_at, "properties": parsed.properties,
            "context": parsed.context, "traits": parsed.traits, "path": parsed.path, "asset_id": parsed.asset_id,
            "channel": parsed.channel}


def _flush(engine: Engine, buffer: list[dict[str, Any]]) -> int:
    with engine.begin() as connection:
        count = insert_rows(connection, Event.__table__, buffer)
    buffer.clear()
    return count
