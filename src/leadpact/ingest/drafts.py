"""People an ingest batch changes, held as plain rows: read in one query, written back in one executemany.

The ORM costs more per person than everything else an identify does, and a batch touches thousands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadpact.db import bind_processors, execute_many, placeholder, select_in
from leadpact.people.models import Person
from leadpact.people.traits import DESCRIBING_COLUMNS

# The columns an identify or a group call may change.
COLUMNS = (*DESCRIBING_COLUMNS, "traits", "account_id", "identified_at", "updated_at")


class PersonDraft:
    """A person's changeable columns as plain attributes (what `apply_person_traits` and accounts read)."""

    __slots__ = ("id", *COLUMNS)

    def __init__(self, row: dict[str, Any]) -> None:
        for name, value in row.items():
            setattr(self, name, value)


class PersonDrafts:
    """The drafts of one batch, by person id."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.drafts: dict[int, PersonDraft] = {}

    def load(self, person_ids: Iterable[int]) -> None:
        """Read the people not loaded yet (straight through the driver: this runs for every batch)."""
        names = ("id", *COLUMNS)
        wanted = [p for p in person_ids if p not in self.drafts]
        for values in select_in(self.session.connection(), Person.__table__, names, "id", wanted):
            draft = PersonDraft(dict(zip(names, values, strict=True)))
            draft.traits = dict(draft.traits or {})
            self.drafts[draft.id] = draft

    def get(self, person_id: int) -> PersonDraft | None:
        """Return the draft of a loaded person."""
        return self.drafts.get(person_id)

    def save(self, *, now: datetime) -> None:
        """Write every draft back in one statement and drop stale ORM copies of those people."""
        if not self.drafts:
            return
        connection = self.session.connection()
        mark = placeholder(connection)
        sql = f"UPDATE people SET {', '.join(f'{c} = {mark}' for c in COLUMNS)} WHERE id = {mark}"
        processors = bind_processors(connection, Person.__table__, list(COLUMNS))
        params = []
        for draft in self.drafts.values():
            draft.updated_at = now
            values = [getattr(draft, c) for c in COLUMNS]
            params.append(
                (*(p(v) if p else v for v, p in zip(values, processors, strict=True)), draft.id)
            )
        execute_many(connection, sql, params)
        forget_people(self.session, self.drafts)
        self.drafts.clear()


def forget_people(session: Session, person_ids: Iterable[int]) -> None:
    """Expire ORM copies of people written behind the session's back, so later reads see the new rows."""
    identity_map = session.identity_map
    for person_id in person_ids:
        person = identity_map.get(session.identity_key(Person, person_id))
        if person is not None:
            session.expire(person)
