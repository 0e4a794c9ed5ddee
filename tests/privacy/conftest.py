"""Fixtures of the privacy tests: a sales world in which one person, Zephyrine Quagmire, went all the way (visits
as an anonymous visitor, identifies, turns hot, is handed off, accepted, qualified, won, pushed to a CRM, announced),
beside another hot lead (Jo Smith, rejected) whose data must survive her erasure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadpact.crm.models import CrmLink
from leadpact.db import get_engine, session_scope
from leadpact.feedback import service as feedback
from leadpact.handoff.models import Handoff
from leadpact.models import Base
from leadpact.outbox import NotificationChannel
from leadpact.outbox.channels import forget_channels
from leadpact.outbox.delivery import deliver_due
from leadpact.people.models import Person
from tests.handoff.factories import NOW
from tests.handoff.fixtures import World, build_world, hot_lead, live, send  # noqa: F401
from tests.outbox.servers import WebhookReceiver

EMAIL = "zephyrine.quagmire@acme.example"
PHONE = "+44 7700 900461"
USER_ID = "usr-zq-7781"
ANONYMOUS_ID = "anon-zq-5524"
IP = "203.0.113.77"
USER_AGENT = "ZQBrowser/9.1 (Quagmire Edition)"
CRM_IDS = {"person": "hs-991-zq", "note": "hs-note-4471-zq", "task": "hs-task-4472-zq"}
# Everything that identifies her, as the scan looks for it (lower case, substrings of any column's text).
NEEDLES = ["zephyrine", "quagmire", EMAIL, PHONE, "7700 900461", IP, "zqbrowser", USER_ID, ANONYMOUS_ID,
           *CRM_IDS.values()]
CONTEXT = {"ip": IP, "userAgent": USER_AGENT, "locale": "en-GB",
           "campaign": {"source": "google", "medium": "cpc", "name": "warehouse-q4"}}


def zephyrine_messages() -> list[dict[str, Any]]:
    """Her visits: anonymous first (from a paid campaign), then identified, then the hot signal."""
    return [
        {"type": "page", "anonymousId": ANONYMOUS_ID, "messageId": "zq-1", "timestamp": "2026-09-25T10:00:00Z",
         "properties": {"path": "/guides/cutting-warehouse-cost",
                        "url": f"https://nw.example/guides/cutting-warehouse-cost?ref={EMAIL}"},
         "context": CONTEXT},
        {"type": "identify", "userId": USER_ID, "anonymousId": ANONYMOUS_ID, "messageId": "zq-2",
         "timestamp": "2026-09-26T09:00:00Z", "context": CONTEXT,
         "traits": {"email": EMAIL, "firstName": "Zephyrine", "lastName": "Quagmire", "phone": PHONE,
                    "title": "VP Data", "department": "data", "seniority": "vp",
                    "company": {"name": "Acme", "industry": "software", "employee_count": 800, "country": "US"}}},
        {"type": "page", "userId": USER_ID, "messageId": "zq-3", "timestamp": "2026-09-30T11:00:00Z",
         "properties": {"path": "/pricing", "title": "Pricing"}, "context": CONTEXT},
        {"type": "track", "userId": USER_ID, "event": "Demo Requested", "messageId": "zq-4",
         "timestamp": "2026-10-01T11:40:00Z", "context": {**CONTEXT, "page": {"path": "/demo", "title": "Demo"}},
         "properties": {"form": "demo", "phone": PHONE, "message": "Please call Zephyrine after 3pm"}},
    ]


@dataclass
class Story:
    """Who is who after the story ran."""

    world: World
    zephyrine: int
    jo: int
    handoffs: dict[str, int]


def run_story(world: World) -> Story:
    """Both leads turn hot and are handed off; Zephyrine is accepted, qualified, won, and was pushed to HubSpot;
    Jo is rejected with a note; the webhook channel got the announcements, the reps' emails wait for SMTP."""
    hot_lead()
    send(*zephyrine_messages())
    later = NOW + timedelta(hours=2)
    with session_scope() as session:
        people = {p.email: p.id for p in session.scalars(select(Person).where(Person.email.is_not(None)))}
        zephyrine, jo = people[EMAIL], people["jo@acme.example"]
        handoffs = {h.person_id: h for h in session.scalars(select(Handoff))}
        mine, jos = handoffs[zephyrine], handoffs[jo]
        rep_of = {world.sam_rep_id: world.sam, world.kim_rep_id: world.kim}
        feedback.accept(session=session, handoff_id=mine.id, by=rep_of[mine.rep_id], now=later)
        feedback.qualify(session=session, handoff_id=mine.id, by=rep_of[mine.rep_id], now=later,
                         answers={"budget": "approved by Zephyrine Quagmire", "timeline": "Q1"})
        feedback.open_opportunity(session=session, person_id=zephyrine, by=rep_of[mine.rep_id], now=later,
                                  amount=42_000)
        feedback.win(session=session, person_id=zephyrine, by=rep_of[mine.rep_id], now=later + timedelta(days=3))
        feedback.reject(session=session, handoff_id=jos.id, by=rep_of[jos.rep_id], reason="wrong_timing",
                        note="Jo Smith says next year", now=later)
        # As a push to HubSpot would have left them: the contact, and the brief's note and task.
        for kind, local in (("person", zephyrine), ("note", mine.id), ("task", mine.id)):
            session.add(CrmLink(crm="hubspot", kind=kind, local_id=local, crm_id=CRM_IDS[kind], state="synced",
                                status="NEW" if kind == "person" else None, attempts=1, updated_at=later))
        ids = {"zephyrine": mine.id, "jo": jos.id}
    with WebhookReceiver() as receiver:
        with session_scope() as session:
            session.scalars(select(NotificationChannel)).one().target = receiver.url
        forget_channels()
        deliver_due(engine=get_engine(), now=later, worker_id="story")
    return Story(world=world, zephyrine=zephyrine, jo=jo, handoffs=ids)


@pytest.fixture
def story(live: None) -> Story:  # noqa: F811 - the fixture imported above
    """The world and the story, committed."""
    return run_story(build_world())


def every_value(engine: Engine) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) of every value in every column of every table the metadata knows."""
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
                    yield table.name, column, text.lower()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to tell whether anything changed."""
    with engine.connect() as connection:
        return {table.name: [tuple(json.dumps(v, default=str, sort_keys=True) for v in row)
                             for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}
