"""Activation: re-evaluate every open person under a newly active pact version.

Every open person is evaluated at once by the vectorised engine (`leadpact.engine.bulk`); the few it cannot
decide the live evaluator's way are evaluated by the live evaluator itself. Both are written chunk by chunk, in
person order, as the live path writes them, and listeners to moves hear of each with its Evaluation. The
per-person path (`vectorised=False`, in chunks on every core) stays as the reference the tests compare with.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from bisect import bisect_left, bisect_right
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.engine.inputs import CatalogCache, load_histories
from leadpact.engine.live import AWAITING_HANDOFF, Decision, apply_decisions, decide
from leadpact.lifecycle import OPEN
from leadpact.pact import Catalog, CompiledPact, compile_pact, load_pact
from leadpact.pact.models import PactVersion
from leadpact.people.models import Account, Person
from leadpact.wiring import installed

CHUNK = 2_000
# Below this many people, reading in slices at once (vectorised) or on worker processes (per person) costs more
# than it saves. `workers` is the number of event slices read at once, or of worker processes.
PARALLEL_FROM = 20_000
OPEN_STATES = [s.value for s in OPEN]
PERSON_COLUMNS = [
    Person.id,
    Person.status,
    Person.account_id,
    Person.traits,
    Person.email,
    Person.user_id,
    Person.first_name,
    Person.last_name,
    Person.title,
    Person.seniority,
    Person.department,
    Person.country,
    Person.phone,
    Person.company_name,
]


def reevaluate_all(
    *,
    session: Session,
    version: PactVersion,
    now: datetime,
    chunk: int = CHUNK,
    workers: int | None = None,
    vectorised: bool = True,
) -> dict[str, Any]:
    """Re-evaluate every open person (not won, lost or disqualified) under `version` and apply their moves;
    return how many were evaluated (and how many of them by the live evaluator) and moved, by kind of move, and
    how long it took. `vectorised=False` evaluates each person with the live evaluator, the way it used to."""
    started = time.perf_counter()
    catalog = CatalogCache().get(session)
    ids = list(session.scalars(select(Person.id).where(Person.status.in_(OPEN_STATES)).order_by(Person.id)))
    workers = workers or (os.cpu_count() or 1 if len(ids) >= PARALLEL_FROM else 1)
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        workers = 1  # an in-memory database cannot be opened by another process or connection
    if vectorised:
        return _reevaluate_vectorised(session, version, now, catalog, ids, chunk, workers, started)
    ranges = [(ids[i], ids[min(i + chunk, len(ids)) - 1]) for i in range(0, len(ids), chunk)]
    moves: dict[str, int] = {}
    for decisions in _decisions(session, ranges, version.source, catalog, now, workers):
        for kind, count in apply_decisions(session, decisions, version=version.version, now=now).items():
            moves[kind] = moves.get(kind, 0) + count
        session.flush()
    # The per-person path evaluates everyone with the live evaluator.
    return _summary(ids, moves, started, workers, live=len(ids))


def _decisions(
    session: Session, ranges: list[tuple[int, int]], source: str, catalog: Catalog, now: datetime, workers: int
) -> Any:
    if workers <= 1:
        compiled = compile_pact(load_pact(source))
        for low, high in ranges:
            yield decide_range(session.connection(), compiled, catalog, low, high, now)
        return
    assets = dict(catalog.by_id)
    url = session.get_bind().url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(url, source, assets)
    ) as pool:
        yield from pool.map(
            _worker_range, [low for low, _ in ranges], [high for _, high in ranges], [now] * len(ranges)
        )


def decide_range(
    connection: Any, compiled: CompiledPact, catalog: Catalog, low: int, high: int, now: datetime
) -> list[Decision]:
    """Load the open people with ids in [low, high], their accounts and histories, and decide their moves."""
    return _decide(connection, compiled, catalog, Person.id.between(low, high), now)


def decide_people(
    connection: Any, compiled: CompiledPact, catalog: Catalog, ids: list[int], now: datetime
) -> list[Decision]:
    """Load the open people among `ids`, their accounts and histories, and decide their moves."""
    return _decide(connection, compiled, catalog, Person.id.in_(ids), now)


def _decide(connection: Any, compiled: CompiledPact, catalog: Catalog, which: Any, now: datetime) -> list[Decision]:
    people = connection.execute(select(*PERSON_COLUMNS).where(which, Person.status.in_(OPEN_STATES))).all()
    account_ids = sorted({p.account_id for p in people if p.account_id is not None})
    accounts = (
        {a.id: a for a in connection.execute(select(Account).where(Account.id.in_(account_ids)))} if account_ids else {}
    )
    histories = load_histories(connection, [p.id for p in people])
    return decide(people=people, accounts=accounts, histories=histories, compiled=compiled, catalog=catalog, now=now)


_worker: dict[str, Any] = {}


def _start_worker(url: str, source: str, assets: dict[str, Any]) -> None:
    from leadpact.db import make_engine

    _worker["engine"] = make_engine(url)
    _worker["compiled"] = compile_pact(load_pact(source))
    _worker["catalog"] = Catalog(assets)


def _worker_range(low: int, high: int, now: datetime) -> list[Decision]:
    engine: Engine = _worker["engine"]
    with engine.connect() as connection:
        return decide_range(connection, _worker["compiled"], _worker["catalog"], low, high, now)


def _reevaluate_vectorised(
    session: Session, version: PactVersion, now: datetime, catalog: Catalog, ids: list[int], chunk: int,
    workers: int, started: float,
) -> dict[str, Any]:
    # Imported here: Polars and the backtest engine load only when a pact is activated.
    import polars as pl

    from leadpact.engine.bulk import bulk_decisions
    from leadpact.engine.bulk_evaluations import evaluations
    from leadpact.engine.bulk_write import write_chunk

    if session.get_bind().dialect.name != "sqlite":
        workers = 1  # slices are read at once from a SQLite file only (see snapshot.py)
    if not ids:  # nobody to re-evaluate: the database need not be read
        return _summary(ids, {}, started, workers, live=0)
    collecting = gc.isenabled()
    # Hundreds of thousands of rows, reasons and moves live at once: the cyclic collector would walk them all
    # over and over and find nothing (they hold no cycles); reference counting frees them as usual.
    gc.disable()
    try:
        compiled = compile_pact(load_pact(version.source))
        bulk = bulk_decisions(session.connection(), compiled, catalog, now, OPEN_STATES, workers=workers)
        frame = bulk.frame.filter(pl.col("person").is_in(ids))
        live_ids = set(bulk.deferred) | (set(ids) - set(frame["person"].to_list()))  # nobody open is left out
        frame = frame.filter(~pl.col("person").is_in(list(live_ids)))
        # listeners receive each move's Evaluation, and that of each person left awaiting a handoff: rebuilt from
        # the vectorised columns, for those people only
        wiring = installed()
        told = frame.filter(pl.col("to_status").is_not_null()
                            | pl.col("from_status").is_in(list(AWAITING_HANDOFF)))
        targets = wiring.heard_statuses()
        if targets is not None:
            told = told.filter(pl.coalesce("to_status", "from_status").is_in(list(targets)))
        heard = evaluations(compiled, told, now) if wiring.engine_moved and told.height else {}
        moves: dict[str, int] = {}
        ordered = frame["person"].to_list()
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            mine = [person for person in part if person in live_ids]
            decisions = decide_people(session.connection(), compiled, catalog, mine, now) if mine else []
            # the frame is sorted by person: each chunk is a slice of it, found by binary search
            first, end = bisect_left(ordered, part[0]), bisect_right(ordered, part[-1])
            rows = frame.slice(first, end - first)
            for kind, count in write_chunk(session, bulk=rows, decisions=decisions, version=version.version,
                                           now=now, evaluations=heard).items():
                moves[kind] = moves.get(kind, 0) + count
            session.flush()
    finally:
        if collecting:
            gc.enable()
    return _summary(ids, moves, started, workers, live=len(live_ids & set(ids)))


def _summary(ids: list[int], moves: dict[str, int], started: float, workers: int, *, live: int) -> dict[str, Any]:
    return {
        "people_evaluated": len(ids),
        "people_moved": sum(moves.values()),
        "moves": moves,
        "seconds": round(time.perf_counter() - started, 3),
        "workers": workers,
        "evaluated_live": live,
    }
