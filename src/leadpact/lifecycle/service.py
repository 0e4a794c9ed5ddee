"""The one transition function: every lifecycle move goes through it and appends its audit row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from leadpact.db import bind_processors, driver_params, execute_many, placeholder
from leadpact.lifecycle.models import Transition
from leadpact.lifecycle.states import Status, is_allowed
from leadpact.people.models import Person
from leadpact.wiring import installed

SYSTEM = "system"


class TransitionRefused(ValueError):
    """A move the lifecycle table does not allow, with the reason in words."""


@dataclass
class Move:
    """One requested move of one person."""

    person_id: int
    from_status: str
    to_status: str
    reasons: dict[str, Any] = field(default_factory=dict)
    triggering_message_id: str | None = None


class EncodedMove(Move):
    """A move whose reasons come as the JSON text its audit row stores (activation makes 100,000 at once): they
    are decoded only if a listener reads them, and written as they came otherwise."""

    def __init__(self, person_id: int, from_status: str, to_status: str, reasons_json: str) -> None:
        self.person_id, self.from_status, self.to_status = person_id, from_status, to_status
        self.triggering_message_id = None
        self.reasons_json = reasons_json

    def __getattr__(self, name: str) -> Any:
        # reached only while `reasons` is unset: the first read decodes them, and the reader may add to them
        if name != "reasons":
            raise AttributeError(name)
        self.reasons = orjson.loads(self.reasons_json)
        return self.reasons

    def stored_reasons(self) -> str | None:
        """The reasons' text as it came, while nobody has read them (else None: encode `reasons`)."""
        return None if "reasons" in self.__dict__ else self.reasons_json


# Called in the mover's transaction after each set of moves, with (session, moves, at, actor), before the audit rows
# are written: a listener may add to a move's reasons what the move made it do. Domains built on the lifecycle
# (handoffs closing when their person leaves the handoff path) listen here through the installed wiring's
# `lifecycle_moved`, as the lifecycle cannot import them.
MovesMade = Callable[[Session, list[Move], datetime, str], None]


def apply_moves(
    *, session: Session, moves: list[Move], at: datetime, actor: str = SYSTEM, pact_version: int | None = None
) -> None:
    """Make every move and append its audit row, in the caller's transaction; refuse the whole set if any move
    is not in the table (automatic moves, made by `system`, only go forward)."""
    automatic = actor == SYSTEM
    checked: set[tuple[str, str]] = set()  # activation moves 100,000 people along a handful of pairs
    for m in moves:
        if (m.from_status, m.to_status) in checked:
            continue
        source, target = Status(m.from_status), Status(m.to_status)
        if source == target or not is_allowed(source, target, automatic=automatic):
            kind = "automatic" if automatic else "manual"
            raise TransitionRefused(f"{kind} move {source} → {target} is not allowed for person {m.person_id}")
        checked.add((m.from_status, m.to_status))
    if not moves:
        return
    session.flush()
    connection = session.connection()
    mark = placeholder(connection)
    # Guarded by the old status, so a move decided on a stale read changes nothing rather than the wrong thing.
    stamp = driver_params(connection, Person.__table__, ["updated_at"], [{"updated_at": at}])[0][0]
    result = connection.exec_driver_sql(
        f"UPDATE people SET status = {mark}, updated_at = {mark} WHERE id = {mark} AND status = {mark}",
        [(m.to_status, stamp, m.person_id, m.from_status) for m in moves],
    )
    if result.rowcount != len(moves):
        raise TransitionRefused("a person's status changed while the move was being decided; nothing was moved")
    by_person = {m.person_id: m for m in moves}
    for person in list(session.identity_map.values()):
        if isinstance(person, Person) and person.id in by_person:
            # Keep loaded objects truthful without a reload; the database already holds these values.
            set_committed_value(person, "status", by_person[person.id].to_status)
            set_committed_value(person, "updated_at", at)
    for listener in installed().lifecycle_moved:
        listener(session, moves, at, actor)
    # The audit rows as the driver takes them: the shared time encoded once, not once per row (activation writes
    # 100,000 at a time); reasons are encoded after the listeners, which may add to them.
    table = Transition.__table__
    at_text, actor_value, version_value = driver_params(
        connection, table, ["at", "actor", "pact_version"], [{"at": at, "actor": actor, "pact_version": pact_version}]
    )[0]
    encode = bind_processors(connection, table, ["reasons"])[0]
    # Reasons that came encoded and that no listener read go as they came, where the driver takes JSON as text
    # (their text is what encoding them again would give).
    as_text = isinstance(encode({}), str)

    def stored(m: Move) -> Any:
        text = m.stored_reasons() if as_text and isinstance(m, EncodedMove) else None
        return encode(m.reasons) if text is None else text

    execute_many(
        connection,
        f"INSERT INTO {table.name} (person_id, from_status, to_status, at, actor, pact_version, reasons, "
        f"triggering_message_id) VALUES ({', '.join([mark] * 8)})",
        [
            (m.person_id, m.from_status, m.to_status, at_text, actor_value, version_value, stored(m),
             m.triggering_message_id)
            for m in moves
        ],
    )


def move(
    *,
    session: Session,
    person: Person,
    to: Status | str,
    at: datetime,
    actor: str = SYSTEM,
    pact_version: int | None = None,
    reasons: dict[str, Any] | None = None,
    triggering_message_id: str | None = None,
) -> None:
    """Move one person to `to` and append the audit row (see `apply_moves`)."""
    apply_moves(
        session=session,
        at=at,
        actor=actor,
        pact_version=pact_version,
        moves=[Move(person.id, person.status, Status(to).value, reasons or {}, triggering_message_id)],
    )


def history(*, session: Session, person_id: int) -> list[Transition]:
    """Return a person's audit trail, oldest first."""
    return list(session.scalars(select(Transition).where(Transition.person_id == person_id).order_by(Transition.id)))
