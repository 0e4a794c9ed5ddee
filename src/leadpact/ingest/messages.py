"""Validation and normalisation of one Segment message: pure, no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from leadpact.clock import as_utc, parse_time
from leadpact.ingest.channels import campaign_of, channel_of

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
MAX_MESSAGE_BYTES = 32 * 1024
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId", "messageId")


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
    size: int | None = None,
) -> Message:
    """Validate one raw message and return it normalised, or raise MessageError saying what is wrong."""
    if not isinstance(raw, dict):
        raise MessageError(f"a message must be a JSON object, got {_json_type(raw)}")
    if size is None:
        size = len(orjson.dumps(raw))
    if size > MAX_MESSAGE_BYTES:
        raise MessageError(f"message is {size} bytes; the limit is {MAX_MESSAGE_BYTES} bytes (32 KB)")
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
    return Message(
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
        path=path if path is None or (path.__class__ is str and len(path) <= 500) else _short(path, 500),
        asset_id=asset_id if asset_id is None else _short(asset_id, 120),
        channel=channel_of(campaign, referrer if isinstance(referrer, str) else None),
        utm_source=_short(campaign.get("source"), 120) if campaign else None,
        utm_medium=_short(campaign.get("medium"), 120) if campaign else None,
        utm_campaign=_short(campaign.get("name"), 255) if campaign else None,
        email=_email(kind, traits),
    )


def _email(kind: str, traits: dict[str, Any]) -> str | None:
    email = traits.get("email") if kind in ("identify", "alias") else None
    return email.strip().lower() if isinstance(email, str) and "@" in email else None


def _identifiers(raw: dict[str, Any]) -> dict[str, str | None]:
    """userId, anonymousId, groupId, previousId and messageId as text (None when absent)."""
    ids: dict[str, str | None] = {}
    for name in ID_FIELDS:
        value = raw.get(name)
        # Short strings are the rule; numbers, empties and errors take the careful path.
        ids[name] = value if value.__class__ is str and 0 < len(value) <= 255 else _identifier(raw, name)
    return ids


def _identifier(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MessageError(f"{name} must be a string or a number, got {_json_type(value)}")
    text = str(value)
    if len(text) > 255:
        raise MessageError(f"{name} is {len(text)} characters; at most 255 are allowed")
    return text


def _required_text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None or value == "":
        raise MessageError(f"track requires {name}: the name of the event")
    if not isinstance(value, str):
        raise MessageError(f"{name} must be a string, got {_json_type(value)}")
    return value[:255]


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


def _corrected(original: datetime | None, sent_at: datetime | None, received_at: datetime) -> datetime:
    """Segment's clock-skew correction: timestamp = receivedAt − (sentAt − originalTimestamp)."""
    if original is None:
        return as_utc(received_at)
    if sent_at is None:
        return original
    return as_utc(received_at) - (sent_at - original)


def _short(value: Any, limit: int) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:limit]


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
