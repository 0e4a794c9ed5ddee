"""The ingest path shared by the tracking API, imports and the demo: dedup, identity, storage."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from leadpact.db import (
    bind_processors,
    execute_many,
    fetch_rows,
    get_engine,
    is_outage,
    is_race,
    json_text,
    placeholder,
    session_scope,
)
from leadpact.ingest.drafts import PersonDrafts
from leadpact.ingest.identity import IdentityResolver
from leadpact.ingest.messages import Message, MessageError, parse_message
from leadpact.ingest.models import Event
from leadpact.people.accounts import AccountDirectory
from leadpact.people.freemail import email_domain as domain_of
from leadpact.people.models import Person
from leadpact.people.traits import apply_person_traits, company_of, name_key
from leadpact.wiring import installed
from leadpact.write_lock import sqlite_writer

# Called inside the ingest transaction with each touched person's new events (Segment-shape mappings): the
# installed wiring's `people_changed` listeners (live evaluation).
PeopleChanged = Callable[[Session, dict[int, list[dict[str, Any]]], datetime], None]
log = logging.getLogger(__name__)


def notify_people_changed(session: Session, person_ids: set[int], now: datetime) -> None:
    """Tell the listeners that these people changed without new events (an import, a CRM update)."""
    if person_ids:
        for listener in installed().people_changed:
            listener(session, {person_id: [] for person_id in person_ids}, now)


@dataclass
class Rejected:
    """A message that was not stored, and why."""

    index: int
    message_id: str | None
    reason: str
    # The message itself when it was refused while storing (the writer tells its requests' messages apart).
    message: Message | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the rejection as the API reports it."""
        return {"index": self.index, "messageId": self.message_id, "error": self.reason}


@dataclass
class IngestResult:
    """What happened to a batch: how many stored, how many already seen, which rejected."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    people: set[int] = field(default_factory=set)
    stored_ids: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as the API reports it."""
        return {
            "success": not self.rejected,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": [r.to_dict() for r in self.rejected],
        }


def parse_batch(
    raws: Iterable[Any],
    *,
    received_at: datetime,
    endpoint_type: str | None = None,
    batch_context: dict[str, Any] | None = None,
    batch_sent_at: Any = None,
) -> tuple[list[Message], list[Rejected]]:
    """Validate raw messages; return the valid ones and a rejection for each invalid one."""
    messages: list[Message] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(raws):
        try:
            message = parse_message(
                raw,
                received_at=received_at,
                endpoint_type=endpoint_type,
                batch_context=batch_context,
                batch_sent_at=batch_sent_at,
            )
            message.index = index
            messages.append(message)
        except MessageError as error:
            message_id = raw.get("messageId") if isinstance(raw, dict) else None
            rejected.append(Rejected(index, message_id if isinstance(message_id, str) else None, str(error)))
    return messages, rejected


def store_messages(
    session: Session, messages: list[Message], *, now: datetime, write_key_id: int | None = None
) -> IngestResult:
    """Store valid messages once each, resolve their people and accounts; the caller commits."""
    result = IngestResult()
    fresh = _unseen(session, messages)
    result.duplicates = len(messages) - len(fresh)
    # A messageId a concurrent process stored first is skipped by the insert but is stored all the same.
    result.stored_ids = {m.message_id for m in fresh}
    if not fresh:
        return result
    resolver = IdentityResolver(session, now=now)
    resolver.preload(fresh)
    person_ids = [resolver.resolve(message) for message in fresh]
    resolver.save()
    # Merges and saved placeholders may have renamed a person id used by an earlier message of this batch.
    person_ids = [resolver.current(person_id) for person_id in person_ids]
    # Merges went through the ORM: write them out before reading those people as plain rows.
    session.flush()
    drafts = PersonDrafts(session)
    drafts.load(p for m, p in zip(fresh, person_ids, strict=True) if m.type in ("identify", "alias", "group"))
    unprepared = [m for m in fresh if m.row is None]
    if unprepared:  # callers other than the tracking API leave the encoding to here
        prepare_rows(unprepared, session.connection().dialect)
    rows = []
    directory = AccountDirectory(session, now=now)
    directory.preload(
        domains=[domain_of(m.email) for m in fresh if m.email],
        names=[name_key(company_of(m.traits).get("name")) for m in fresh if m.type in ("identify", "alias")],
        groups=[m.group_id for m in fresh if m.type == "group" and m.group_id],
    )
    # Flushed once below, not before every lookup the identify step makes.
    with session.no_autoflush:
        for message, person_id in zip(fresh, person_ids, strict=True):
            if message.type in ("identify", "alias") and message.traits:
                _identify(drafts, person_id, message, resolver, directory)
            elif message.type == "group" and message.group_id:
                _group(drafts, person_id, message, directory)
            rows.append(_event_row(message, person_id, message.write_key_id or write_key_id))
    directory.save()
    drafts.save(now=now)
    session.flush()
    result.stored = _insert_events(session, fresh, rows)
    new_events: dict[int, list[dict[str, Any]]] = {}
    for message, row in zip(fresh, rows, strict=True):
        new_events.setdefault(row["person_id"], []).append(message.as_event())
    result.people = set(new_events)
    _touch_people(session, rows, now)
    for listener in installed().people_changed:
        listener(session, new_events, now)
    return result


ATTEMPTS = 8


def ingest_messages(
    messages: list[Message], *, now: datetime, write_key_id: int | None = None, engine: Engine | None = None
) -> IngestResult:
    """Store messages in their own transaction, retrying when a concurrent writer created the same person."""
    engine = engine or get_engine()
    for attempt in range(ATTEMPTS):
        try:
            if engine.dialect.name == "sqlite":
                # SQLite has one writer: queueing here is cheaper than spinning on its file lock.
                with sqlite_writer(engine), session_scope(engine) as session:
                    return store_messages(session, messages, now=now, write_key_id=write_key_id)
            with session_scope(engine) as session:
                return store_messages(session, messages, now=now, write_key_id=write_key_id)
        except DBAPIError as error:
            # Two writers (threads or server processes) met the same new identity or account at once, or
            # deadlocked inserting them: the loser retries and now finds the winner's rows. The statements on the
            # driver's own cursor raise these as SQLAlchemy's errors too (db.driver_errors).
            if attempt == ATTEMPTS - 1 or not is_race(error):
                raise
            # A short random pause, so that two losers of the same race do not meet again at once.
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


def ingest_each(messages: list[Message], *, now: datetime, engine: Engine | None = None) -> IngestResult:
    """Store messages together; when that fails on what one of them holds, store the others and refuse that one.

    Halves are stored in order, each in its own transaction, down to the message that fails alone: a bad message
    costs a few more transactions, never its neighbours. An outage (connection lost, a race lost every time) is
    raised instead, so that the sender is told to retry rather than told its messages are bad."""
    try:
        return ingest_messages(messages, now=now, engine=engine)
    except Exception as error:
        if is_outage(error):
            raise
        if len(messages) == 1:
            [message] = messages
            log.warning("message %d (%s) refused while storing", message.index, message.message_id, exc_info=True)
            return IngestResult(
                rejected=[Rejected(message.index, message.message_id, _storage_reason(error), message=message)]
            )
    half = len(messages) // 2
    first = ingest_each(messages[:half], now=now, engine=engine)
    second = ingest_each(messages[half:], now=now, engine=engine)
    return IngestResult(
        stored=first.stored + second.stored,
        duplicates=first.duplicates + second.duplicates,
        rejected=first.rejected + second.rejected,
        people=first.people | second.people,
        stored_ids=first.stored_ids | second.stored_ids,
    )


def _storage_reason(error: Exception) -> str:
    """What the database (or the code storing it) said about a message, in one line."""
    if isinstance(error, DBAPIError):
        detail = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
    else:
        detail = f"{type(error).__name__}: {error}"
    return f"the message could not be stored: {detail}"


def _unseen(session: Session, messages: list[Message]) -> list[Message]:
    """The messages whose messageId is not stored yet, each id once (the first occurrence wins)."""
    seen: set[str] = set()
    ids = list({m.message_id: None for m in messages})
    connection = session.connection()
    mark = placeholder(connection)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        # Straight to the driver: this runs for every batch, and SQLAlchemy's expanding IN costs more than the query.
        marks = ", ".join([mark] * len(chunk))
        rows = fetch_rows(connection, f"SELECT message_id FROM events WHERE message_id IN ({marks})", tuple(chunk))
        seen.update(row[0] for row in rows)
    fresh = []
    for message in messages:
        if message.message_id not in seen:
            seen.add(message.message_id)
            fresh.append(message)
    return fresh


def _identify(
    drafts: PersonDrafts, person_id: int, message: Message, resolver: IdentityResolver, directory: AccountDirectory
) -> None:
    person = drafts.get(person_id)
    assert person is not None, f"person {person_id} was not loaded"
    email = message.email
    traits = message.traits
    if email and not resolver.holds(("email", email), person_id):
        # The email belongs to another identified person (a shared device): it stays theirs.
        traits = {k: v for k, v in traits.items() if k != "email"}
    apply_person_traits(person, traits)
    if person.email and person.identified_at is None:
        person.identified_at = message.timestamp
    account = directory.for_person(person)
    if account is not None:
        person.account_id = account.id


def _group(drafts: PersonDrafts, person_id: int, message: Message, directory: AccountDirectory) -> None:
    account = directory.for_group(message.group_id or "", message.traits)
    person = drafts.get(person_id)
    if person is not None:
        person.account_id = account.id


# The event's own columns, then the two known only once stored: whose it is and which key sent it.
EVENT_COLUMNS = (
    "message_id",
    "type",
    "event",
    "name",
    "anonymous_id",
    "user_id",
    "group_id",
    "previous_id",
    "timestamp",
    "original_timestamp",
    "sent_at",
    "received_at",
    "properties",
    "context",
    "traits",
    "path",
    "asset_id",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "person_id",
    "write_key_id",
)
TIMESTAMP = EVENT_COLUMNS.index("timestamp")  # where a prepared row holds the event's encoded timestamp


def prepare_rows(messages: list[Message], dialect: Any) -> None:
    """Encode each message's own event columns for the database's driver, ahead of storing it.

    The tracking API calls this in the request, outside the single writer: encoding times and JSON is a large
    share of storing an event, and here it runs beside the writer rather than in its critical section."""
    to_time, to_json = (
        Event.__table__.c[name].type._cached_bind_processor(dialect) for name in ("timestamp", "properties")
    )
    to_time = to_time or (lambda value: value)
    to_json = to_json or (lambda value: value)
    if dialect.name == "sqlite":
        # What SQLAlchemy's JSON processor ends up calling on SQLite, without its checks around the call.
        to_json = json_text
    empty = to_json({})  # most events carry no traits, many no properties: encode nothing once
    times: dict[datetime, Any] = {}
    for m in messages:
        stamps = []
        for value in (m.timestamp, m.original_timestamp, m.sent_at, m.received_at):
            if value is None:
                stamps.append(None)
                continue
            text = times.get(value)
            if text is None:
                text = times[value] = to_time(value)
            stamps.append(text)
        m.row = (
            m.message_id,
            m.type,
            m.event,
            m.name,
            m.anonymous_id,
            m.user_id,
            m.group_id,
            m.previous_id,
            *stamps,
            to_json(m.properties) if m.properties else empty,
            to_json(m.context) if m.context else empty,
            to_json(m.traits) if m.traits else empty,
            m.path,
            m.asset_id,
            m.channel,
            m.utm_source,
            m.utm_medium,
            m.utm_campaign,
        )


def _event_row(message: Message, person_id: int, write_key_id: int | None) -> dict[str, Any]:
    assert message.row is not None, "prepare_rows runs before the event rows are built"
    return {
        "message_id": message.message_id,
        "person_id": person_id,
        "timestamp": message.timestamp,
        "stamp": message.row[TIMESTAMP],  # the timestamp as the driver takes it
        "channel": message.channel,
        "utm_source": message.utm_source,
        "utm_medium": message.utm_medium,
        "write_key_id": write_key_id,
    }


def _insert_events(session: Session, messages: list[Message], rows: list[dict[str, Any]]) -> int:
    """Insert events, skipping any messageId a concurrent request stored first."""
    connection = session.connection()
    mark = placeholder(connection)
    sql = (
        f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join([mark] * len(EVENT_COLUMNS))}) "
        "ON CONFLICT (message_id) DO NOTHING"
    )
    params = [m.row + (row["person_id"], row["write_key_id"]) for m, row in zip(messages, rows, strict=True)]
    return execute_many(connection, sql, params)


def _touch_people(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    """Keep each person's first touch (earliest event's campaign) and last-seen time current, in one statement."""
    touched: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = touched.get(row["person_id"])
        if entry is None:
            touched[row["person_id"]] = {
                "n": 1,
                "pid": row["person_id"],
                "t0": row["timestamp"],
                "t1": row["timestamp"],
                "s0": row["stamp"],
                "s1": row["stamp"],
                "ch": row["channel"],
                "src": row["utm_source"],
                "med": row["utm_medium"],
            }
            continue
        entry["n"] += 1
        if row["timestamp"] < entry["t0"]:
            entry.update(
                t0=row["timestamp"], s0=row["stamp"], ch=row["channel"], src=row["utm_source"], med=row["utm_medium"]
            )
        if row["timestamp"] > entry["t1"]:
            entry.update(t1=row["timestamp"], s1=row["stamp"])
    session.flush()
    connection = session.connection()
    mark = placeholder(connection)
    earlier = f"(first_seen_at IS NULL OR first_seen_at > {mark})"
    # Written for the driver directly: this statement runs once per touched person on the hot ingest path.
    sql = (
        f"UPDATE people SET "
        f"first_touch_channel = CASE WHEN {earlier} THEN {mark} ELSE first_touch_channel END, "
        f"first_touch_source = CASE WHEN {earlier} THEN {mark} ELSE first_touch_source END, "
        f"first_touch_medium = CASE WHEN {earlier} THEN {mark} ELSE first_touch_medium END, "
        f"first_seen_at = CASE WHEN {earlier} THEN {mark} ELSE first_seen_at END, "
        f"last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < {mark} THEN {mark} ELSE last_seen_at END, "
        f"event_count = event_count + {mark}, updated_at = {mark} WHERE id = {mark}"
    )
    to_time = bind_processors(connection, Person.__table__, ["first_seen_at"])[0] or (lambda value: value)
    stamp = to_time(now)
    params = []
    for entry in touched.values():
        # The event rows' own encoded timestamps: the people columns have the same type.
        t0, t1 = entry["s0"], entry["s1"]
        params.append(
            (t0, entry["ch"], t0, entry["src"], t0, entry["med"], t0, t0, t1, t1, entry["n"], stamp, entry["pid"])
        )
    execute_many(connection, sql, params)
