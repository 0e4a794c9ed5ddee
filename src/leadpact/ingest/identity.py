"""Identity resolution: which person a message belongs to, joining anonymous history on identify."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from leadpact.db import (
    bind_processors,
    driver_params,
    execute_many,
    fetch_rows,
    insert_rows,
    placeholder,
    select_in,
)
from leadpact.ingest.drafts import forget_people
from leadpact.ingest.messages import Message
from leadpact.people.models import Identity, Person
from leadpact.people.traits import DESCRIBING_COLUMNS

Key = tuple[str, str]
FIRST_TOUCH = ("first_touch_channel", "first_touch_source", "first_touch_medium")
# What deciding and making a merge of two stored people reads of each.
MERGED_COLUMNS = (
    "id",
    *DESCRIBING_COLUMNS,
    "account_id",
    "identified_at",
    *FIRST_TOUCH,
    "first_seen_at",
    "last_seen_at",
    "traits",
    "event_count",
)


class IdentityResolver:
    """Resolves the messages of one batch to people, keeping a cache of identifier → person id."""

    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session = session
        self.now = now
        self.person_of: dict[Key, int] = {}
        self.merged: dict[int, int] = {}
        # People first seen in this batch get a negative placeholder id until `save` inserts them all at once.
        self.placeholders = 0
        self.new_links: dict[Key, int] = {}
        self.user_ids: list[tuple[int, str, datetime]] = []
        # People this batch knows to be identified (a user id or an email), placeholders included.
        self.known: set[int] = set()

    def preload(self, messages: list[Message]) -> None:
        """Load every known identifier the batch mentions in one query."""
        keys = {key for message in messages for key in [*identifiers(message), *previous_keys(message)]}
        values = sorted({value for _kind, value in keys})
        connection = self.session.connection()
        mark = placeholder(connection)
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            # By value alone: the (value, kind) unique index serves it, and the kind is checked here.
            rows = fetch_rows(
                connection,
                f"SELECT kind, value, person_id FROM identities WHERE value IN ({', '.join([mark] * len(chunk))})",
                tuple(chunk),
            )
            for kind, value, person_id in rows:
                if (kind, value) in keys:
                    self.person_of[(kind, value)] = person_id
                    if kind != "anonymous_id":
                        self.known.add(person_id)

    def resolve(self, message: Message) -> int:
        """Return the person id for a message, creating or merging people as its identifiers require."""
        keys = identifiers(message)
        if len(keys) == 1 and message.type != "alias":
            # Most messages carry one identifier the batch already knows: its person, as it now goes by.
            person_id = self.person_of.get(keys[0])
            if person_id is not None:
                return self._current(person_id)
        previous = previous_keys(message)
        if previous:
            known = [key for key in previous if key in self.person_of]
            keys.append(known[0] if known else previous[1])
        found = []
        for key in keys:
            person_id = self.person_of.get(key)
            if person_id is not None:
                person_id = self._current(person_id)
                if person_id not in found:
                    found.append(person_id)
        if not found:
            person_id = self._create(message)
        else:
            person_id = found[0]
            for other in found[1:]:
                person_id = self._merge(person_id, other, forced=message.type == "alias")
        for key in keys:
            if self.person_of.get(key) is None:
                self._link(key, person_id)
                if key[0] == "user_id" and key[1] == message.user_id:
                    self.user_ids.append((person_id, key[1], message.timestamp))
        return person_id

    def current(self, person_id: int) -> int:
        """Return the id a person now goes by, following merges and saved placeholders."""
        while person_id in self.merged:
            person_id = self.merged[person_id]
        return person_id

    def save(self) -> None:
        """Insert the batch's new people and identifiers in two statements and retire the placeholders."""
        user_ids: dict[int, tuple[str, datetime]] = {}
        for person_id, user_id, at in self.user_ids:
            user_ids.setdefault(self.current(person_id), (user_id, at))
        self.user_ids.clear()
        pending = sorted({self.current(p) for p in self.new_links.values() if self.current(p) < 0}, reverse=True)
        if pending:
            rows = []
            for stand_in in pending:
                user_id, at = user_ids.pop(stand_in, (None, None))
                rows.append(
                    {
                        "traits": {},
                        "status": "anonymous",
                        "user_id": user_id,
                        "identified_at": at,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
            people = Person.__table__
            ids = self.session.connection().execute(
                insert(people).returning(people.c.id, sort_by_parameter_order=True), rows
            )
            for stand_in, person_id in zip(pending, ids.scalars(), strict=True):
                self.merged[stand_in] = person_id
        # In key order: two writers inserting the same new identifiers then wait for each other in one order
        # instead of deadlocking (the loser of the wait retries, see ingest_messages).
        links = [
            {"kind": key[0], "value": key[1], "person_id": self.current(person_id), "created_at": self.now}
            for key, person_id in sorted(self.new_links.items(), key=lambda link: (link[0][1], link[0][0]))
        ]
        insert_rows(self.session.connection(), Identity.__table__, links)
        for key in self.new_links:
            self.person_of[key] = self.current(self.person_of[key])
        self.new_links.clear()
        # People already stored who sent their first userId in this batch, in one statement.
        if user_ids:
            self.session.flush()
            connection = self.session.connection()
            mark = placeholder(connection)
            to_time = bind_processors(connection, Person.__table__, ["identified_at"])[0] or (lambda value: value)
            execute_many(
                connection,
                f"UPDATE people SET user_id = {mark}, identified_at = COALESCE(identified_at, {mark}) "
                f"WHERE id = {mark} AND user_id IS NULL",
                [(user_id, to_time(at), self.current(p)) for p, (user_id, at) in user_ids.items()],
            )
            forget_people(self.session, (self.current(p) for p in user_ids))

    def holds(self, key: Key, person_id: int) -> bool:
        """Tell whether an identifier belongs to this person (after merges)."""
        owner = self.person_of.get(key)
        return owner is not None and self.current(owner) == self.current(person_id)

    _current = current

    def _create(self, message: Message) -> int:
        self.placeholders -= 1
        return self.placeholders

    def _link(self, key: Key, person_id: int) -> None:
        self.new_links[key] = person_id
        self.person_of[key] = person_id
        if key[0] != "anonymous_id":
            self.known.add(person_id)

    def _identified(self, person_id: int) -> bool:
        if person_id in self.known:
            return True
        if person_id < 0:
            return False
        person = self._stored([person_id]).get(person_id)
        return person is not None and bool(person["user_id"] or person["email"])

    def _stored(self, person_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The merge-relevant columns of stored people, read straight through the driver."""
        self.session.flush()
        rows = select_in(self.session.connection(), Person.__table__, MERGED_COLUMNS, "id", person_ids)
        return {values[0]: dict(zip(MERGED_COLUMNS, values, strict=True)) for values in rows}

    def _merge(self, first: int, second: int, *, forced: bool) -> int:
        """Merge two people into one; only an alias may merge two people who are both identified."""
        if first == second:
            return first
        first_known, second_known = self._identified(first), self._identified(second)
        if first_known and second_known and not forced:
            # A shared device or a reused anonymous id must not fuse two known people: the message's
            # strongest identifier (its userId) decides whose event it is.
            return first
        if first < 0 or second < 0:
            # A person new in this batch has no stored history: fold it into the other one.
            keep, drop = (second, first) if first < 0 and second > 0 else (first, second)
            if drop in self.known:
                self.known.add(keep)
            self.merged[drop] = keep
            for key, person_id in self.person_of.items():
                if person_id == drop:
                    self.person_of[key] = keep
            for key, person_id in self.new_links.items():
                if person_id == drop:
                    self.new_links[key] = keep
            return keep
        stored = self._stored([first, second])
        a, b = stored[first], stored[second]
        keep, drop = (a, b) if (first_known or not second_known) else (b, a)
        if forced and first_known and second_known:
            keep, drop = (a, b) if a["id"] < b["id"] else (b, a)
        self._absorb(keep, drop)
        return keep["id"]

    def _absorb(self, keep: dict[str, Any], drop: dict[str, Any]) -> None:
        """Fold the stored person `drop` into `keep`: identifiers, events, the columns `keep` lacks, first and
        last touch, traits and event count; then delete `drop`. Plain statements: a merge runs inside the
        ingest writer, where the ORM's flushes cost milliseconds each."""
        connection = self.session.connection()
        mark = placeholder(connection)
        kept, dropped = keep["id"], drop["id"]
        for table in ("identities", "events"):
            move = f"UPDATE {table} SET person_id = {mark} WHERE person_id = {mark}"
            execute_many(connection, move, [(kept, dropped)])
        changes: dict[str, Any] = {}
        for column in (*DESCRIBING_COLUMNS, "account_id", "identified_at", *FIRST_TOUCH):
            if keep[column] is None and drop[column] is not None:
                changes[column] = drop[column]
        if drop["first_seen_at"] and (keep["first_seen_at"] is None or drop["first_seen_at"] < keep["first_seen_at"]):
            changes["first_seen_at"] = drop["first_seen_at"]
            changes.update({column: drop[column] for column in FIRST_TOUCH})
        if drop["last_seen_at"] and (keep["last_seen_at"] is None or drop["last_seen_at"] > keep["last_seen_at"]):
            changes["last_seen_at"] = drop["last_seen_at"]
        changes["traits"] = {**(drop["traits"] or {}), **(keep["traits"] or {})}
        changes["event_count"] = (keep["event_count"] or 0) + (drop["event_count"] or 0)
        changes["updated_at"] = self.now
        if "email" in changes or "user_id" in changes:
            # Email and user id are unique: the dropped person lets go of them before the kept one takes them.
            execute_many(connection, f"UPDATE people SET email = NULL, user_id = NULL WHERE id = {mark}", [(dropped,)])
        columns = list(changes)
        [values] = driver_params(connection, Person.__table__, columns, [changes])
        execute_many(
            connection,
            f"UPDATE people SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}",
            [(*values, kept)],
        )
        execute_many(connection, f"DELETE FROM people WHERE id = {mark}", [(dropped,)])
        forget_people(self.session, [kept])
        stale = self.session.identity_map.get(self.session.identity_key(Person, dropped))
        if stale is not None:
            self.session.expunge(stale)
        self.merged[dropped] = kept
        if dropped in self.known:
            self.known.add(kept)
        for key, person_id in self.person_of.items():
            if person_id == dropped:
                self.person_of[key] = kept


def identifiers(message: Message) -> list[Key]:
    """Return the identifiers a message carries, strongest first."""
    keys: list[Key] = []
    if message.user_id is not None:
        keys.append(("user_id", message.user_id))
    email = message.email
    if email:
        keys.append(("email", email))
    if message.anonymous_id is not None:
        keys.append(("anonymous_id", message.anonymous_id))
    return keys


def previous_keys(message: Message) -> list[Key]:
    """An alias's previousId may be an earlier user id or an anonymous id: both are looked up."""
    if message.type != "alias" or message.previous_id is None:
        return []
    return [("user_id", message.previous_id), ("anonymous_id", message.previous_id)]
