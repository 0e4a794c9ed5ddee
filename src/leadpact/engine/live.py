"""Live evaluation: every stored batch re-evaluates its people under the active pact and moves them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.db import upsert_rows
from leadpact.engine.inputs import CatalogCache, account_facts, load_histories, person_facts
from leadpact.engine.outcome import evaluation_row, reasons, target_status
from leadpact.engine.rows import account_rows, people_rows
from leadpact.lifecycle import SYSTEM, Status, is_allowed
from leadpact.lifecycle.service import Move, apply_moves
from leadpact.lifecycle.states import AUTOMATIC, BEFORE_HANDOFF
from leadpact.pact import Catalog, CompiledPact, Evaluation, compile_pact, evaluate, stored_pact
from leadpact.pact.models import Evaluation as EvaluationRow
from leadpact.pact.models import PactVersion
from leadpact.pact.versions import active_version_fields
from leadpact.people.models import Person
from leadpact.wiring import installed

# Called after the engine moved a person, with (session, person, from, to, evaluation, now): the handoff domain
# listens here (entering mql or hot hands off; entering needs_context publishes what is missing). A person the
# engine evaluates and leaves in mql or hot is told of too, as a move from that status to itself: a lead left there
# without a handoff (by a process that qualified them and handed nobody off) is handed off the next time anything
# touches them. The listeners are the installed wiring's (`leadpact.wiring`).
Moved = Callable[[Session, Person, str, str, Evaluation, datetime], None]
# Statuses whose only automatic way on is a handoff: a person evaluated there stays there until handed off.
AWAITING_HANDOFF = frozenset(source.value for source, target in AUTOMATIC if target == Status.handed_off)


def told(from_status: str, to_status: str | None) -> bool:
    """Whether the engine's listeners hear of a decision: a move, or a person left awaiting a handoff."""
    return to_status is not None or from_status in AWAITING_HANDOFF


def tell_listeners(session: Session, moves: list[tuple[int, str, str, Evaluation]], now: datetime) -> None:
    """Tell each listener of the moves (person id, from, to, evaluation) into the statuses it hears of."""
    heard = installed().engine_moved
    moves = [m for m in moves if any(targets is None or m[2] in targets for _, targets in heard)]
    if not moves:
        return
    # One query for everyone heard of; held here, since the session only keeps weak references.
    ids = [m[0] for m in moves]
    people = {
        p.id: p
        for start in range(0, len(ids), 500)
        for p in session.scalars(select(Person).where(Person.id.in_(ids[start : start + 500])))
    }
    for person_id, source, target, evaluation in moves:
        for listener, targets in heard:
            if targets is None or target in targets:
                listener(session, people[person_id], source, target, evaluation, now)


class ActivePact:
    """The active pact version, compiled once and recompiled only when another version becomes active."""

    def __init__(self) -> None:
        self.version_id: int | None = None
        self.version: int | None = None
        self.compiled: CompiledPact | None = None

    def get(self, session: Session) -> tuple[int, CompiledPact] | None:
        """Return (version number, compiled pact), or None when no version is active."""
        # Asked for every stored batch: straight to the driver, and the pact's text only when the version changed.
        row = active_version_fields(session=session, columns="id, version")
        if row is None:
            return None
        version_id, version = row
        if version_id != self.version_id:
            source = session.scalar(select(PactVersion.source).where(PactVersion.id == version_id))
            self.compiled = compile_pact(stored_pact(source))
            self.version_id, self.version = version_id, version
        assert self.compiled is not None and self.version is not None
        return self.version, self.compiled


class LiveEngine:
    """Evaluates people as their events arrive, keeping recent histories in memory between batches."""

    def __init__(self, *, history_cache_size: int = 50_000) -> None:
        self.pact = ActivePact()
        self.catalog = CatalogCache()
        self.histories: OrderedDict[int, tuple[int, list[dict[str, Any]]]] = OrderedDict()
        self.cache_size = history_cache_size

    def forget(self) -> None:
        """Drop cached histories (tests and the demo use a fresh engine per workspace)."""
        self.histories.clear()

    def __call__(self, session: Session, new_events: dict[int, list[dict[str, Any]]], now: datetime) -> None:
        """Re-evaluate the people of one stored batch (an ingest listener)."""
        active = self.pact.get(session)
        if active is None or not new_events:
            return
        version, compiled = active
        people = people_rows(session, new_events)
        histories = self._histories(session, people, new_events)
        evaluate_and_move(
            session,
            people=people,
            histories=histories,
            compiled=compiled,
            version=version,
            catalog=self.catalog.get(session),
            now=now,
            triggers={pid: events[-1]["message_id"] for pid, events in new_events.items() if events},
        )

    def _histories(
        self, session: Session, people: list[Any], new_events: dict[int, list[dict[str, Any]]]
    ) -> dict[int, list[dict[str, Any]]]:
        histories: dict[int, list[dict[str, Any]]] = {}
        stale = []
        for person in people:
            cached = self.histories.get(person.id)
            fresh = new_events.get(person.id, [])
            # Trust the cache only when nobody else (another process, a merge) added events meanwhile.
            if cached is not None and cached[0] + len(fresh) == person.event_count:
                histories[person.id] = cached[1] + fresh
            else:
                stale.append(person.id)
        histories.update(load_histories(session, stale))
        for person in people:
            self.histories[person.id] = (person.event_count, histories[person.id])
            self.histories.move_to_end(person.id)
        while len(self.histories) > self.cache_size:
            self.histories.popitem(last=False)
        return histories


@dataclass(frozen=True, slots=True)
class Decision:
    """What evaluating one person decided: the evaluation, and the move it earns (None when it earns none)."""

    person_id: int
    from_status: str
    to_status: str | None
    evaluation: Evaluation


def decide(
    *,
    people: list[Any],
    accounts: dict[int, Any],
    histories: dict[int, list[dict[str, Any]]],
    compiled: CompiledPact,
    catalog: Catalog,
    now: datetime,
) -> list[Decision]:
    """Evaluate people (ORM objects or rows with the person columns) and decide their forward moves; no I/O."""
    decisions = []
    facts_of: dict[int, dict[str, Any] | None] = {}  # colleagues share their account's facts (read-only)
    for person in people:
        account_id = person.account_id or 0
        if account_id not in facts_of:
            facts_of[account_id] = account_facts(accounts.get(account_id))
        evaluation = evaluate(
            compiled,
            person=person_facts(person),
            account=facts_of[account_id],
            events=histories.get(person.id, []),
            content=catalog,
            as_of=now,
        )
        current, target = Status(person.status), target_status(evaluation)
        earned = current in BEFORE_HANDOFF and target != current and is_allowed(current, target, automatic=True)
        decisions.append(Decision(person.id, current.value, target.value if earned else None, evaluation))
    return decisions


def apply_decisions(
    session: Session,
    decisions: list[Decision],
    *,
    version: int,
    now: datetime,
    triggers: dict[int, str] | None = None,
) -> dict[str, int]:
    """Store evaluations, make the decided moves through the lifecycle, tell the listeners; count moves by kind."""
    rows = [evaluation_row(d.person_id, version, d.evaluation, now) for d in decisions]
    upsert_rows(session.connection(), EvaluationRow.__table__, rows, key="person_id")
    moving = [d for d in decisions if d.to_status is not None]
    moves = [
        Move(d.person_id, d.from_status, d.to_status or "", reasons(d.evaluation), (triggers or {}).get(d.person_id))
        for d in moving
    ]
    apply_moves(session=session, moves=moves, at=now, actor=SYSTEM, pact_version=version)
    tell_listeners(session, [(d.person_id, d.from_status, d.to_status or d.from_status, d.evaluation)
                             for d in decisions if told(d.from_status, d.to_status)], now)
    counted: dict[str, int] = {}
    for m in moves:
        kind = f"{m.from_status}→{m.to_status}"
        counted[kind] = counted.get(kind, 0) + 1
    return counted


def evaluate_and_move(
    session: Session,
    *,
    people: list[Any],
    histories: dict[int, list[dict[str, Any]]],
    compiled: CompiledPact,
    version: int,
    catalog: Catalog,
    now: datetime,
    triggers: dict[int, str] | None = None,
) -> dict[str, int]:
    """Evaluate people, store their evaluations, make the forward moves they earn; return moves counted by kind."""
    accounts = account_rows(session, {p.account_id for p in people if p.account_id is not None})
    decisions = decide(
        people=people, accounts=accounts, histories=histories, compiled=compiled, catalog=catalog, now=now
    )
    return apply_decisions(session, decisions, version=version, now=now, triggers=triggers)


# One engine (and so one history cache and compiled pact) per database: person ids and pact version ids mean
# nothing across databases. A cache of what the database holds, not a registry: forgetting it changes no outcome.
_engines: dict[str, LiveEngine] = {}


def live_engine(session: Session) -> LiveEngine:
    """Return the live engine of the session's database (created on first use)."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    return _engines.setdefault(url, LiveEngine())


def evaluate_changed_people(session: Session, new_events: dict[int, list[dict[str, Any]]], now: datetime) -> None:
    """Re-evaluate the people of one stored batch under the active pact (the wiring's `people_changed` listener)."""
    live_engine(session)(session, new_events, now)


def forget_live_engines() -> None:
    """Drop every cached history and compiled pact (tests and the demo start from a fresh database)."""
    _engines.clear()
