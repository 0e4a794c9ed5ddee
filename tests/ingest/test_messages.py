"""Message normalisation: clock skew, UTM channels, traits placement (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadpact.ingest.channels import channel_of
from leadpact.ingest.messages import MessageError, parse_message

RECEIVED = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)


def test_clock_skew_is_corrected_like_segment():
    # The device clock runs 1 hour fast: sentAt and timestamp both carry that error.
    message = parse_message(
        {
            "type": "track",
            "event": "x",
            "anonymousId": "a",
            "timestamp": "2026-10-01T12:59:00Z",
            "sentAt": "2026-10-01T13:00:00Z",
        },
        received_at=RECEIVED,
    )
    assert message.timestamp == datetime(2026, 10, 1, 11, 59, tzinfo=UTC)
    assert message.original_timestamp == datetime(2026, 10, 1, 12, 59, tzinfo=UTC)


def test_batch_sent_at_applies_to_each_message():
    message = parse_message(
        {"type": "track", "event": "x", "anonymousId": "a", "timestamp": "2026-10-01T12:30:00Z"},
        received_at=RECEIVED,
        batch_sent_at="2026-10-01T12:40:00Z",
    )
    assert message.timestamp == datetime(2026, 10, 1, 11, 50, tzinfo=UTC)


def test_without_timestamp_the_receive_time_is_used():
    message = parse_message({"type": "page", "anonymousId": "a"}, received_at=RECEIVED)
    assert message.timestamp == RECEIVED


def test_traits_under_context_traits_are_read():
    message = parse_message(
        {"type": "identify", "userId": "u", "context": {"traits": {"email": "A@B.io"}}}, received_at=RECEIVED
    )
    assert message.email == "a@b.io"


def test_top_level_traits_win_over_context_traits():
    message = parse_message(
        {"type": "identify", "userId": "u", "traits": {"title": "CTO"}, "context": {"traits": {"title": "intern"}}},
        received_at=RECEIVED,
    )
    assert message.traits["title"] == "CTO"


def test_numeric_user_id_is_text():
    assert parse_message({"type": "track", "event": "x", "userId": 42}, received_at=RECEIVED).user_id == "42"


def test_utm_from_page_search_when_no_campaign():
    message = parse_message(
        {
            "type": "page",
            "anonymousId": "a",
            "context": {"page": {"search": "?utm_source=linkedin&utm_medium=paid_social"}},
        },
        received_at=RECEIVED,
    )
    assert (message.utm_source, message.channel) == ("linkedin", "paid_social")


@pytest.mark.parametrize(
    ("source", "medium", "referrer", "channel"),
    [
        ("google", "cpc", None, "paid_search"),
        ("google", "organic", None, "organic_search"),
        ("linkedin", "paid_social", None, "paid_social"),
        ("linkedin", "social", None, "social"),
        ("newsletter", "email", None, "email"),
        ("partner", "referral", None, "partner"),
        ("summit", "event", None, "events"),
        (None, None, None, "direct"),
        (None, None, "https://www.google.com/search", "organic_search"),
        (None, None, "https://news.ycombinator.com/item", "referral"),
    ],
)
def test_channels(source, medium, referrer, channel):
    campaign = {k: v for k, v in {"source": source, "medium": medium}.items() if v}
    assert channel_of(campaign, referrer) == channel


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([1, 2], "a message must be a JSON object, got an array"),
        ({"type": "group", "userId": "u"}, "group requires groupId"),
        ({"type": "alias", "userId": "u"}, "alias requires both previousId and userId"),
        ({"type": "track", "event": "x", "anonymousId": "a", "sentAt": 5}, "sentAt must be an ISO-8601 string"),
        ({"type": "page", "anonymousId": True}, "anonymousId must be a string or a number, got a boolean"),
        ({"type": "page", "anonymousId": "a" * 256}, "anonymousId is 256 characters; at most 255 are allowed"),
        ({"type": "page", "anonymousId": "a", "name": ["Pricing"]}, "name must be a string, got an array"),
        ({"type": "track", "event": "x", "anonymousId": "a", "integrations": "all"}, "integrations must be a JSON"),
    ],
)
def test_invalid_messages_say_what_is_wrong(raw, words):
    with pytest.raises(MessageError, match=words):
        parse_message(raw, received_at=RECEIVED)


def test_a_message_of_another_type_than_its_endpoint_is_refused():
    with pytest.raises(MessageError, match="type 'identify' sent to the /v1/track endpoint"):
        parse_message({"type": "identify", "userId": "u"}, received_at=RECEIVED, endpoint_type="track")
