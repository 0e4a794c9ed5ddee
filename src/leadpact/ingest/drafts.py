"""People an ingest batch changes, held as plain rows: read in one query, written back in one executemany.

The ORM costs more per person than everything else an identify does, and a batch touches thousands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadpact.db import bind_processors, placeholder
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
        """Read the people in chunks of one query each (straight to the driver: this runs for every batch)."""
        table = Person.__table__
        wanted = sorted({p for p in person_ids if p not in self.drafts})
        connection = self.session.connection()
        mark = placeholder(connection)
        names = ("id", *COLUMNS)
        processors = [table.c[n].type._cached_result_processor(connection.dialect, None) for n in names]
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = connection.exec_driver_sql(
                f"SELECT {', '.join(names)} FROM people WHERE id IN ({', '.join([mark] * len(chunk))})", tuple(chunk)
            )
            for values in rows:
                values = list(values)
                for index, processor in converting:
                    values[index] = processor(values[index])
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
        connection.exec_driver_sql(sql, params)
        forget_people(self.session, self.drafts)
        self.drafts.clear()


def forget_people(session: Session, person_ids: Iterable[int]) -> None:
    """Expire ORM copies of people written behind the session's back, so later reads see the new rows."""
    identity_map = session.identity_map
    for person_id in person_ids:
        person = identity_map.get(session.identity_key(Person, person_id))
        if person is not None:
            session.expire(person)
