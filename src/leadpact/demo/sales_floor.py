"""The demo's sales floor: reps who answer handoffs at their own pace and dispose of them as the hidden truth
says a real rep would — through the same feedback functions the API and CLI use, in simulated time."""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.db import fetch_rows, placeholder, session_rows, session_scope
from leadpact.demo.company import DemoCompany
from leadpact.feedback import FeedbackRefused, accept, lose, mark_contacted, open_opportunity, qualify, reject, win
from leadpact.sla import Timer
from leadpact.sla.timers import fire_due_timers

WORKER = "demo-sales-floor"
NEW_HANDOFFS_SQL = (
    "SELECT handoffs.id, handoffs.person_id, handoffs.created_at, users.email, people.email FROM handoffs "
    "JOIN reps ON reps.id = handoffs.rep_id JOIN users ON users.id = reps.user_id "
    "JOIN people ON people.id = handoffs.person_id WHERE handoffs.id > {mark} ORDER BY handoffs.id"
)
NEXT_TIMER_SQL = "SELECT MIN(due_at) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL"
HOLDER_SQL = (
    "SELECT users.email FROM handoffs JOIN reps ON reps.id = handoffs.rep_id JOIN users ON users.id = reps.user_id "
    "WHERE handoffs.id = {mark}"
)


@dataclass(order=True)
class Action:
    """Something a rep will do at a moment: touch, accept or reject, qualify, open, win or lose."""

    at: datetime
    order: int
    kind: str = field(compare=False)
    handoff_id: int = field(compare=False)
    person_id: int = field(compare=False)
    detail: dict[str, Any] = field(compare=False, default_factory=dict)


class SalesFloor:
    """Schedules each new handoff's story from the hidden truth and plays it out as simulated time passes."""

    def __init__(self, company: DemoCompany, *, engine: Engine, seed: int) -> None:
        self.company = company
        self.engine = engine
        self.rng = random.Random(seed)
        self.queue: list[Action] = []
        self.counter = itertools.count()
        self.last_handoff = 0
        self.demo_rep = {rep.email: rep.id for rep in company.reps}
        self.refused: list[str] = []

    def schedule_new_handoffs(self) -> int:
        """Plan what the rep will do with every handoff created since the last call; return how many."""
        rows = self._read(NEW_HANDOFFS_SQL, (self.last_handoff,))
        for handoff_id, person_id, created_at, rep_email, person_email in rows:
            self.last_handoff = max(self.last_handoff, handoff_id)
            self._plan(handoff_id, person_id, self._time(created_at), rep_email, person_email)
        return len(rows)

    def _plan(self, handoff_id: int, person_id: int, created: datetime, rep_email: str, email: str | None) -> None:
        truth = self.company.truth
        who = self.company.person_by_identifier.get(email or "")
        rep = self.demo_rep.get(rep_email)
        touch = created + timedelta(minutes=truth.rep_response_minutes(rep, self.rng) if rep else 60)
        self._at(touch, "contacted", handoff_id, person_id)
        if self.rng.random() < 0.06:
            return  # some handoffs never get a disposition: the feedback clock chases them
        decided = touch + timedelta(hours=self.rng.uniform(0.5, 72))
        if who is None or self.rng.random() >= truth.acceptance_probability(who, at=created):
            reason = truth.likely_rejection_reason(who, self.rng, at=created) if who else "unreachable"
            self._at(decided, "reject", handoff_id, person_id, reason=reason)
            return
        self._at(decided, "accept", handoff_id, person_id)
        qualified = decided + timedelta(days=self.rng.uniform(1, 10))
        won = self.rng.random() < truth.win_probability(who, at=created)
        if not won and self.rng.random() < 0.35:
            self._at(qualified, "lose", handoff_id, person_id, reason="no_budget")
            return
        self._at(qualified, "qualify", handoff_id, person_id)
        opened = qualified + timedelta(days=self.rng.uniform(1, 7))
        self._at(opened, "open", handoff_id, person_id, amount=round(self.rng.lognormvariate(10.3, 0.6), -2))
        closed = opened + timedelta(days=self.rng.uniform(14, 75))
        self._at(
            closed,
            "win" if won else "lose",
            handoff_id,
            person_id,
            reason=self.rng.choice(["chose_competitor", "no_decision", "price"]),
        )

    def _at(self, at: datetime, kind: str, handoff_id: int, person_id: int, **detail: Any) -> None:
        heapq.heappush(self.queue, Action(at, next(self.counter), kind, handoff_id, person_id, detail))

    def run_until(self, moment: datetime) -> int:
        """Play every action due by `moment` in time order, firing the SLA timers due before each; return count."""
        done = 0
        next_timer = self._next_timer()
        while self.queue and self.queue[0].at <= moment:
            if next_timer is not None and next_timer <= self.queue[0].at:
                fire_due_timers(engine=self.engine, now=self.queue[0].at, worker_id=WORKER)
                next_timer = self._next_timer()
            # The actions up to the next due timer share one transaction (a commit per action cost more than the
            # actions); the timers fire between transactions, as a worker's would.
            with session_scope(self.engine) as session:
                first = True
                while self.queue and self.queue[0].at <= moment:
                    if not first and next_timer is not None and next_timer <= self.queue[0].at:
                        break
                    self._play(session, heapq.heappop(self.queue))
                    done += 1
                    first = False
        if next_timer is not None and next_timer <= moment:
            fire_due_timers(engine=self.engine, now=moment, worker_id=WORKER)
        return done

    def _next_timer(self) -> datetime | None:
        # Asking the database when the next timer is due is cheaper than trying to fire timers before every action.
        due = self._read(NEXT_TIMER_SQL)[0][0]
        return self._time(due) if due is not None else None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        # The floor's own reads, after every step and every firing, on the driver's cursor: SQLAlchemy's setup of
        # these statements cost more than running them.
        with self.engine.connect() as connection:
            return fetch_rows(connection, sql.format(mark=placeholder(connection)), params)

    def _time(self, stored: Any) -> datetime:
        # A time as the driver returns it (text on SQLite), read as the ORM would: an aware UTC datetime.
        read = Timer.__table__.c.due_at.type._cached_result_processor(self.engine.dialect, None)
        return read(stored) if read is not None else stored

    def _play(self, session: Session, action: Action) -> None:
        # The handoff may have been reassigned since it was planned: whoever holds it now acts. One query on the
        # driver's cursor: SQLAlchemy's setup of the two it replaces cost more than many an action.
        holder = session_rows(session, HOLDER_SQL, (action.handoff_id,))
        if not holder:
            return  # no such handoff, or nobody holds it
        by, handoff_id, now = holder[0][0], action.handoff_id, action.at
        try:
            if action.kind == "contacted":
                mark_contacted(session=session, handoff_id=handoff_id, by=by, now=now)
            elif action.kind == "accept":
                accept(session=session, handoff_id=handoff_id, by=by, now=now)
            elif action.kind == "reject":
                reject(
                    session=session,
                    handoff_id=handoff_id,
                    by=by,
                    reason=action.detail["reason"],
                    note=None,
                    now=now,
                )
            elif action.kind == "qualify":
                qualify(session=session, handoff_id=handoff_id, by=by, now=now)
            elif action.kind == "open":
                open_opportunity(
                    session=session, person_id=action.person_id, by=by, now=now, amount=action.detail["amount"]
                )
            elif action.kind == "win":
                win(session=session, person_id=action.person_id, by=by, now=now)
            elif action.kind == "lose":
                lose(session=session, person_id=action.person_id, by=by, reason=action.detail["reason"], now=now)
        except FeedbackRefused as error:
            # A move the state no longer allows (say, disqualified meanwhile): a real rep would skip it too.
            self.refused.append(f"{action.kind} #{action.handoff_id}: {error}")
