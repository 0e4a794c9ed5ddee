"""The worker: fires due SLA timers, then delivers the outbox, in a loop; any number may run against one database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from leadpact.clock import Clock, get_clock
from leadpact.crm import KIND as CRM
from leadpact.crm import PushReport, deliver_due_pushes
from leadpact.outbox.delivery import deliver_due, deliver_one, record_outcomes, worker_leases
from leadpact.outbox.express import ExpressLane, close_lane, open_lane
from leadpact.outbox.leases import Leases, any_due, release, still_leased
from leadpact.outbox.service import enqueued_signal
from leadpact.outbox.settings import get_outbox_settings
from leadpact.sla.timers import fire_due_timers

log = logging.getLogger("leadpact.worker")
# A backlog of timers (after downtime) is fired in slices, so the outbox is served between them.
TIMERS_PER_PASS = 200


@dataclass
class WorkerTotals:
    """What a worker has done since it started."""

    passes: int = 0
    timers_fired: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    failures: int = 0


class ProcessClock:
    """The process-wide clock, looked up at every reading so a clock installed later (tests, demo) is honoured."""

    def now(self) -> datetime:
        """Return the current time of whatever clock the process has installed."""
        return get_clock().now()


def new_worker_id() -> str:
    """Return a worker name unique across hosts and restarts: host, process id and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def work_once(
    *, engine: Engine, clock: Clock, worker_id: str, totals: WorkerTotals | None = None,
    lane: ExpressLane | None = None, leases: Leases | None = None,
) -> int:
    """Record what the express lane sent, fire the due timers, then deliver one batch of the outbox; return how many
    outcomes, timers and rows were handled. The rows claimed are held under `leases` (the worker's own, renewed
    while it runs), or under leases renewed for this pass."""
    if leases is None:
        own = worker_leases(engine=engine, worker_id=worker_id, now=clock.now)
        with own.renewing():
            return work_once(engine=engine, clock=clock, worker_id=worker_id, totals=totals, lane=lane, leases=own)
    totals = totals if totals is not None else WorkerTotals()
    recorded = record_express(engine=engine, lane=lane, totals=totals) if lane else 0
    # Timers first: a breach's notification is enqueued by its timer and can then go out in the same pass.
    fired = fire_due_timers(engine=engine, now=clock.now(), worker_id=worker_id, limit=TIMERS_PER_PASS)
    # CRM pushes go first and in batches (a few requests for many handoffs); the rest goes row by row.
    # Asked only when one is due: the batched claim is a write, and an idle pass should take no write lock.
    due = any_due(engine=engine, now=clock.now(), kind=CRM)
    pushes = (deliver_due_pushes(worker_id=worker_id, engine=engine, clock=clock, leases=leases) if due
              else PushReport())
    report = deliver_due(engine=engine, now=clock.now(), worker_id=worker_id, clock=clock, leases=leases)
    # Privacy: anonymous events past their retention (at most hourly, by the clock: tests run it in simulated time).
    from leadpact.privacy.jobs import run_due as expire_anonymous_events

    expire_anonymous_events(engine=engine, now=clock.now())
    totals.passes += 1
    totals.timers_fired += fired
    totals.delivered += report.delivered + pushes.delivered
    totals.retried += report.retried + pushes.retried
    totals.dead += report.dead + pushes.dead
    for error in [*pushes.errors, *report.errors]:
        log.warning("delivery failed: %s", error)
    return recorded + fired + pushes.claimed + report.claimed


def record_express(*, engine: Engine, lane: ExpressLane, totals: WorkerTotals) -> int:
    """Record the outcomes of what the express lane sent, in one transaction; return how many."""
    outcomes = lane.drain_outcomes()
    if not outcomes:
        return 0
    try:
        states = record_outcomes(engine=engine, outcomes=[(o.delivery, o.error, o.at) for o in outcomes],
                                 worker_id=lane.worker_id, settings=get_outbox_settings())
    except Exception:
        # Unrecorded, the rows stay leased and pending: no longer renewed, their lease lapses and a claim sends them
        # again under the same idempotency key, which the receivers drop.
        log.exception("worker %s: could not record %s express deliveries", lane.worker_id, len(outcomes))
        totals.failures += 1
        return 0
    finally:
        if lane.leases is not None:
            lane.leases.let_go([o.delivery for o in outcomes])
    totals.delivered += states.count("delivered")
    totals.retried += states.count("pending")
    totals.dead += states.count("dead")
    for outcome in outcomes:
        if outcome.error is not None:
            log.warning("delivery failed: #%s %s %s: %s", outcome.delivery.id, outcome.delivery.kind,
                        outcome.delivery.destination, outcome.error)
    return len(outcomes)


def run_worker(
    *,
    engine: Engine,
    clock: Clock,
    poll_interval: float,
    worker_id: str | None = None,
    stop_event: threading.Event,
    once: bool = False,
    express: bool = False,
) -> WorkerTotals:
    """Work timers and the outbox until `stop_event` is set (or, with `once`, until nothing is due); return totals.

    The rows it claims are held under short leases renewed on a thread while it runs (`leadpact.outbox.leases`).
    With `express`, notifications this process commits are sent at once by a second thread, with no poll and no
    claim (`leadpact.outbox.express`); this loop records their outcomes and does everything else. The transports
    and listeners are the installed wiring's (the app factory or the CLI installs it)."""
    worker_id = worker_id or new_worker_id()
    leases = worker_leases(engine=engine, worker_id=worker_id, now=clock.now)
    with leases.renewing():
        if express and not once:
            return _with_express_lane(engine=engine, clock=clock, poll_interval=poll_interval, worker_id=worker_id,
                                      stop_event=stop_event, leases=leases)
        return _loop(engine=engine, clock=clock, poll_interval=poll_interval, worker_id=worker_id,
                     stop_event=stop_event, once=once, lane=None, leases=leases)


def _with_express_lane(
    *, engine: Engine, clock: Clock, poll_interval: float, worker_id: str, stop_event: threading.Event,
    leases: Leases,
) -> WorkerTotals:
    # The lane holds its rows under a name of its own: a row whose lane lease lapsed (a long transaction wrote it)
    # and that this worker's loop claimed meanwhile is then no longer the lane's to send, and is sent once.
    lane_leases = worker_leases(engine=engine, worker_id=f"{worker_id}:express", now=clock.now)
    lane = open_lane(worker_id=lane_leases.worker_id, engine=engine, now=clock.now, wake=enqueued_signal(),
                     lease=lane_leases.lease, leases=lane_leases)
    sender = threading.Thread(
        target=lane.run, name="leadpact-express",
        args=(deliver_one, lambda found: still_leased(engine=engine, deliveries=found, worker_id=lane.worker_id)),
        daemon=True,
    )
    with lane_leases.renewing():
        sender.start()
        try:
            totals = _loop(engine=engine, clock=clock, poll_interval=poll_interval, worker_id=worker_id,
                           stop_event=stop_event, once=False, lane=lane, leases=leases)
        finally:
            close_lane(lane)
            lane.stop()
            sender.join(30)
            try:
                record_express(engine=engine, lane=lane, totals=WorkerTotals())
                # Rows handed over but not sent: their leases go back so any worker sends them now, not after it.
                unsent = lane.unsent()
                release(engine=engine, deliveries=unsent, worker_id=lane.worker_id)
                lane_leases.let_go(unsent)
            except Exception:
                log.exception("worker %s: express lane not wound down; its rows wait for their leases", worker_id)
    return totals


def _loop(
    *, engine: Engine, clock: Clock, poll_interval: float, worker_id: str, stop_event: threading.Event, once: bool,
    lane: ExpressLane | None, leases: Leases,
) -> WorkerTotals:
    totals = WorkerTotals()
    wake = enqueued_signal()
    while not stop_event.is_set():
        try:
            handled = work_once(engine=engine, clock=clock, worker_id=worker_id, totals=totals, lane=lane,
                                leases=leases)
        except Exception:
            # A database blip must not end the worker: log, wait a poll, try again.
            totals.failures += 1
            log.exception("worker %s: pass failed", worker_id)
            if once:
                raise
            handled = 0
        if handled:
            continue  # more may be due right away: drain before sleeping
        if once:
            break
        # Sleep until the poll interval ends or this process commits new outbox rows, whichever comes first;
        # clearing before the next pass means a commit during that pass is either seen by it or wakes us again.
        wake.wait(poll_interval)
        wake.clear()
    return totals


def start_embedded_worker(app: Any, *, poll_interval: float = 0.5) -> None:
    """Run a worker thread for as long as `app` (FastAPI) is serving, unless LEADPACT_EMBEDDED_WORKER is off."""
    from leadpact.db import get_engine
    from leadpact.outbox.settings import get_outbox_settings

    if not get_outbox_settings().embedded_worker or getattr(app.state, "leadpact_worker", False):
        return
    app.state.leadpact_worker = True  # wired twice (app factory and a caller): still one worker
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        stop = threading.Event()
        thread = threading.Thread(
            target=run_worker,
            kwargs={"engine": get_engine(), "clock": ProcessClock(), "poll_interval": poll_interval,
                    "worker_id": new_worker_id() + ":embedded", "stop_event": stop, "express": True},
            name="leadpact-worker",
            daemon=True,
        )
        thread.start()
        try:
            async with inner(served) as state:
                yield state
        finally:
            stop.set()
            await asyncio.to_thread(thread.join, 10)

    app.router.lifespan_context = lifespan
