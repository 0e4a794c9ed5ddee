"""In-memory identity resolution for `leadpact score`."""

from __future__ import annotations

import json

from leadpact.pact import read_messages, resolve

from .conftest import at


def lines(*messages: dict) -> list[str]:
    return [json.dumps(m) for m in messages]


def test_identify_joins_anonymous_history_and_alias_merges() -> None:
    messages, problems = read_messages(lines(
        {"type": "page", "anonymousId": "a1", "properties": {"path": "/pricing"}, "timestamp": "2024-05-01T10:00:00Z"},
        {"type": "identify", "anonymousId": "a1", "userId": "u1", "timestamp": "2024-05-01T11:00:00Z",
         "traits": {"email": "Dana@Acme.example", "title": "CTO"}},
        {"type": "track", "userId": "u9", "event": "Demo Requested", "timestamp": "2024-05-02T10:00:00Z"},
        {"type": "alias", "previousId": "u9", "userId": "u1", "timestamp": "2024-05-02T11:00:00Z"},
        {"type": "identify", "userId": "u2", "timestamp": "2024-05-02T12:00:00Z",
         "context": {"traits": {"email": "dana@acme.example", "seniority": "cxo"}}},
    ))
    assert problems == []
    [person] = resolve(messages)
    assert person.person["title"] == "CTO" and person.person["seniority"] == "cxo"
    assert [e["type"] for e in person.events] == ["page", "identify", "track", "alias", "identify"]
    assert person.account == {"domain": "acme.example"}  # implied by the business email domain


def test_accounts_by_group_domain_and_company_name() -> None:
    messages, _ = read_messages(lines(
        {"type": "group", "userId": "u1", "groupId": "g1", "timestamp": "2024-05-01T00:00:00Z",
         "traits": {"name": "Acme", "industry": "software", "employees": 800, "website": "https://www.acme.example"}},
        {"type": "group", "userId": "u9", "groupId": "g2", "timestamp": "2024-05-01T00:00:00Z",
         "traits": {"name": "Globex Corp", "domain": "globex.example"}},
        {"type": "identify", "userId": "u1", "traits": {"email": "a@gmail.com"}, "timestamp": "2024-05-01T00:00:00Z"},
        {"type": "identify", "userId": "u2", "traits": {"email": "b@acme.example"},
         "timestamp": "2024-05-01T00:00:00Z"},
        {"type": "identify", "userId": "u3", "traits": {"email": "c@gmail.com", "company": {"name": "globex corp"}},
         "timestamp": "2024-05-01T00:00:00Z"},
        {"type": "identify", "userId": "u4", "traits": {"email": "d@yahoo.com", "company": "Initech"},
         "timestamp": "2024-05-01T00:00:00Z"},
        {"type": "identify", "userId": "u5", "traits": {"email": "e@hotmail.com"}, "timestamp": "2024-05-01T00:00:00Z"},
    ))
    people = {p.key: p for p in resolve(messages)}
    assert people["a@gmail.com"].account["group_id"] == "g1"     # sent the group call
    assert people["b@acme.example"].account["group_id"] == "g1"  # email domain
    assert people["c@gmail.com"].account["group_id"] == "g2"     # company name, any case
    assert people["d@yahoo.com"].account == {"name": "Initech"}  # implied by the company trait
    assert people["e@hotmail.com"].account is None               # free-mail: no account


def test_bad_lines_are_reported_and_valid_ones_kept() -> None:
    messages, problems = read_messages([
        '{"type": "page", "anonymousId": "a", "timestamp": "2024-05-01T00:00:00Z"}',
        "{not json",
        '{"batch": [{"type": "track", "userId": "u", "timestamp": "2024-05-01T00:00:00Z"},'
        ' {"type": "track", "userId": "u", "event": "X", "timestamp": "2024-05-01T00:00:00Z"}]}',
        '{"type": "page", "timestamp": "2024-05-01T00:00:00Z"}',
        '{"type": "page", "anonymousId": "a", "timestamp": "yesterday"}',
        '{"type": "shout", "anonymousId": "a", "timestamp": "2024-05-01T00:00:00Z"}',
        "",
    ])
    assert len(messages) == 2
    assert [str(p) for p in problems] == [
        "line 2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        "line 3: message 1 of the batch: a track message needs an event name",
        "line 4: neither userId nor anonymousId",
        "line 5: unreadable timestamp 'yesterday'",
        "line 6: unknown or missing type 'shout'; expected one of track, page, screen, identify, group, alias",
    ]


def test_messages_after_as_of_and_repeated_message_ids_are_left_out() -> None:
    messages, _ = read_messages(lines(
        {"type": "identify", "userId": "u", "traits": {"email": "a@b.example", "title": "Old"},
         "timestamp": "2024-05-01T00:00:00Z", "messageId": "m1"},
        {"type": "identify", "userId": "u", "traits": {"title": "Dup"}, "timestamp": "2024-05-01T01:00:00Z",
         "messageId": "m1"},
        {"type": "identify", "userId": "u", "traits": {"title": "Future"}, "timestamp": "2024-06-01T00:00:00Z"},
    ))
    [person] = resolve(messages, as_of=at("2024-05-15T00:00:00Z"))
    assert person.person["title"] == "Old" and len(person.events) == 1
