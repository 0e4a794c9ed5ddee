"""Pushing handoffs to a CRM: one upsert, one note (the brief) and one task (due at the SLA deadline) per handoff,
batched across handoffs, idempotent by the CRM's own keys plus the ids recorded here, resumable after a crash."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadpact.clock import get_clock, isoformat
from leadpact.crm.base import (
    CrmConnector,
    CrmError,
    CrmInvalid,
    CrmNote,
    CrmPerson,
    CrmTask,
    CrmUnavailable,
    Upserted,
)
from leadpact.crm.models import CrmLink
from leadpact.crm.settings import connector_for, get_crm_settings
from leadpact.db import get_engine, session_scope
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, User
from leadpact.pact.models import Evaluation as EvaluationRow
from leadpact.people.models import Account, Person

log = logging.getLogger("leadpact.crm")


def person_key(person_id: int) -> str:
    """leadpact's key for a person in a CRM (Salesforce's external id, HubSpot's leadpact_id)."""
    return f"leadpact-person-{person_id}"


def handoff_key(handoff_id: int) -> str:
    """The key written into a handoff's note and task, so a retry can find what an earlier attempt created."""
    return f"leadpact-handoff-{handoff_id}"


@dataclass(frozen=True)
class PushItem:
    """One handoff as the CRM will receive it."""

    handoff_id: int
    person_id: int
    person: CrmPerson
    note: CrmNote
    task: CrmTask


@dataclass
class PushOutcome:
    """Which handoffs reached the CRM, and why the others did not."""

    pushed: list[int] = field(default_factory=list)
    failed: dict[int, CrmError] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)  # handoff ids that no longer exist


def _links(session: Session, crm: str, kind: str, ids: Sequence[int]) -> dict[int, CrmLink]:
    rows = session.scalars(select(CrmLink).where(CrmLink.crm == crm, CrmLink.kind == kind, CrmLink.local_id.in_(ids)))
    return {row.local_id: row for row in rows}


def note_body(handoff: Handoff, rep_name: str | None, base_url: str) -> str:
    """The note's text: the brief, the deadline, why this rep, and the link to the timeline."""
    deadline = f"Respond by {isoformat(handoff.sla_due_at)} ({handoff.tier} SLA)." if handoff.sla_due_at else \
        f"{handoff.tier.upper()} lead."
    routed = f"Routed to {rep_name}: {handoff.routing_reason}" if rep_name else f"Routing: {handoff.routing_reason}"
    link = f"Timeline: {base_url.rstrip('/')}/handoffs/{handoff.id}"
    return "\n\n".join(part for part in (handoff.brief, deadline, routed, link) if part)


def build_items(*, session: Session, connector: CrmConnector, handoff_ids: Sequence[int]) -> list[PushItem]:
    """The handoffs as the CRM will receive them (a note or task left pending by a crash is marked `recover`)."""
    crm, now, base_url = connector.name, get_clock().now(), get_crm_settings().base_url
    handoffs = list(session.scalars(select(Handoff).where(Handoff.id.in_(handoff_ids)).order_by(Handoff.id)))
    person_ids = [h.person_id for h in handoffs]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    evaluations = {e.person_id: e for e in session.scalars(
        select(EvaluationRow).where(EvaluationRow.person_id.in_(person_ids)))}
    person_links = _links(session, crm, "person", person_ids)
    note_links = _links(session, crm, "note", [h.id for h in handoffs])
    task_links = _links(session, crm, "task", [h.id for h in handoffs])
    items = []
    for handoff in handoffs:
        person = people[handoff.person_id]
        account = session.get(Account, handoff.account_id or person.account_id) if (
            handoff.account_id or person.account_id) else None
        rep = session.get(Rep, handoff.rep_id) if handoff.rep_id else None
        user = session.get(User, rep.user_id) if rep else None
        owner = connector.mapping.owner_for(crm_owner_id=rep.crm_owner_id if rep else None,
                                            rep_email=user.email if user else None)
        evaluation = evaluations.get(person.id)
        link = person_links.get(person.id)
        crm_person = CrmPerson(
            key=person_key(person.id), email=person.email, first_name=person.first_name, last_name=person.last_name,
            company=(account.name if account else None) or person.company_name, title=person.title,
            phone=person.phone, country=person.country or (account.country if account else None),
            industry=account.industry if account else None, employees=account.employees if account else None,
            lifecycle=person.status, owner_id=owner, fit_score=evaluation.fit_score if evaluation else None,
            grade=evaluation.grade if evaluation else None,
            engagement_score=evaluation.engagement_score if evaluation else None, description=handoff.brief,
            crm_id=link.crm_id if link else None)
        name = " ".join(n for n in (person.first_name, person.last_name) if n) or person.email or f"#{person.id}"
        key = handoff_key(handoff.id)
        note_link, task_link = note_links.get(handoff.id), task_links.get(handoff.id)
        body = note_body(handoff, user.name if user else None, base_url)
        note = CrmNote(key=key, person_crm_id="", title="leadpact brief", body=body, at=handoff.created_at,
                       owner_id=owner, crm_id=note_link.crm_id if note_link else None,
                       recover=_interrupted(note_link))
        task = CrmTask(key=key, person_crm_id="", subject=f"Follow up: {name} ({handoff.tier} lead)",
                       body=f"{handoff.brief}\n\nleadpact handoff {handoff.id}", due_at=handoff.sla_due_at or now,
                       owner_id=owner, priority="high" if handoff.tier == "hot" else "medium",
                       timezone=rep.timezone if rep else "UTC", crm_id=task_link.crm_id if task_link else None,
                       recover=_interrupted(task_link))
        items.append(PushItem(handoff.id, person.id, crm_person, note, task))
    return items


def mark_pending(*, session: Session, crm: str, kind: str, handoff_ids: Sequence[int]) -> None:
    """Record that creating these notes or tasks is being attempted, before the CRM is asked (see CrmLink)."""
    now = get_clock().now()
    links = _links(session, crm, kind, handoff_ids)
    for handoff_id in handoff_ids:
        row = links.get(handoff_id)
        if row is None:
            session.add(CrmLink(crm=crm, kind=kind, local_id=handoff_id, state="pending", attempts=1, updated_at=now))
        elif row.crm_id is None:
            row.state, row.attempts, row.updated_at = "pending", row.attempts + 1, now
    session.flush()


def _interrupted(link: CrmLink | None) -> bool:
    return link is not None and link.crm_id is None and link.state == "pending"


def record(*, session: Session, crm: str, kind: str, pairs: Sequence[tuple[int, Upserted]]) -> None:
    """Remember the CRM ids (and, for people, the lead status) the CRM answered with."""
    now = get_clock().now()
    links = _links(session, crm, kind, [local for local, _ in pairs])
    for local_id, result in pairs:
        row = links.get(local_id)
        if row is None:
            row = links[local_id] = CrmLink(crm=crm, kind=kind, local_id=local_id, attempts=0, updated_at=now)
            session.add(row)
        row.crm_id, row.state, row.updated_at = result.crm_id, "synced", now
        if kind == "person":
            row.attempts += 1
        # A status a rep set and leadpact has not pulled yet must still look like a change to the next pull:
        # only what the push wrote, or a first sighting (the baseline), is remembered.
        if kind == "person" and result.status and (result.status_written or row.status is None):
            row.status = result.status
    session.flush()


def push_batch(*, connector: CrmConnector, handoff_ids: Sequence[int], engine: Engine | None = None) -> list[int]:
    """Push handoffs as one batch and return the ids pushed (raises CrmError)."""
    # Each step commits what the CRM answered before the next: a crash loses at most the step in flight, and the
    # retry recovers it (people by email or external id, notes and tasks by their marker).
    engine = engine or get_engine()
    crm = connector.name
    with session_scope(engine) as session:
        items = build_items(session=session, connector=connector, handoff_ids=handoff_ids)
    if not items:
        return []
    people = connector.upsert_people([item.person for item in items])
    with session_scope(engine) as session:
        record(session=session, crm=crm, kind="person", pairs=[(i.person_id, p) for i, p in zip(items, people,
                                                                                                   strict=True)])
    for kind, step in (("note", connector.add_notes), ("task", connector.create_tasks)):
        values = [replace(i.note if kind == "note" else i.task, person_crm_id=p.crm_id)
                  for i, p in zip(items, people, strict=True)]
        with session_scope(engine) as session:
            mark_pending(session=session, crm=crm, kind=kind, handoff_ids=[i.handoff_id for i, v in zip(
                items, values, strict=True) if v.crm_id is None])
        results = step(values)  # type: ignore[operator]
        with session_scope(engine) as session:
            record(session=session, crm=crm, kind=kind, pairs=[(i.handoff_id, r) for i, r in zip(items, results,
                                                                                                   strict=True)])
    return [item.handoff_id for item in items]


def push_handoffs(*, connector: CrmConnector, handoff_ids: Sequence[int], engine: Engine | None = None,
                  batch_size: int | None = None) -> PushOutcome:
    """Push handoffs in batches and say which landed; one invalid record fails alone, outages fail the batch."""
    outcome = PushOutcome()
    ids = list(dict.fromkeys(handoff_ids))
    size = batch_size or connector.batch_size
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        try:
            done = push_batch(connector=connector, handoff_ids=part, engine=engine)
        except CrmInvalid as error:
            if len(part) == 1:
                outcome.failed[part[0]] = error
                continue
            log.warning("%s refused a batch of %d handoffs (%s); pushing them one by one", connector.name, len(part),
                        error)
            single = push_handoffs(connector=connector, handoff_ids=part, engine=engine, batch_size=1)
            outcome.pushed += single.pushed
            outcome.failed |= single.failed
            outcome.skipped |= single.skipped
            continue
        except CrmError as error:
            outcome.failed |= {handoff_id: error for handoff_id in part}
            continue
        except IntegrityError as error:
            # Another worker recorded the same person's link at the same moment: the retry finds it recorded.
            failure = CrmUnavailable(f"a concurrent push recorded the same record first: {error.orig}")
            outcome.failed |= {handoff_id: failure for handoff_id in part}
            continue
        outcome.pushed += done
        outcome.skipped |= {h: "no such handoff" for h in part if h not in set(done)}
    return outcome


def push_handoff(handoff_id: int, *, connector: CrmConnector | None = None, crm: str = "hubspot",
                 engine: Engine | None = None) -> None:
    """Push one handoff to `connector` (default: the configured `crm`); raise the CrmError that stopped it."""
    if connector is None:
        with session_scope(engine) as session:
            connector = connector_for(crm, session=session)
    outcome = push_handoffs(connector=connector, handoff_ids=[handoff_id], engine=engine)
    if handoff_id in outcome.failed:
        raise outcome.failed[handoff_id]


def lead_status(*, session: Session, crm: str, person_id: int) -> str | None:
    """The person's lead status in a CRM as last pushed or pulled."""
    return session.scalar(select(CrmLink.status).where(CrmLink.crm == crm, CrmLink.kind == "person",
                                                       CrmLink.local_id == person_id))

