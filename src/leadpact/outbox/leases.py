"""Leases on outbox rows, one protocol for notifications and CRM pushes: a worker claims due rows for a short lease
and renews it while it works on them.

A row leased to a live worker is never claimed by another; a row whose worker died (SIGKILL, a lost host) stops
being renewed and is free again within one lease (LEADPACT_OUTBOX_LEASE_SECONDS, 10 s by default), so a hot lead's
notification waits seconds, not minutes, for another worker. A worker renews each row it holds every third of the
lease, and stops renewing a row it has held for LEADPACT_OUTBOX_MAX_HOLD_SECONDS, so a wedged delivery cannot keep
a row from other workers forever."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.engine import Engine

from leadpact.outbox.models import OutboxMessage
from leadpact.outbox.transports import Delivery

log = logging.getLogger(__name__)
outbox = cast(Table, OutboxMessage.__table__)


def free(now: datetime) -> ColumnElement[bool]:
    """The condition of a row nobody holds at `now`: never leased, or its lease lapsed."""
    return or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)


def any_due(*, engine: Engine, now: datetime, kind: str | None = None) -> bool:
    """Whether a row (of `kind`, when given) is due and free to claim: one read, in its own transaction."""
    due = select(outbox.c.id).where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now, free(now)).limit(1)
    if kind is not None:
        due = due.where(outbox.c.kind == kind)
    with engine.connect() as connection:
        return connection.execute(due).first() is not None


def claim(*, engine: Engine, now: datetime, worker_id: str, limit: int, lease: timedelta,
          kind: str | None = None) -> list[Delivery]:
    """Lease up to `limit` due rows (of `kind`, when given) to `worker_id` until `now + lease` and return them in id
    order; a row leased to another live worker is never returned."""
    # A read first: an idle pass then never asks SQLite for its one write lock, which the ingest writer holds
    # most of the time under load and behind which a claim waits for seconds.
    if not any_due(engine=engine, now=now, kind=kind):
        return []
    due = (select(outbox.c.id).where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now, free(now))
           .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit))
    if kind is not None:
        due = due.where(outbox.c.kind == kind)
    if engine.dialect.name == "postgresql":
        # Concurrent workers take disjoint rows instead of queueing behind each other's locks.
        due = due.with_for_update(skip_locked=True)
    # One statement: on SQLite it is the compare-and-set (`free` re-checked under the single writer lock), on
    # PostgreSQL the rows are already locked by the sub-select.
    statement = (
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.state == "pending", free(now))
        .values(locked_by=worker_id, locked_until=now + lease)
        .returning(outbox.c.id, outbox.c.kind, outbox.c.topic, outbox.c.destination, outbox.c.payload,
                   outbox.c.idempotency_key, outbox.c.attempts)
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    return sorted(
        (Delivery(id=row.id, kind=row.kind, topic=row.topic, destination=row.destination, payload=row.payload or {},
                  idempotency_key=row.idempotency_key, attempt=row.attempts + 1, now=now) for row in rows),
        key=lambda delivery: delivery.id,
    )


def renew(*, engine: Engine, ids: Iterable[int], worker_id: str, until: datetime) -> set[int]:
    """Extend to `until` the leases `worker_id` still holds on these rows (pending ones); return the ids renewed."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    with engine.begin() as connection:
        return set(connection.execute(
            update(outbox)
            .where(outbox.c.id.in_(wanted), outbox.c.state == "pending", outbox.c.locked_by == worker_id)
            .values(locked_until=until)
            .returning(outbox.c.id)
        ).scalars())


def release(*, engine: Engine, deliveries: list[Delivery], worker_id: str) -> int:
    """Give back the leases of rows this worker will not send (it is stopping), so any worker claims them now."""
    if not deliveries:
        return 0
    with engine.begin() as connection:
        return connection.execute(
            update(outbox)
            .where(outbox.c.id.in_([d.id for d in deliveries]), outbox.c.state == "pending",
                   outbox.c.locked_by == worker_id)
            .values(locked_by=None, locked_until=None)
        ).rowcount


def still_leased(*, engine: Engine, deliveries: list[Delivery], worker_id: str) -> list[Delivery]:
    """Return the deliveries whose rows exist, pending and leased to `worker_id`, under the same key (one read)."""
    if not deliveries:
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.id, outbox.c.idempotency_key)
            .where(outbox.c.id.in_([d.id for d in deliveries]), outbox.c.state == "pending",
                   outbox.c.locked_by == worker_id)
        ).all()
    found = {(row.id, row.idempotency_key) for row in rows}
    return [d for d in deliveries if (d.id, d.idempotency_key) in found]


class Leases:
    """The rows one worker holds, claimed or handed to it, and the renewal of their leases while it works."""

    def __init__(self, *, engine: Engine, worker_id: str, lease: timedelta, now: Callable[[], datetime],
                 max_hold: timedelta = timedelta(minutes=10), monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.worker_id, self.lease, self.now = engine, worker_id, lease, now
        self.max_hold = max_hold.total_seconds()
        self._monotonic = monotonic
        self._held: dict[int, float] = {}  # row id → when this worker took it (monotonic seconds)
        self._lock = threading.Lock()
        self._soon = threading.Event()  # set to renew now rather than at the next third of the lease

    @property
    def every(self) -> float:
        """Seconds between renewals: a third of the lease, so two renewals can fail before the lease lapses."""
        return max(0.05, self.lease.total_seconds() / 3)

    def claim(self, *, limit: int, kind: str | None = None, now: datetime | None = None) -> list[Delivery]:
        """Claim up to `limit` due rows (of `kind`) under this worker's lease and hold them until let go."""
        claimed = claim(engine=self.engine, now=now or self.now(), worker_id=self.worker_id, limit=limit,
                        lease=self.lease, kind=kind)
        self.hold(claimed)
        return claimed

    def hold(self, deliveries: Iterable[Delivery], *, leased_at: Iterable[datetime] = ()) -> None:
        """Renew these rows' leases from now on (rows claimed, or written leased to this worker at `leased_at`)."""
        taken = self._monotonic()
        with self._lock:
            for delivery in deliveries:
                self._held.setdefault(delivery.id, taken)
        # Rows written leased by a long transaction (an activation's handoffs) may be near the end of their lease
        # when it commits: renew them at once rather than at the next turn.
        oldest = min(leased_at, default=None)
        if oldest is not None and self.now() - oldest >= self.lease / 3:
            self._soon.set()

    def let_go(self, deliveries: Iterable[Delivery]) -> None:
        """Stop renewing these rows (their outcome is recorded, or their lease given back)."""
        with self._lock:
            for delivery in deliveries:
                self._held.pop(delivery.id, None)

    def held(self) -> list[int]:
        """The ids of the rows this worker holds, in id order."""
        with self._lock:
            return sorted(self._held)

    def renew(self) -> int:
        """Extend the lease of every row held (not those held past `max_hold`); return how many were renewed.

        Rows another worker took over (this worker's lease lapsed meanwhile) or that are no longer pending are
        forgotten: they are not this worker's to renew."""
        moment = self._monotonic()
        with self._lock:
            ids = [row for row, taken in self._held.items() if moment - taken < self.max_hold]
        if not ids:
            return 0  # nothing held: no write, so an idle worker never takes SQLite's write lock
        renewed = renew(engine=self.engine, ids=ids, worker_id=self.worker_id, until=self.now() + self.lease)
        lost = set(ids) - renewed
        if lost:
            with self._lock:
                for row in lost:
                    self._held.pop(row, None)
        return len(renewed)

    def keep_renewing(self, stop: threading.Event) -> None:
        """Renew every `every` seconds until `stop` is set (a thread's target); a failed renewal is tried again."""
        while True:
            self._soon.wait(self.every)
            self._soon.clear()
            if stop.is_set():
                return
            try:
                self.renew()
            except Exception:
                # A database blip: the next renewal, a third of a lease later, still comes before the lease lapses.
                log.exception("worker %s: could not renew its leases", self.worker_id)

    @contextmanager
    def renewing(self) -> Iterator[Leases]:
        """Renew the held rows on a thread for the duration of the block."""
        stop = threading.Event()
        thread = threading.Thread(target=self.keep_renewing, args=(stop,), name="leadpact-leases", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            self._soon.set()
            thread.join(30)
