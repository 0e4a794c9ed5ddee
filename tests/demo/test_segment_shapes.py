"""Every message is a well-formed Segment call, and identity unfolds the way a real site's does."""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from typing import Any

from leadpact.clock import parse_time
from leadpact.demo import DemoCompany
from leadpact.demo.catalog import PROBLEMS

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
COMMON = {"type", "messageId", "anonymousId", "userId", "timestamp", "context"}
PER_TYPE = {"page": {"name", "properties"}, "track": {"event", "properties"}, "identify": {"traits"},
            "group": {"groupId", "traits"}, "alias": {"previousId"}}
TRACK_EVENTS = {"Content Downloaded", "Email Opened", "Email Clicked", "Webinar Registered", "Webinar Attended",
                "Form Submitted", "Demo Requested", "Pricing Requested", "Trial Started"}


def test_every_message_has_the_segment_fields(small_events: list[dict[str, Any]]) -> None:
    for message in small_events:
        kind = message["type"]
        assert set(message) == COMMON | PER_TYPE[kind], message
        assert uuid.UUID(message["messageId"]).version == 4
        assert message["userId"] or message["anonymousId"]
        assert ISO_Z.match(message["timestamp"])
        assert isinstance(message["context"], dict)


def test_type_specific_fields(small_company: DemoCompany, small_events: list[dict[str, Any]]) -> None:
    domains = {a.domain for a in small_company.accounts}
    assets = {a.id for a in small_company.content}
    for message in small_events:
        kind, properties = message["type"], message.get("properties")
        if kind == "page":
            assert properties["path"].startswith("/") and properties["url"].startswith("https://")
            assert properties["title"] == message["name"]
            assert message["context"]["page"]["path"] == properties["path"]
            assert message["context"]["userAgent"] and message["context"]["ip"]
        elif kind == "track":
            assert message["event"] in TRACK_EVENTS
            if message["event"] in ("Content Downloaded", "Webinar Registered", "Webinar Attended",
                                    "Email Clicked"):
                assert properties["asset_id"] in assets
            if message["event"].startswith("Email"):
                assert properties["campaign"] and message["userId"]
            if message["event"] == "Form Submitted":
                assert properties["form"]
        elif kind == "identify":
            assert message["userId"] and "@" in message["traits"]["email"]
        elif kind == "group":
            assert message["groupId"] in domains and message["traits"]["name"]
        else:
            assert message["previousId"] and message["userId"]


def test_campaigns_are_utm_shaped_and_first_touch_channels_vary(small_events: list[dict[str, Any]]) -> None:
    media: Counter[str] = Counter()
    for message in small_events:
        campaign = message["context"].get("campaign")
        if campaign is not None:
            assert set(campaign) <= {"name", "source", "medium", "term", "content"}
            assert {"name", "source", "medium"} <= set(campaign)
            assert "utm_source=" in message["context"]["page"]["url"]
            media[campaign["medium"]] += 1
    assert {"organic", "cpc", "paid-social", "email", "events", "partner"} <= set(media)


def test_form_is_followed_by_identify_then_its_event(small_company: DemoCompany,
                                                    small_events: list[dict[str, Any]]) -> None:
    by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    index = small_company.person_by_identifier
    for message in small_events:
        person = index.get(message["userId"]) or index.get(message["anonymousId"])
        if person:
            by_person[person].append(message)
    follow = {"guide_download": "Content Downloaded", "webinar_registration": "Webinar Registered",
              "demo_request": "Demo Requested", "pricing_request": "Pricing Requested",
              "trial_signup": "Trial Started"}
    for messages in by_person.values():
        for position, message in enumerate(messages):
            if message.get("event") != "Form Submitted":
                continue
            assert messages[position + 1]["type"] == "identify"
            form = message["properties"]["form"]
            if form in follow:
                rest = [m.get("event") for m in messages[position + 2: position + 4]]
                assert follow[form] in rest


def test_anonymous_browsing_precedes_identification(small_company: DemoCompany,
                                                    small_events: list[dict[str, Any]]) -> None:
    """On each device, nothing carries the user id before the identify or alias that links it."""
    linked: set[str] = set()
    anonymous_then_known = 0
    seen_anonymous: set[str] = set()
    for message in small_events:
        anonymous_id = message["anonymousId"]
        if message["type"] in ("identify", "alias"):
            linked.add(message.get("previousId") or anonymous_id or "")
            anonymous_then_known += (message.get("previousId") or anonymous_id) in seen_anonymous
        elif anonymous_id is not None:
            assert (message["userId"] is not None) == (anonymous_id in linked), message
            if message["userId"] is None:
                seen_anonymous.add(anonymous_id)
    assert anonymous_then_known > 100


def test_some_leads_lack_context(small_events: list[dict[str, Any]]) -> None:
    traits = [m["traits"] for m in small_events if m["type"] == "identify" and m["anonymousId"]]
    company = [t.get("company") or {} for t in traits]
    assert 0.1 < sum("title" not in t for t in traits) / len(traits) < 0.5
    assert 0.2 < sum("industry" not in c for c in company) / len(company) < 0.8
    assert 0.2 < sum("employee_count" not in c for c in company) / len(company) < 0.8
    assert any("phone" in t for t in traits) and any("seniority" in t for t in traits)


def test_anonymous_only_visitors_never_identify(small_events: list[dict[str, Any]],
                                                small_company: DemoCompany) -> None:
    visitors = {v for chunk in small_company.iter_chunks() for v in chunk.visitor_ids}
    assert len(visitors) == small_company.sizes["visitors"]
    for message in small_events:
        if message["anonymousId"] in visitors:
            assert message["type"] == "page" and message["userId"] is None


def test_pages_and_assets_come_from_the_catalog(small_company: DemoCompany,
                                                small_events: list[dict[str, Any]]) -> None:
    paths = {a.path for a in small_company.content}
    assert {m["properties"]["path"] for m in small_events if m["type"] == "page"} <= paths
    problems = {a.problem for a in small_company.content}
    assert problems == set(PROBLEMS) | {None}
    assert parse_time(small_events[0]["timestamp"]).tzinfo is not None
