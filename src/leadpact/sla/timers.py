"""Firing due timers: each fires exactly once, whatever the number of workers, in the transaction of its effect."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.db import session_factory
from leadpact.sla.effects import effect_of
from leadpact.sla.models import Timer

log = logging.getLogger(__name__)


def fire_due_timers(*, engine: Engine, now: datetime, worker_id: str, limit: int | None = None) -> int:
    """Fire every timer due at `now` (or up to `limit`) with its effect; return how many this worker fired."""
    make_session = session_factory(engine)
    failed: set[int] = set()
    fired = 0
    while limit is None or fired < limit:
        if not _any_due(engine, now=now, skip=failed):
            return fired
        with make_session() as session:
            timer = None
            try:
                timer = _claim_next(session, now=now, worker_id=worker_id, skip=failed)
                if timer is None:
                    session.rollback()
                    return fired
                effect_of(timer.kind)(session=session, timer=timer, now=now, worker_id=worker_id)
                session.commit()
                fired += 1
            except Exception:
                session.rollback()
                if timer is None:
                    raise
                # The fire mark rolls back with the effect: the timer stays due and is tried again next pass.
                log.exception("timer #%s (%s) failed; it stays due", timer.id, timer.kind)
                failed.add(timer.id)
    return fired


def _due(now: datetime, skip: set[int]) -> Select[tuple[int]]:
    due = (
        select(Timer.id)
        .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
    )
    return due.where(Timer.id.not_in(skip)) if skip else due


def _any_due(engine: Engine, *, now: datetime, skip: set[int]) -> bool:
    # A read in its own transaction before the claim: a pass with nothing due never asks SQLite for its one write
    # lock, which the ingest writer holds most of the time under load (a claim can wait seconds behind it).
    with engine.connect() as connection:
        return connection.execute(_due(now, skip)).first() is not None


def _claim_next(session: Session, *, now: datetime, worker_id: str, skip: set[int]) -> Timer | None:
    """Mark the next due timer fired by this worker (compare-and-set) and return it, or None when none is due."""
    due = _due(now, skip)
    if session.get_bind().dialect.name == "postgresql":
        # Racing workers each take a different timer instead of waiting on one another's row lock.
        due = due.with_for_update(skip_locked=True)
    # The UPDATE is the transaction's first statement: on SQLite it takes the write lock at once, and its
    # `fired_at IS NULL` guard is the compare-and-set that makes a second worker's attempt change nothing.
    return session.scalars(
        update(Timer)
        .where(Timer.id == due.scalar_subquery(), Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
        .values(fired_at=now, fired_by=worker_id)
        .returning(Timer)
        .execution_options(synchronize_session=False)
    ).first()
