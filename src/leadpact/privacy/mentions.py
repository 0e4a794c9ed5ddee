"""Where other people's rows name the erased person: a colleague's routing reason ("Sam already works Jo Smith's
handoff from Acme"), the notifications and trail entries that quote it, an event that carries their address. Only
the mention goes; the rest of the row is someone else's and stays.

Each table of personal data is read once, its text and JSON columns filtered in SQL by the mentions (a prefilter,
case-insensitive), and the matching values redacted in Python."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text, cast, or_, select, update
from sqlalchemy.orm import Session

from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.lifecycle.models import Transition
from leadpact.outbox.models import OutboxMessage
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, Person
from leadpact.privacy.scrub import Mentions

# The tables that hold data about leads (the sales org, pacts, keys and channels are about the company's own staff
# and configuration, and are not swept). The trail is handled apart: it changes only through `planned_trail`.
SWEPT: tuple[Any, ...] = (Person, Account, Event, Handoff, Opportunity, Evaluation, OutboxMessage)


# Events are the largest table by far: only the columns a message's sender fills freely are read there.
EVENT_COLUMNS = ("properties", "context", "traits", "name", "path")


def _text_columns(model: Any) -> list[Any]:
    if model is Event:
        return [Event.__table__.c[name] for name in EVENT_COLUMNS]
    return [c for c in model.__table__.c if isinstance(c.type, String | Text | JSON) and not c.primary_key]


def _matching(model: Any, mentions: Mentions, columns: list[Any]) -> Any:
    return or_(*[cast(column, Text).ilike(f"%{needle}%") for column in columns for needle in mentions.strings])


def erase_mentions(session: Session, mentions: Mentions) -> int:
    """Redact the mentions in every swept table; return how many rows changed."""
    if not mentions.strings:
        return 0
    changed = 0
    for model in SWEPT:
        columns = _text_columns(model)
        table = model.__table__
        for row in session.execute(select(table).where(_matching(model, mentions, columns))).mappings().all():
            values = {c.name: mentions.redact(row[c.name]) for c in columns if row[c.name] is not None}
            values = {name: value for name, value in values.items() if value != row[name]}
            if values:
                keys = {c.name: row[c.name] for c in table.primary_key.columns}
                session.execute(update(table).where(*[table.c[k] == v for k, v in keys.items()]).values(**values))
                changed += 1
    return changed


def planned_trail(session: Session, mentions: Mentions, *, exclude: list[int]) -> list[tuple[int, dict[str, Any]]]:
    """Other people's trail entries whose reasons mention the person: (id, reasons redacted); the erasure applies
    them once it is logged (the trail accepts only a redaction that names a recorded erasure)."""
    if not mentions.strings:
        return []
    found = session.execute(select(Transition.id, Transition.reasons).where(
        Transition.person_id.not_in(exclude), _matching(Transition, mentions, [Transition.__table__.c.reasons])))
    planned = []
    for transition_id, reasons in found:
        redacted = mentions.redact(reasons or {})
        if redacted != reasons:
            planned.append((transition_id, redacted))
    return planned
