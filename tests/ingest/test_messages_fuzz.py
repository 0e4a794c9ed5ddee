"""The Segment message parser under generated input: it returns a message that fits the database's columns or
refuses with a MessageError that names a field; no other exception escapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadpact.ingest.messages import (
    EVENT_TEXT_WIDTHS,
    ID_FIELDS,
    MAX_ID_CHARS,
    MESSAGE_TYPES,
    MessageError,
    parse_message,
)

RECEIVED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
FIELDS = (*ID_FIELDS, "type", "event", "name", "timestamp", "sentAt", "originalTimestamp", "traits", "properties",
          "context", "integrations", "email", "company", "employees", "employee_count", "website", "domain", "path")

# What orjson.loads can hand the parser: no NaN or infinity, integers up to 64 bits, any text (NULs included).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "x" * 400, "a@b.example", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+05:00",
                     "2000-01-01T00:00:00Z", "2026-09-30T10:00:00-12:00", "not a date", "1e30"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner,
                                                                max_size=5),
    max_leaves=25,
)
messages = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=12).map(
    lambda raw: {"type": "identify", "anonymousId": "a", **raw}
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=messages | st.sampled_from([{"type": t, "userId": "u", "event": "e", "groupId": "g", "previousId": "p"}
                                         for t in MESSAGE_TYPES]), batch_sent_at=scalars)
def test_the_parser_returns_a_fitting_message_or_says_what_is_wrong(raw: dict[str, Any], batch_sent_at: Any) -> None:
    try:
        message = parse_message(raw, received_at=RECEIVED, batch_sent_at=batch_sent_at)
    except MessageError as error:
        assert str(error), "a refusal says why"
        return
    for name, width in EVENT_TEXT_WIDTHS:
        value = getattr(message, name)
        assert value is None or (isinstance(value, str) and len(value) <= width), name
    for value in (message.user_id, message.anonymous_id, message.group_id, message.previous_id, message.message_id):
        assert value is None or len(value) <= MAX_ID_CHARS
    assert message.timestamp.tzinfo is not None
    assert not holds_nul([message.properties, message.traits, message.context, message.event, message.name])


def holds_nul(value: Any) -> bool:
    """Whether a NUL character is in any string or key of a value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False
