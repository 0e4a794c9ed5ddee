"""A lead held in needs_context because its company's size is unknown, and what its account looks like."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.enrichment import AccountEnrichment
from leadpact.handoff import Handoff
from leadpact.people.models import Account, Person
from tests.handoff.factories import NORTHWIND, NOW
from tests.handoff.fixtures import build_world, demo_request, identify, page, send

# Northwind with a hot stage open to every grade: a demo request qualifies whatever the company's size, so the
# size is only missing context (the readiness gate holds the lead for it).
ANY_GRADE = NORTHWIND.replace("{all: [{grade: [A, B]},", "{all: [{grade: [A, B, C, D]},")
LATER = NOW + timedelta(minutes=5)


def held_for_company_size() -> None:
    """Jo at Acme (acme.example) asks for a demo; she named Acme, its industry and country, not its size."""
    build_world(source=ANY_GRADE)
    send(identify(company={"name": "Acme", "industry": "software", "country": "US"}),
         page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z"))
    send(demo_request())
    assert state()[0] == "needs_context"


def state() -> tuple[str, dict, int, dict]:
    """(Jo's status, her account's firmographics, how many handoffs, each enriched field's (value, provider,
    source, time))."""
    with session_scope() as session:
        person = session.scalars(select(Person).where(Person.email == "jo@acme.example")).one()
        account = session.get(Account, person.account_id)
        columns = {c: getattr(account, c) for c in ("name", "industry", "employees", "country")}
        handoffs = len(session.scalars(select(Handoff)).all())
        enriched = {r.field: (r.value, r.provider, r.source, r.enriched_at) for r in session.scalars(
            select(AccountEnrichment).where(AccountEnrichment.account_id == account.id))}
        return person.status, columns, handoffs, enriched
