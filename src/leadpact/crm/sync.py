"""CRM to leadpact: apply what reps did in the CRM — a lead status becomes accept or reject feedback, a call,
email, meeting or completed task stops the SLA clock, a deal opens, wins or loses the opportunity — and pull it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact import feedback, sla
from leadpact.clock import get_clock
from leadpact.crm.base import CrmChange, CrmConnector, CrmError
from leadpact.crm.models import CrmConnection, CrmLink
from leadpact.crm.settings import get_crm_settings, stored_connection
from leadpact.db import session_scope
from leadpact.handoff import Handoff, Opportunity, latest_handoff
from leadpact.ingest.service import notify_people_changed
from leadpact.org.models import Rep, User
from leadpact.people.models import Person

log = logging.getLogger("leadpact.crm")
REFUSALS = (feedback.FeedbackRefused, feedback.InvalidFeedback, feedback.NotPermitted, feedback.PersonNotFound)


@dataclass
class ApplyReport:
    """What became of each change: applied (in words) or skipped (with why)."""

    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def find_person(*, session: Session, change: CrmChange) -> Person | None:
    """The person a change is about: by the CRM id leadpact pushed, then leadpact's key, then email."""
    if change.crm_person_id:
        person_id = session.scalar(select(CrmLink.local_id).where(
            CrmLink.crm == change.crm, CrmLink.kind == "person", CrmLink.crm_id == change.crm_person_id))
        if person_id is not None:
            return session.get(Person, person_id)
    if change.person_key and change.person_key.startswith("leadpact-person-"):
        found = session.get(Person, int(change.person_key.rsplit("-", 1)[1]))
        if found is not None:
            return found
    if change.email:
        return session.scalar(select(Person).where(func.lower(Person.email) == change.email.lower()))
    return None


def _rep_email(session: Session, handoff: Handoff | None) -> str | None:
    """The handoff's rep acts in leadpact for what they did in the CRM."""
    if handoff is None or handoff.rep_id is None:
        return None
    rep = session.get(Rep, handoff.rep_id)
    return session.scalar(select(User.email).where(User.id == rep.user_id)) if rep else None


def _status_link(session: Session, change: CrmChange, person: Person) -> CrmLink:
    link = session.scalar(select(CrmLink).where(CrmLink.crm == change.crm, CrmLink.kind == "person",
                                                CrmLink.local_id == person.id))
    if link is None:
        link = CrmLink(crm=change.crm, kind="person", local_id=person.id, crm_id=change.crm_person_id,
                       state="synced", attempts=0, updated_at=get_clock().now())
        session.add(link)
    return link


def apply_change(*, session: Session, change: CrmChange) -> str:
    """Apply one change in the caller's transaction; return what was done, or raise ValueError with why not."""
    person = find_person(session=session, change=change)
    if person is None:
        raise ValueError("no leadpact person matches it")
    handoff = latest_handoff(session=session, person_id=person.id)
    if handoff is None:
        raise ValueError(f"person {person.id} has no handoff")
    # A change is timed by the CRM, never before the handoff it answers and never in leadpact's future.
    at = min(max(change.at, handoff.created_at), get_clock().now())
    by = _rep_email(session, handoff)
    done: list[str] = []
    if change.kind == "status":
        link = _status_link(session, change, person)
        if link.status == change.status:
            return f"status {change.status} unchanged"
        link.status, link.updated_at = change.status, get_clock().now()
        done.append(f"status {change.status}")
    if change.kind == "touch" and change.at < handoff.created_at:
        raise ValueError(f"{change.activity} at {change.at:%Y-%m-%d %H:%M} is before the handoff")
    if change.touch or change.disposition:
        # A disposition is a response too: the SLA clock stops when the rep first acted, as the CRM timed it.
        if sla.record_first_touch(session=session, handoff=handoff, at=at, source=change.crm):
            done.append(f"first touch ({change.activity or change.status})")
    if change.disposition and by is None:
        raise ValueError(f"handoff {handoff.id} has no rep to act as")
    if change.disposition == "accept" and handoff.state == "open":
        feedback.accept(session=session, handoff_id=handoff.id, by=by, now=at)  # type: ignore[arg-type]
        done.append("accepted")
    elif change.disposition == "reject" and handoff.state in ("open", "accepted"):
        if not change.reason:
            raise ValueError(f"status {change.status} rejects, but the CRM gave no reason (set the rejection-reason "
                             "field, or map the status to reject:<reason>)")
        feedback.reject(session=session, handoff_id=handoff.id, by=by, reason=change.reason,  # type: ignore[arg-type]
                        note=f"rejected in {change.crm} (status {change.status})", now=at)
        done.append(f"rejected: {change.reason}")
    if change.kind == "deal":
        done += _deal(session, change, person, handoff, by, at)
    return ", ".join(done) or "nothing to do"


def _deal(session: Session, change: CrmChange, person: Person, handoff: Handoff, by: str | None,
          at: datetime) -> list[str]:
    """Open, win or lose the person's opportunity to match the CRM's deal."""
    if by is None:
        raise ValueError(f"handoff {handoff.id} has no rep to act as")
    opportunity = session.scalar(select(Opportunity).where(Opportunity.crm_id == change.deal_id))
    done = []
    if opportunity is None:
        opportunity = session.scalar(select(Opportunity).where(Opportunity.person_id == person.id,
                                                               Opportunity.stage == "open")
                                     .order_by(Opportunity.id.desc()).limit(1))
    if opportunity is None:
        if handoff.state == "open":
            feedback.accept(session=session, handoff_id=handoff.id, by=by, now=at)  # a deal implies acceptance
            done.append("accepted")
        opportunity = feedback.open_opportunity(session=session, person_id=person.id, by=by, now=at,
                                                amount=change.amount)
        done.append("opportunity opened")
    opportunity.crm_id = change.deal_id
    if opportunity.stage != "open" or change.deal_stage == "open":
        if change.amount is not None and opportunity.stage == "open":
            opportunity.amount = change.amount
        return done
    if change.deal_stage == "won":
        feedback.win(session=session, person_id=person.id, by=by, now=at, closed_at=at, amount=change.amount)
        done.append("won")
    elif change.deal_stage == "lost":
        feedback.lose(session=session, person_id=person.id, by=by, reason=change.lost_reason or "not given in the CRM",
                      now=at, closed_at=at)
        done.append("lost")
    return done


def apply_changes(*, session: Session, changes: Sequence[CrmChange]) -> ApplyReport:
    """Apply changes oldest first, each in its own savepoint so one refusal cannot undo the others; then evaluate
    the people they touched under the active pact, as every path that changes a person does."""
    report = ApplyReport()
    touched: dict[int, str] = {}  # person id → status before the pull
    moved: set[int] = set()
    for change in sorted(changes, key=lambda c: c.at):
        label = f"{change.crm} {change.kind} {change.source_id or change.crm_person_id}"
        person = find_person(session=session, change=change)
        if person is not None:
            touched.setdefault(person.id, person.status)
        try:
            with session.begin_nested():
                report.applied.append(f"{label}: {apply_change(session=session, change=change)}")
        except (ValueError, *REFUSALS) as error:
            report.skipped.append(f"{label}: {error}")
        if person is not None and person.status != touched[person.id]:
            moved.add(person.id)
    # A person the rep moved (accepted, rejected, recycled, won) stays where the rep put them until their next
    # activity: evaluating them now would hand a recycled lead straight back. The others are evaluated, so a lead
    # left qualified without a handoff is handed off here too.
    notify_people_changed(session, set(touched) - moved, get_clock().now())
    for line in report.skipped:
        log.info("skipped %s", line)
    return report


@dataclass
class PullReport:
    """One pull: how many changes the CRM had, what was applied, and where the next pull starts."""

    crm: str
    since: datetime
    cursor: datetime | None
    changes: int
    applied: ApplyReport


def pull(*, connector: CrmConnector, engine: Engine | None = None) -> PullReport:
    """Pull changes since the stored cursor (minus an overlap), apply them, and move the cursor."""
    settings, crm = get_crm_settings(), connector.name
    now = get_clock().now()
    with session_scope(engine) as session:
        row = stored_connection(session=session, crm=crm)
        cursor = row.pull_cursor if row is not None else None
    since = (cursor - timedelta(seconds=settings.crm_pull_overlap_seconds) if cursor
             else now - timedelta(hours=settings.crm_first_pull_hours))
    try:
        result = connector.pull_changes(since)
    except CrmError as error:
        with session_scope(engine) as session:
            _connection(session, crm, now).last_error = str(error)[:2000]
        raise
    with session_scope(engine) as session:
        applied = apply_changes(session=session, changes=result.changes)
        row = _connection(session, crm, now)
        stamps = [c for c in (cursor, result.cursor) if c is not None]
        row.pull_cursor = max(stamps) if stamps else None
        row.last_pull_at, row.last_pull_changes, row.last_error, row.updated_at = now, len(result.changes), None, now
    return PullReport(crm=crm, since=since, cursor=row.pull_cursor, changes=len(result.changes), applied=applied)


def _connection(session: Session, crm: str, now: datetime) -> CrmConnection:
    row = stored_connection(session=session, crm=crm)
    if row is None:
        row = CrmConnection(crm=crm, created_at=now, updated_at=now, options={})
        session.add(row)
    return row
