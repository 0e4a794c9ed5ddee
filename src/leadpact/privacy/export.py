"""Exporting a person: everything leadpact holds about them, as one JSON-ready document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadpact.crm.models import CrmLink
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.lifecycle.models import Transition
from leadpact.masking import mask
from leadpact.outbox.models import OutboxMessage
from leadpact.outbox.service import PRIVATE_PREFIX
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, Identity, Person
from leadpact.privacy.scrub import Mentions
from leadpact.sla.models import Timer

FORMAT = 1


def row(instance: Any) -> dict[str, Any]:
    """Every column of an ORM row as JSON-ready values (times in ISO 8601, UTC)."""
    values = {}
    for attribute in instance.__mapper__.column_attrs:
        value = getattr(instance, attribute.key)
        values[attribute.key] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _all(session: Session, statement: Any) -> list[dict[str, Any]]:
    return [row(found) for found in session.scalars(statement)]


def export_people(*, session: Session, people: list[Person], email: str, now: datetime) -> dict[str, Any]:
    """The document: who they are, their identities, account, events, evaluation, lifecycle transitions, handoffs
    (brief, facts, timeline, clocks, disposition), timers, opportunities, notifications and CRM records."""
    ids = [p.id for p in people]
    handoffs = list(session.scalars(select(Handoff).where(Handoff.person_id.in_(ids)).order_by(Handoff.id)))
    handoff_ids = [h.id for h in handoffs]
    accounts = sorted({p.account_id for p in people if p.account_id is not None})
    about = or_(OutboxMessage.handoff_id.in_(handoff_ids), OutboxMessage.payload["person"]["id"].as_integer().in_(ids))
    document = {
        "people": [row(p) for p in people],
        "identities": _all(session, select(Identity).where(Identity.person_id.in_(ids)).order_by(Identity.id)),
        "accounts": _all(session, select(Account).where(Account.id.in_(accounts)).order_by(Account.id)),
        "events": _all(session, select(Event).where(Event.person_id.in_(ids)).order_by(Event.timestamp, Event.id)),
        "evaluations": _all(session, select(Evaluation).where(Evaluation.person_id.in_(ids))),
        "transitions": _all(session, select(Transition).where(Transition.person_id.in_(ids))
                            .order_by(Transition.at, Transition.id)),
        "handoffs": [row(h) for h in handoffs],
        "timers": _all(session, select(Timer).where(Timer.handoff_id.in_(handoff_ids)).order_by(Timer.id)),
        "opportunities": _all(session, select(Opportunity).where(Opportunity.person_id.in_(ids))
                              .order_by(Opportunity.id)),
        "notifications": [_notification(m) for m in session.scalars(select(OutboxMessage).where(about)
                                                                    .order_by(OutboxMessage.id))],
        "crm_records": _all(session, select(CrmLink).where(or_(
            (CrmLink.kind == "person") & CrmLink.local_id.in_(ids),
            CrmLink.kind.in_(("note", "task")) & CrmLink.local_id.in_(handoff_ids))).order_by(CrmLink.id)),
    }
    # Routing reasons name colleagues ("Sam already works Jo Smith's handoff from Acme"): theirs is not to give away.
    colleagues = colleague_mentions(session, accounts, ids)
    return {"format": FORMAT, "exported_at": now.isoformat(), "email": email,
            **{k: v if k in ("people", "identities") else colleagues.redact(v)  # type: ignore[misc]
               for k, v in document.items()}}


def colleague_mentions(session: Session, accounts: list[int], ids: list[int]) -> Mentions:
    """How the person's documents may name the other people of their accounts: emails and full names."""
    found = session.execute(select(Person.email, Person.first_name, Person.last_name).where(
        Person.account_id.in_(accounts), Person.id.not_in(ids)))
    strings = set()
    for other_email, first, last in found:
        strings |= {s.lower() for s in (other_email, f"{first or ''} {last or ''}".strip()) if s and len(s) > 2}
    return Mentions(tuple(sorted(strings)))


def _notification(message: OutboxMessage) -> dict[str, Any]:
    """A notification about the person: what it said and when, without transport secrets or webhook URLs."""
    shown = row(message)
    shown["payload"] = {k: v for k, v in (message.payload or {}).items() if not k.startswith(PRIVATE_PREFIX)}
    if "://" in message.destination:
        shown["destination"] = mask(message.destination)
        shown["idempotency_key"] = message.idempotency_key.replace(message.destination, shown["destination"])
    for leased in ("locked_by", "locked_until"):
        shown.pop(leased, None)
    return shown
