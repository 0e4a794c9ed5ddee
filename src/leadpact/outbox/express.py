"""The express lane: notifications written by this process go straight to its embedded worker once committed.

The row is written already leased to that worker, and its snapshot is handed over in memory after the commit, so
the rep's email leaves without a poll and without a claim. On SQLite the claim was the slow part: it needs the one
write lock, which the ingest writer holds nearly all the time under load, and SQLite's busy wait backs off to
100 ms retries that keep losing to it (seconds, measured). The outcome is recorded afterwards by the worker loop.

Nothing changes for other processes or when no lane is open: rows wait for a claim as before. A lane that closes
(shutdown, crash) leaves its undelivered rows leased until the lease lapses (seconds: a lane renews the leases of the
rows handed to it while they wait); then any worker claims them, and the idempotency key keeps a repeat harmless."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadpact.outbox.leases import Leases
from leadpact.outbox.transports import Delivery, DeliveryError, smtp_session

log = logging.getLogger(__name__)
# CRM pushes stay in the outbox for the worker's batched push: many handoffs in a few requests.
EXPRESS_KINDS = frozenset({"email", "slack", "webhook"})


@dataclass
class Outcome:
    """A delivery the lane attempted, its error (None: delivered) and when the attempt ended."""

    delivery: Delivery
    error: DeliveryError | None
    at: datetime


@dataclass
class ExpressLane:
    """Deliveries leased to one in-process worker, waiting to be sent, and the outcomes waiting to be recorded."""

    worker_id: str
    engine: Any  # the database the worker works: rows written to another one wait for a claim there
    lease: timedelta
    now: Callable[[], datetime]
    wake: threading.Event  # set when outcomes wait to be recorded: the worker loop sleeps on it
    # The leases of the rows handed over, renewed while they wait and are sent (None: not renewed).
    leases: Leases | None = None
    waiting: queue.SimpleQueue[Delivery | None] = field(default_factory=queue.SimpleQueue)
    outcomes: queue.SimpleQueue[Outcome] = field(default_factory=queue.SimpleQueue)

    def hand_over(self, deliveries: list[Delivery]) -> None:
        """Queue committed deliveries for sending, their leases renewed from now on."""
        if self.leases is not None:
            self.leases.hold(deliveries, leased_at=[d.now for d in deliveries])
        for delivery in deliveries:
            self.waiting.put(delivery)

    def drain_outcomes(self) -> list[Outcome]:
        """Return the outcomes waiting to be recorded, oldest first."""
        found = []
        while True:
            try:
                found.append(self.outcomes.get_nowait())
            except queue.Empty:
                return found

    def run(self, deliver: Callable[[Delivery], DeliveryError | None],
            confirm: Callable[[list[Delivery]], list[Delivery]]) -> None:
        """Send queued deliveries until `stop`: each burst is confirmed against the outbox in one read (a row
        rolled back with a savepoint never leaves) and sent over one SMTP connection."""
        while True:
            burst = [self.waiting.get()]
            while True:
                try:
                    burst.append(self.waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                sendable = confirm([d for d in burst if d is not None])
            except Exception:
                # Unconfirmed rows are not sent from here: their lease lapses and a claim delivers them.
                log.exception("express lane: could not confirm %s outbox row(s)", len(burst))
                sendable = []
            with smtp_session():
                for delivery in sendable:
                    self.outcomes.put(Outcome(delivery, deliver(delivery), self.now()))
                    self.wake.set()
            if None in burst:
                return

    def stop(self) -> None:
        """Ask `run` to return once the burst in hand is sent."""
        self.waiting.put(None)

    def unsent(self) -> list[Delivery]:
        """Take the deliveries still queued (after `stop`), so their leases can be released."""
        left = []
        while True:
            try:
                item = self.waiting.get_nowait()
            except queue.Empty:
                return left
            if item is not None:
                left.append(item)


_lane: ExpressLane | None = None
# A snapshot of a row written onto the lane: (worker id, row id, kind, topic, destination, payload, key, now).
Snapshot = tuple[str, int, str, str, str, dict[str, Any], str, datetime]
_lane_lock = threading.Lock()


def open_lane(
    *, worker_id: str, engine: Any, lease: timedelta, now: Callable[[], datetime], wake: threading.Event,
    leases: Leases | None = None,
) -> ExpressLane:
    """Open this process's express lane to `worker_id` on `engine` (one per process; an open one is replaced); the
    rows handed over are held under `leases` when given (renewed while they wait)."""
    global _lane
    with _lane_lock:
        _lane = ExpressLane(worker_id, engine, lease, now, wake, leases)
        return _lane


def close_lane(lane: ExpressLane) -> None:
    """Close `lane` if it is still this process's: rows written from now on wait for a claim."""
    global _lane
    with _lane_lock:
        if _lane is lane:
            _lane = None


def current_lane() -> ExpressLane | None:
    """Return this process's open express lane, or None."""
    return _lane


def lane_for(kind: str, engine: Any) -> ExpressLane | None:
    """Return the open lane when rows of `kind` written through `engine` take it, else None."""
    lane = _lane
    return lane if lane is not None and kind in EXPRESS_KINDS and engine is lane.engine else None


def hand_over(snapshots: list[Snapshot]) -> None:
    """Queue committed rows on the lane they were leased to while it is open (else their lease lapses)."""
    lane = _lane
    if lane is None:
        return
    lane.hand_over([
        Delivery(id=row_id, kind=kind, topic=topic, destination=destination, payload=payload, idempotency_key=key,
                 attempt=1, now=now)
        for worker, row_id, kind, topic, destination, payload, key, now in snapshots if worker == lane.worker_id
    ])
