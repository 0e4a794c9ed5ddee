"""The worker's privacy job: anonymous events older than `anonymous_retention_days` are deleted.

Anonymous events are those of nobody who identified: no person (an erased person's events, detached), or a person
with no email and no user id. The people left with no events and nothing that says who they are go with them (their
anonymous ids are identifiers too), unless the aggregates count them (they qualified, or were handed off).

The job runs at most once an hour per worker process, in batches, each in its own transaction, so it never holds the
write lock long; any number of workers may run it at once."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, exists, or_, select, update
from sqlalchemy.engine import Engine

from leadpact.config import Settings
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.lifecycle.models import Transition
from leadpact.people.models import Person

log = logging.getLogger("leadpact.privacy")
EVERY = timedelta(hours=1)
BATCH = 5_000
# Someone who reached these counts in the metrics of their month: their row stays even when their events expire.
QUALIFIED = ("mql", "hot")
_last_run: dict[str, datetime] = {}
_lock = threading.Lock()


def retention_days() -> int:
    """The configured retention of anonymous events, in days (read afresh: the job runs once an hour)."""
    return Settings().anonymous_retention_days


def delete_expired_anonymous_events(*, engine: Engine, now: datetime, retention: int | None = None,
                                    batch: int = BATCH) -> int:
    """Delete anonymous events older than the retention (and the anonymous people they leave empty); return how
    many events were deleted."""
    cutoff = now - timedelta(days=retention if retention is not None else retention_days())
    unidentified = select(Person.id).where(Person.email.is_(None), Person.user_id.is_(None),
                                           Person.erased_at.is_(None))
    expired = and_(Event.timestamp < cutoff, or_(Event.person_id.is_(None), Event.person_id.in_(unidentified)))
    deleted = 0
    while True:
        with engine.begin() as connection:
            ids = list(connection.scalars(select(Event.id).where(expired).order_by(Event.id).limit(batch)))
            if not ids:
                break
            # What this transaction deleted (another worker may have taken some of the same rows first).
            owners = list(connection.scalars(delete(Event).where(Event.id.in_(ids)).returning(Event.person_id)))
            counts: dict[int, int] = {}
            for person_id in owners:
                if person_id is not None:
                    counts[person_id] = counts.get(person_id, 0) + 1
            for person_id, count in counts.items():
                # The live engine trusts its cached history only while this count matches: keep it true.
                connection.execute(update(Person).where(Person.id == person_id).values(event_count=case(
                    (Person.event_count > count, Person.event_count - count), else_=0)))
            connection.execute(delete(Person).where(
                Person.id.in_(list(counts)), Person.email.is_(None), Person.user_id.is_(None),
                Person.erased_at.is_(None), ~exists().where(Event.person_id == Person.id),
                ~exists().where(Handoff.person_id == Person.id), ~exists().where(Opportunity.person_id == Person.id),
                ~exists().where(Transition.person_id == Person.id, Transition.to_status.in_(QUALIFIED))))
        deleted += len(owners)
    if deleted:
        log.info("deleted %d anonymous events older than %s", deleted, cutoff.isoformat())
    return deleted


def run_due(*, engine: Engine, now: datetime) -> int:
    """Run the retention job when an hour (of the clock given) has passed since this process last ran it on this
    database; return the events deleted."""
    key = str(engine.url)
    with _lock:
        last = _last_run.get(key)
        if last is not None and now - last < EVERY:
            return 0
        _last_run[key] = now
    return delete_expired_anonymous_events(engine=engine, now=now)
