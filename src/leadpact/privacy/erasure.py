"""Erasing a person, table by table: their personal data goes; what the aggregates read stays.

Kept, so metrics over past periods do not change: the person row itself (anonymous: id, account, status, first-touch
channel, dates), the evaluation's scores, grade and persona, the handoffs' clocks, tier, state and rejection reason,
opportunities' amounts and stages, the lifecycle trail's moves and scores. Gone: every name, email, phone, title,
trait, identifier, IP and user agent; the brief, its facts and the timeline; notes and qualification answers; the
notifications still to send and the timers still to fire; the CRM links (the CRMs get the matching delete through
the outbox). The person's events stay as anonymous events (no person, no identifiers, no context but campaign and
page), which the anonymous retention later deletes like any other."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from leadpact.crm import enqueue_erasures
from leadpact.crm.models import CrmLink
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.lifecycle.models import Transition
from leadpact.outbox.models import OutboxMessage
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, Identity, Person
from leadpact.people.traits import DESCRIBING_COLUMNS
from leadpact.privacy.mentions import erase_mentions, planned_trail
from leadpact.privacy.models import Erasure
from leadpact.privacy.scrub import Needles, mentions_of, scrub, scrub_context, scrub_reasons, scrub_text
from leadpact.sla import cancel_timers

ERASED_BRIEF = "(erased: this person's personal data was removed)"
TIMER_KINDS = ("sla_breach", "reassign", "feedback_due")


def needles_of(session: Session, people: list[Person]) -> Needles:
    """Everything that identifies these people: emails, ids, phone, IPs, CRM ids, names."""
    ids = [p.id for p in people]
    exact: list[str | None] = []
    names: list[str | None] = []
    addresses: list[str | None] = []
    for person in people:
        traits = person.traits or {}
        exact += [person.email, person.user_id, person.phone, _text(traits.get("email")), _text(traits.get("phone"))]
        names += [person.first_name, person.last_name, _text(traits.get("firstName")), _text(traits.get("lastName")),
                  _text(traits.get("name"))]
        if person.first_name and person.last_name:
            names.append(f"{person.first_name} {person.last_name}")
    exact += list(session.scalars(select(Identity.value).where(Identity.person_id.in_(ids))))
    exact += list(session.scalars(select(CrmLink.crm_id).where(CrmLink.kind == "person", CrmLink.local_id.in_(ids))))
    for context, traits in session.execute(select(Event.context, Event.traits).where(Event.person_id.in_(ids))):
        context = context or {}
        addresses.append(_text(context.get("ip")))
        exact.append(_text((context.get("traits") or {}).get("email")))
        if traits:
            exact += [_text(traits.get("email")), _text(traits.get("phone"))]
            names += [_text(traits.get("firstName")), _text(traits.get("lastName"))]
    return Needles.of(exact=exact, names=names, shared=addresses)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def erase_events(session: Session, people: list[Person], needles: Needles) -> int:
    """Detach the people's events (and any carrying their identifiers) and strip everything personal from them."""
    ids = [p.id for p in people]
    identifiers = list(session.scalars(select(Identity.value).where(Identity.person_id.in_(ids),
                                                                    Identity.kind != "email")))
    theirs = or_(Event.person_id.in_(ids), Event.anonymous_id.in_(identifiers), Event.user_id.in_(identifiers),
                 Event.previous_id.in_(identifiers))
    changed = 0
    for event in session.scalars(select(Event).where(theirs)):
        event.person_id = event.anonymous_id = event.user_id = event.previous_id = None
        event.traits = scrub(event.traits, needles) if event.type == "group" else {}
        event.context = scrub_context(event.context, needles)
        event.properties = scrub(event.properties or {}, needles)
        event.name, event.path = scrub_text(event.name, needles), scrub_text(event.path, needles)
        event.event = scrub_text(event.event, needles)
        changed += 1
    return changed


def erase_handoffs(session: Session, ids: list[int], needles: Needles) -> list[int]:
    """Drop the brief, its facts, the timeline, notes and answers of the people's handoffs; return their ids."""
    handoffs = list(session.scalars(select(Handoff).where(Handoff.person_id.in_(ids))))
    for handoff in handoffs:
        handoff.brief, handoff.brief_facts, handoff.timeline = ERASED_BRIEF, {"erased": True}, {"events": []}
        handoff.rejection_note, handoff.qualification = None, {}
        handoff.routing_reason = scrub_text(handoff.routing_reason, needles) or ""
        handoff.criteria = scrub(handoff.criteria or {}, needles)
    for opportunity in session.scalars(select(Opportunity).where(Opportunity.person_id.in_(ids))):
        opportunity.lost_reason = scrub_text(opportunity.lost_reason, needles)
    return [h.id for h in handoffs]


def erase_outbox(session: Session, ids: list[int], handoff_ids: list[int], needles: Needles) -> int:
    """Cancel the people's notifications still to send; keep only the time and kind of those already sent."""
    about = or_(OutboxMessage.handoff_id.in_(handoff_ids),
                OutboxMessage.payload["person"]["id"].as_integer().in_(ids))
    changed = 0
    for message in session.scalars(select(OutboxMessage).where(about)):
        changed += 1
        if message.state == "pending":
            session.delete(message)
            continue
        message.payload = {"erased": True}
        message.last_error = scrub_text(message.last_error, needles)
    return changed


def erase_people(session: Session, people: list[Person], needles: Needles, now: datetime) -> None:
    """Leave each person an anonymous row: status, account, first touch and dates, nothing that says who."""
    ids = [p.id for p in people]
    session.execute(delete(Identity).where(Identity.person_id.in_(ids)))
    for evaluation in session.scalars(select(Evaluation).where(Evaluation.person_id.in_(ids))):
        evaluation.matched, evaluation.missing = scrub(evaluation.matched, needles), scrub(evaluation.missing, needles)
    accounts = {p.account_id for p in people if p.account_id is not None}
    for account in session.scalars(select(Account).where(Account.id.in_(accounts))):
        account.traits = scrub(account.traits or {}, needles)
    for person in people:
        for column in DESCRIBING_COLUMNS:
            setattr(person, column, None)
        person.traits, person.event_count, person.erased_at, person.updated_at = {}, 0, now, now
    session.flush()


def erase(*, session: Session, people: list[Person], actor: str, now: datetime) -> Erasure:
    """Erase these people's personal data everywhere, queue the CRM deletes, log the erasure; return the log row."""
    ids = [p.id for p in people]
    needles = needles_of(session, people)
    mentions = mentions_of(needles, [f"{p.first_name or ''} {p.last_name or ''}" for p in people] +
                           [_text((p.traits or {}).get("name")) for p in people])
    emails = {p.id: p.email for p in people}
    rows: Counter[str] = Counter()
    rows["events"] = erase_events(session, people, needles)
    handoff_ids = erase_handoffs(session, ids, needles)
    rows["handoffs"] = len(handoff_ids)
    # Nothing more happens to an erased person's lead: no breach, reassignment or reminder about nobody.
    rows["timers"] = sum(cancel_timers(session=session, handoff_id=handoff_id, kinds=TIMER_KINDS, at=now)
                         for handoff_id in handoff_ids)
    rows["outbox"] = erase_outbox(session, ids, handoff_ids, needles)
    rows["crm_links"] = session.scalar(select(func.count()).select_from(CrmLink).where(or_(
        (CrmLink.kind == "person") & CrmLink.local_id.in_(ids),
        CrmLink.kind.in_(("note", "task")) & CrmLink.local_id.in_(handoff_ids)))) or 0
    crms = enqueue_erasures(session=session, people=emails, handoff_ids=handoff_ids, erasure_key=_key(ids, now),
                            now=now)
    rows["identities"] = session.scalar(select(func.count()).select_from(Identity).where(
        Identity.person_id.in_(ids))) or 0
    erase_people(session, people, needles, now)
    rows["people"] = len(people)
    rows["mentions_elsewhere"] = erase_mentions(session, mentions)
    trail = list(session.scalars(select(Transition).where(Transition.person_id.in_(ids)).order_by(Transition.id)))
    others = planned_trail(session, mentions, exclude=ids)
    rows["lifecycle_transitions"] = len(trail) + len(others)
    # The log row first: the audit trail accepts a redaction only when it names a recorded erasure.
    erasure = Erasure(at=now, actor=actor, summary={"people": len(people), "rows": dict(rows), "crm_deletes": crms})
    session.add(erasure)
    session.flush()
    redactions = [(t.id, scrub_reasons(t.reasons, needles, erasure_id=erasure.id)) for t in trail]
    redactions += [(i, {**reasons, "erasure_id": erasure.id}) for i, reasons in others]
    for transition_id, reasons in redactions:
        session.execute(update(Transition).where(Transition.id == transition_id).values(reasons=reasons))
    session.expire_all()
    return erasure


def _key(ids: list[int], now: datetime) -> str:
    """What tells this erasure's CRM deletes apart from any other's (people and moment, no personal data)."""
    return f"{'+'.join(str(i) for i in sorted(ids))}@{now.isoformat()}"
