"""Validation and normalisation of one Segment message: pure, no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import orjson

from leadpact.clock import as_utc, parse_time
from leadpact.db import UNSTORABLE_CHARACTER, text_width
from leadpact.ingest.channels import campaign_of, channel_of
from leadpact.ingest.models import Event
from leadpact.people.freemail import email_domain
from leadpact.people.models import Account, Identity, Person
from leadpact.people.traits import company_of, out_of_range, website_domain

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
MAX_MESSAGE_BYTES = 32 * 1024
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId", "messageId")
# How deep a message may nest objects and arrays: one level for the message itself, 253 inside it (what orjson,
# which stores the event documents, writes at most; PostgreSQL's jsonb takes as much).
MAX_NESTING = 253


class MessageError(ValueError):
    """A message that cannot be stored, with the reason in words."""


@dataclass(slots=True)
class Message:
    """A validated message in Segment shape, with the fields leadpact indexes pulled out."""

    type: str
    message_id: str
    user_id: str | None
    anonymous_id: str | None
    timestamp: datetime
    original_timestamp: datetime | None
    sent_at: datetime | None
    received_at: datetime
    event: str | None = None
    name: str | None = None
    group_id: str | None = None
    previous_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    asset_id: str | None = None
    channel: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    write_key_id: int | None = None
    # The email an identify's traits carry, lower-cased (read several times per message while storing).
    email: str | None = None
    # The event's columns encoded for the driver, filled by `prepare_rows` before storing.
    row: tuple[Any, ...] | None = None
    # Where the message stood in its request, for reporting it if it cannot be stored.
    index: int = 0

    def as_event(self) -> dict[str, Any]:
        """Return the Segment-shape dict the pact evaluator reads."""
        return {
            "type": self.type,
            "event": self.event,
            "name": self.name,
            "message_id": self.message_id,
            "properties": self.properties,
            "context": self.context,
            "traits": self.traits,
            "timestamp": self.timestamp,
        }


def parse_message(
    raw: Any,
    *,
    received_at: datetime,
    endpoint_type: str | None = None,
    batch_context: dict[str, Any] | None = None,
    batch_sent_at: Any = None,
) -> Message:
    """Validate one raw message and return it normalised, or raise MessageError saying what is wrong."""
    if not isinstance(raw, dict):
        raise MessageError(f"a message must be a JSON object, got {_json_type(raw)}")
    try:
        encoded = orjson.dumps(raw)
    except orjson.JSONEncodeError as error:
        raise MessageError(_unwritable(raw, error)) from None
    size = len(encoded)
    if size > MAX_MESSAGE_BYTES:
        raise MessageError(f"message is {size} bytes; the limit is {MAX_MESSAGE_BYTES} bytes (32 KB)")
    if b"\\u0000" in encoded:  # rare: only then is the message walked
        raw = without_nul(raw)
    kind = endpoint_type or raw.get("type")
    if endpoint_type and raw.get("type") not in (None, endpoint_type):
        raise MessageError(f"type {raw.get('type')!r} sent to the /v1/{endpoint_type} endpoint")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        raise MessageError(f"type must be one of {', '.join(MESSAGE_TYPES)}; got {kind!r}")
    for name in OBJECT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, dict):
            raise MessageError(f"{name} must be a JSON object, got {_json_type(value)}")
    ids = _identifiers(raw)
    if ids["userId"] is None and ids["anonymousId"] is None:
        raise MessageError("either userId or anonymousId is required")
    # The message's own objects are used as they are: they were parsed for this request and nothing else holds them.
    context = raw.get("context") or {}
    if batch_context:
        context = {**batch_context, **context}
    traits = _traits(kind, raw, context)
    event = _required_text(raw, "event") if kind == "track" else None
    if kind == "group" and ids["groupId"] is None:
        raise MessageError("group requires groupId")
    if kind == "alias" and (ids["previousId"] is None or ids["userId"] is None):
        raise MessageError("alias requires both previousId and userId")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise MessageError(f"name must be a string, got {_json_type(name)}")
    original = _time(raw, "timestamp") or _time(raw, "originalTimestamp")
    sent_at = _time(raw, "sentAt") or _time({"sentAt": batch_sent_at}, "sentAt")
    timestamp = _corrected(original, sent_at, received_at)
    properties = raw.get("properties") or {}
    page = context.get("page") if isinstance(context.get("page"), dict) else {}
    path = properties.get("path") or page.get("path")
    asset_id = properties.get("asset_id") or properties.get("assetId")
    campaign = campaign_of(context)
    referrer = properties.get("referrer") or page.get("referrer")
    if kind in ("identify", "alias", "group"):
        _check_traits(kind, traits)
    message = Message(
        type=kind,
        message_id=ids["messageId"] or f"lp-{uuid.uuid4()}",
        user_id=ids["userId"],
        anonymous_id=ids["anonymousId"],
        timestamp=timestamp,
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received_at,
        event=event,
        name=name,
        group_id=ids["groupId"],
        previous_id=ids["previousId"],
        properties=properties,
        context=context,
        traits=traits,
        path=path if path is None or path.__class__ is str else _text(path),
        asset_id=asset_id if asset_id is None else _text(asset_id),
        channel=channel_of(campaign, referrer if isinstance(referrer, str) else None),
        utm_source=_text(campaign.get("source")) if campaign else None,
        utm_medium=_text(campaign.get("medium")) if campaign else None,
        utm_campaign=_text(campaign.get("name")) if campaign else None,
        email=_email(kind, traits),
    )
    # Text longer than its column is cut to it (the whole value stays in the message's documents).
    for name, width in EVENT_TEXT_WIDTHS:
        value = getattr(message, name)
        if value is not None and len(value) > width:
            setattr(message, name, value[:width])
    return message


_EVENTS = Event.__table__.c
# The event columns a message's own text lands in, with their widths, read from the model. Identifiers are
# refused when too long instead (cut, two ids could become one).
EVENT_TEXT_WIDTHS = tuple(
    (f.name, width)
    for f in fields(Message)
    if f.name in _EVENTS and f.name not in ("message_id", "user_id", "anonymous_id", "group_id", "previous_id")
    and (width := text_width(_EVENTS[f.name])) is not None
)
# An identifier lands in the events, people, accounts and identities tables: the narrowest of those columns.
MAX_ID_CHARS = min(
    text_width(column) or 0
    for column in (
        *(_EVENTS[name] for name in ("message_id", "user_id", "anonymous_id", "group_id", "previous_id")),
        Person.__table__.c.user_id,
        Account.__table__.c.group_id,
        Identity.__table__.c.value,
    )
)
MAX_EMAIL_CHARS = min(text_width(Person.__table__.c.email) or 0, text_width(Identity.__table__.c.value) or 0)
MAX_DOMAIN_CHARS = text_width(Account.__table__.c.domain) or 0


def _email(kind: str, traits: dict[str, Any]) -> str | None:
    email = traits.get("email") if kind in ("identify", "alias") else None
    if not (isinstance(email, str) and "@" in email):
        return None
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_CHARS:
        raise MessageError(f"traits.email is {len(email)} characters; at most {MAX_EMAIL_CHARS} are allowed")
    domain = email_domain(email) or ""
    if len(domain) > MAX_DOMAIN_CHARS:
        raise MessageError(
            f"traits.email has a domain of {len(domain)} characters; at most {MAX_DOMAIN_CHARS} are allowed"
        )
    return email


def _check_traits(kind: str, traits: dict[str, Any]) -> None:
    """Refuse traits that would not fit the account's columns (an employee count past the integer column)."""
    if kind == "group":
        problem = out_of_range(traits, where="traits.")
        domain = website_domain(traits)
        if problem is None and domain is not None and len(domain) > MAX_DOMAIN_CHARS:
            field_name = "traits.domain" if traits.get("domain") else "traits.website"
            problem = f"{field_name} names a domain of {len(domain)} characters; at most {MAX_DOMAIN_CHARS} are allowed"
    else:
        problem = out_of_range(company_of(traits), where="traits.company.")
    if problem is not None:
        raise MessageError(problem)


def without_nul(value: Any) -> Any:
    """The value with NUL characters removed from every string and key (PostgreSQL cannot store them)."""
    if isinstance(value, str):
        return value.replace(UNSTORABLE_CHARACTER, "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def _unwritable(raw: dict[str, Any], error: Exception) -> str:
    """Say why a message parsed from JSON cannot be written back as JSON: which field nests too deep."""
    for name, value in raw.items():
        depth = nesting(value)
        if depth > MAX_NESTING:
            return f"{name} is nested {depth} levels deep; at most {MAX_NESTING} levels are allowed"
    return f"the message cannot be stored as JSON: {error}"


def nesting(value: Any) -> int:
    """How many levels of objects and arrays a value nests (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _identifiers(raw: dict[str, Any]) -> dict[str, str | None]:
    """userId, anonymousId, groupId, previousId and messageId as text (None when absent)."""
    ids: dict[str, str | None] = {}
    for name in ID_FIELDS:
        value = raw.get(name)
        # Short strings are the rule; numbers, empties and errors take the careful path.
        ids[name] = value if value.__class__ is str and 0 < len(value) <= MAX_ID_CHARS else _identifier(raw, name)
    return ids


def _identifier(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MessageError(f"{name} must be a string or a number, got {_json_type(value)}")
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        raise MessageError(f"{name} is {len(text)} characters; at most {MAX_ID_CHARS} are allowed")
    return text


def _required_text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None or value == "":
        raise MessageError(f"track requires {name}: the name of the event")
    if not isinstance(value, str):
        raise MessageError(f"{name} must be a string, got {_json_type(value)}")
    return value


def _traits(kind: str, raw: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    # Segment puts identify traits at the top level; RudderStack puts them under context.traits.
    context_traits = context.get("traits")
    if isinstance(context_traits, dict) and kind in ("identify", "alias"):
        return {**context_traits, **(raw.get("traits") or {})}
    return raw.get("traits") or {}


def _time(raw: dict[str, Any], name: str) -> datetime | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MessageError(f"{name} must be an ISO-8601 string, got {_json_type(value)}")
    try:
        return parse_time(value)
    except ValueError:
        raise MessageError(f"{name} {value!r} is not an ISO-8601 timestamp") from None
    except OverflowError:
        raise MessageError(f"{name} {value!r} falls outside years 1-9999 once turned to UTC") from None


def _corrected(original: datetime | None, sent_at: datetime | None, received_at: datetime) -> datetime:
    """Segment's clock-skew correction: timestamp = receivedAt − (sentAt − originalTimestamp)."""
    if original is None:
        return as_utc(received_at)
    if sent_at is None:
        return original
    try:
        return as_utc(received_at) - (sent_at - original)
    except OverflowError:
        raise MessageError(
            f"timestamp {original.isoformat()} sent at {sent_at.isoformat()} (sentAt): correcting the sender's "
            "clock skew gives a date outside years 1-9999"
        ) from None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
