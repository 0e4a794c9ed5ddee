"""Importing events: rows become Segment messages and go through the live ingest path in chunks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.imports import checks
from leadpact.imports.dates import date_readers, read_date
from leadpact.imports.mapping import IGNORE, build_mapping, check_target
from leadpact.imports.people import new_person_with_email
from leadpact.imports.readers import Source, SourceRow
from leadpact.imports.report import ImportReport, RowRejected
from leadpact.ingest.service import parse_batch, store_messages
from leadpact.people.models import Identity, Person

CHUNK = 500
ID_FIELDS = ("userId", "anonymousId", "messageId", "groupId", "previousId")
TOP_LEVEL = ("type", "event", "name", "timestamp", *ID_FIELDS)
# The anonymous id given to rows that name a person only by email (see `_link_email_only`).
EMAIL_PREFIX = "email:"

Tick = Callable[[int], None]


def import_event_rows(
    session: Session,
    *,
    source: Source,
    columns: dict[str, str],
    now: datetime,
    report: ImportReport,
    tick: Tick,
    date_format: str | None = None,
) -> None:
    """Turn every row of `source` into a message and store the valid ones in chunks of CHUNK."""
    column_map = build_mapping("events", source.columns, columns) if source.format != "jsonl" else None
    # Spreadsheet timestamps come in export formats (10/20/2016 3:45 PM, 20.10.2016, serials): read them to ISO.
    dates = date_readers(source, column_map, ("timestamp",), given=date_format) if column_map is not None else {}
    for target in columns.values():
        check_target("events", target)
    pending: list[tuple[SourceRow, dict[str, Any]]] = []
    for row in source.rows():
        report.read += 1
        tick(1)
        try:
            if row.error:
                raise RowRejected(row.error)
            if column_map is not None:
                fields, extra = column_map.apply(row.values)
                if dates and fields.get("timestamp") is not None:
                    fields["timestamp"] = read_date(dates, fields, "timestamp").isoformat()
                raw = message_of_row(fields, extra)
            else:
                raw = _renamed(row.values, columns)
            pending.append((row, _with_message_id(raw)))
        except RowRejected as error:
            report.reject(row.number, str(error), row.original())
        if len(pending) >= CHUNK:
            _store_chunk(session, pending, now=now, report=report)
            pending = []
    if pending:
        _store_chunk(session, pending, now=now, report=report)


def message_of_row(
    fields: dict[str, Any], extra: dict[str, Any], *, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build a Segment-shape message from a mapped row: known fields in place, other columns as properties."""
    message: dict[str, Any] = dict(base or {})
    for target, value in fields.items():
        if target in TOP_LEVEL:
            message[target] = _identifier(value) if target in ID_FIELDS else value
        elif target != "email":
            _put(message, target.split("."), value)
    if base is None:
        message["type"] = str(message.get("type") or _default_type(message)).strip().lower()
    kind = message.get("type")
    # Identify and group describe the person or company; every other call describes the event.
    bucket = "traits" if kind in ("identify", "group") else "properties"
    for column, value in extra.items():
        _object(message, bucket).setdefault(column, value)
    if fields.get("email") is not None:
        address = checks.email(fields["email"])
        if kind in ("identify", "alias"):
            _object(message, "traits")["email"] = address
        else:
            _object(_object(message, "context"), "traits")["email"] = address
        if message.get("userId") is None and message.get("anonymousId") is None:
            message["anonymousId"] = EMAIL_PREFIX + address
    return message


def _renamed(values: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """Apply explicit --map entries to a JSONL message; its other keys stay where they are."""
    if not columns:
        return dict(values)
    fields = {columns[key]: value for key, value in values.items() if key in columns and columns[key] != IGNORE}
    base = {key: value for key, value in values.items() if key not in columns}
    return message_of_row(fields, {}, base=base)


def _store_chunk(
    session: Session, pending: list[tuple[SourceRow, dict[str, Any]]], *, now: datetime, report: ImportReport
) -> None:
    messages, rejected = parse_batch([raw for _, raw in pending], received_at=now)
    for rejection in rejected:
        row = pending[rejection.index][0]
        report.reject(row.number, rejection.reason, row.original())
    _link_email_only(session, {m.anonymous_id for m in messages if (m.anonymous_id or "").startswith(EMAIL_PREFIX)},
                     now=now)
    result = store_messages(session, messages, now=now)
    report.stored += result.stored
    report.duplicates += len(messages) - result.stored


def _link_email_only(session: Session, anonymous_ids: set[str | None], *, now: datetime) -> None:
    """Tie rows known only by email to that person before ingest resolves them.

    The live path identifies people by userId or anonymousId; an email alone only counts on identify. A list
    of webinar attendees has nothing but emails, so their rows get the anonymous id `email:<address>`, linked
    here to the person with that email (created if new), and ingest then resolves them like any other id.
    """
    wanted = sorted(value for value in anonymous_ids if value)
    if not wanted:
        return
    linked = set(
        session.scalars(select(Identity.value).where(Identity.kind == "anonymous_id", Identity.value.in_(wanted)))
    )
    emails = [value.removeprefix(EMAIL_PREFIX) for value in wanted if value not in linked]
    if not emails:
        return
    # Who already holds these emails, in two queries for the whole chunk rather than two per row.
    holders = dict(session.execute(select(Identity.value, Identity.person_id).where(
        Identity.kind == "email", Identity.value.in_(emails))).all())
    holders.update(session.execute(select(Person.email, Person.id).where(Person.email.in_(emails))).all())
    for address in emails:
        person_id = holders.get(address)
        if person_id is None:
            person_id = new_person_with_email(session, address, now=now).id
        session.add(Identity(kind="anonymous_id", value=EMAIL_PREFIX + address, person_id=person_id, created_at=now))
    session.flush()


def _with_message_id(raw: dict[str, Any]) -> dict[str, Any]:
    """Give a message without a messageId one derived from its content, so re-importing a file stores it once."""
    if raw.get("messageId") not in (None, ""):
        return raw
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return {**raw, "messageId": f"import-{digest}"}


def _default_type(message: dict[str, Any]) -> str:
    if message.get("event"):
        return "track"
    properties = message.get("properties") or {}
    if message.get("name") or properties.get("path") or properties.get("url"):
        return "page"
    return "identify"


def _identifier(value: Any) -> Any:
    # Spreadsheets store numeric ids as floats (1042.0); Segment ids are strings or integers.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _object(message: dict[str, Any], name: str) -> dict[str, Any]:
    value = message.setdefault(name, {})
    if not isinstance(value, dict):
        raise RowRejected(f"{name} must be a JSON object")
    return value


def _put(message: dict[str, Any], path: list[str], value: Any) -> None:
    target = message
    for part in path[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[path[-1]] = value
