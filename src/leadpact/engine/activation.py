"""Activation: re-evaluate every open person under a newly active pact version, in chunks."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.engine.inputs import CatalogCache, load_histories
from leadpact.engine.live import evaluate_and_move
from leadpact.lifecycle import OPEN
from leadpact.pact import compile_pact, load_pact
from leadpact.pact.models import PactVersion
from leadpact.people.models import Person

CHUNK = 2_000


def reevaluate_all(*, session: Session, version: PactVersion, now: datetime, chunk: int = CHUNK) -> dict[str, Any]:
    """Re-evaluate every open person (not won, lost or disqualified) under `version` and apply their moves;
    return how many were evaluated and moved, by kind of move, and how long it took."""
    started = time.perf_counter()
    compiled = compile_pact(load_pact(version.source))
    catalog = CatalogCache().get(session)
    open_states = [s.value for s in OPEN]
    evaluated, moves = 0, {}
    last_id = 0
    while True:
        people = session.scalars(
            select(Person).where(Person.id > last_id, Person.status.in_(open_states)).order_by(Person.id).limit(chunk)
        ).all()
        if not people:
            break
        last_id = people[-1].id
        histories = load_histories(session, [p.id for p in people])
        counted = evaluate_and_move(
            session,
            people=people,
            histories=histories,
            compiled=compiled,
            version=version.version,
            catalog=catalog,
            now=now,
        )
        for kind, count in counted.items():
            moves[kind] = moves.get(kind, 0) + count
        evaluated += len(people)
        # Each chunk's people are done with: keep memory flat over hundreds of thousands of people.
        session.flush()
        for person in people:
            session.expunge(person)
    return {
        "people_evaluated": evaluated,
        "people_moved": sum(moves.values()),
        "moves": moves,
        "seconds": round(time.perf_counter() - started, 3),
    }
