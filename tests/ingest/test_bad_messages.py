"""One bad message never costs its neighbours: each kind of hostile message sent between two good ones is rejected
on its own (with its index and reason) or stored cleaned, and the good ones are stored. Runs on SQLite and, with
LEADPACT_TEST_DATABASE_URL, on PostgreSQL, where the column widths and integer ranges are enforced."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import orjson
import pytest
import segment.analytics as segment_analytics
from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.ingest.models import Event
from leadpact.people.models import Account, Person
from tests.ingest.helpers import stored_message_ids, track


def nested(depth: int) -> dict[str, Any]:
    """An object nested `depth` levels deep."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def identify(**traits: Any) -> dict[str, Any]:
    """An identify of a fresh user with these traits."""
    return {**track(), "type": "identify", "userId": f"user-{track()['messageId']}", "traits": traits}


def send(server: Any, key: str, bad: dict[str, Any] | bytes) -> tuple[httpx.Response, list[str]]:
    """Send [good, bad, good] in one batch; return the answer and the good messageIds."""
    goods = [track(), track(event="Demo Requested")]
    if isinstance(bad, bytes):
        # A raw message (text JSON cannot express) spliced between the two good ones.
        body = b'{"batch": [' + orjson.dumps(goods[0]) + b", " + bad + b", " + orjson.dumps(goods[1]) + b"]}"
    else:
        body = orjson.dumps({"batch": [goods[0], bad, goods[1]]})
    response = httpx.post(
        f"{server.url}/v1/batch", content=body, auth=(key, ""), headers={"Content-Type": "application/json"}, timeout=30
    )
    return response, [g["messageId"] for g in goods]


def assert_rejected(response: httpx.Response, goods: list[str], message_id: str, *words: str) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] == 2
    [rejected] = body["rejected"]
    assert rejected["index"] == 1 and rejected["messageId"] == message_id
    for word in words:
        assert word in rejected["error"], rejected["error"][:500]
    assert stored_message_ids() == set(goods)


def assert_stored(response: httpx.Response, goods: list[str], message_id: str) -> Event:
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "stored": 3, "duplicates": 0, "rejected": []}
    assert stored_message_ids() == {*goods, message_id}
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.message_id == message_id))
        assert event is not None
        return event


@pytest.mark.parametrize("depth", [255, 600, 1_015])
def test_properties_nested_too_deep_are_rejected_alone(live_server, write_key, depth):
    # Written out by hand: orjson (like most encoders) refuses to write what it would nest this deep.
    properties = b'{"a": ' * (depth - 1) + b'{"leaf": 1}' + b"}" * (depth - 1)
    bad = orjson.dumps(track(messageId="deep"))[:-1] + b', "properties": ' + properties + b"}"
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, "deep", "properties", f"{depth} levels deep", "at most")


def test_properties_nested_within_the_limit_are_stored(live_server, write_key):
    fine = track(properties=nested(100))
    response, goods = send(live_server, write_key, fine)
    event = assert_stored(response, goods, fine["messageId"])
    assert event.properties == nested(100)


def test_a_company_name_that_is_a_number_is_stored_as_text(live_server, write_key):
    bad = identify(email="ines@numbers.example", company={"name": 5})
    response, goods = send(live_server, write_key, bad)
    assert_stored(response, goods, bad["messageId"])
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.user_id == bad["userId"]))
        assert person is not None and person.company_name == "5"


@pytest.mark.parametrize(
    ("company", "shown"),
    [
        ({"name": "Huge", "employee_count": 2**63}, "9223372036854775808"),
        ({"name": "Huge", "employee_count": 1e30}, "1e+30"),
        ({"name": "Huge", "employees": 2**31}, "2147483648"),
        ({"name": "Huge", "employees": -(2**31) - 1}, "-2147483649"),
    ],
)
def test_an_employee_count_out_of_range_is_rejected_alone(live_server, write_key, company, shown):
    bad = identify(email="ada@huge.example", company=company)
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "traits.company.", shown, "2147483647")
    with session_scope() as session:
        assert session.scalars(select(Account)).all() == []


def test_a_group_with_too_many_employees_is_rejected_alone(live_server, write_key):
    bad = {**track(), "type": "group", "groupId": "huge.example", "traits": {"name": "Huge", "employees": 2**40}}
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "traits.employees", str(2**40))


def test_a_clock_skew_correction_that_overflows_is_rejected_alone(live_server, write_key):
    bad = track(timestamp="9999-12-31T00:00:00Z", sentAt="2000-01-01T00:00:00Z")
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "sentAt", "9999-12-31", "outside")


def test_a_timestamp_that_leaves_the_calendar_in_utc_is_rejected_alone(live_server, write_key):
    bad = track(timestamp="0001-01-01T00:00:00+05:00")
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "timestamp", "0001-01-01")


def test_nul_bytes_are_removed_from_every_string(live_server, write_key):
    bad = track(
        event="Demo\x00 Requested",
        properties={"plan\x00": "te\x00am", "list": ["a\x00b", {"deep": "\x00x"}]},
        context={"page": {"path": "/pri\x00cing"}},
    )
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, bad["messageId"])
    assert event.event == "Demo Requested"
    assert event.properties == {"plan": "team", "list": ["ab", {"deep": "x"}]}
    assert event.path == "/pricing"


def test_nul_bytes_in_identifiers_and_traits_are_removed(live_server, write_key):
    bad = identify(email="nul\x00@nul.example", firstName="A\x00da")
    bad["userId"] = "user\x00-nul"
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, bad["messageId"])
    assert event.user_id == "user-nul"
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.user_id == "user-nul"))
        assert person is not None and person.email == "nul@nul.example" and person.first_name == "Ada"


def test_a_page_name_longer_than_its_column_is_cut_to_it(live_server, write_key):
    bad = {**track(), "type": "page", "name": "P" * 300}
    del bad["event"]
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, bad["messageId"])
    assert event.name == "P" * 255


def test_long_texts_land_cut_on_every_column(live_server, write_key):
    long = "x" * 2_000
    bad = identify(email="long@long.example", firstName=long, title=long, company={"name": long, "industry": long})
    bad["context"] = {"campaign": {"name": long, "source": long, "medium": long}, "page": {"path": "/" + long}}
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, bad["messageId"])
    assert len(event.utm_campaign or "") == 255 and len(event.path or "") == 500
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.user_id == bad["userId"]))
        assert person is not None and person.first_name == "x" * 120 and person.title == "x" * 255
        account = session.get(Account, person.account_id)
        assert account is not None and account.name == "x" * 255 and account.industry == "x" * 120


def test_an_email_longer_than_its_column_is_rejected_alone(live_server, write_key):
    bad = identify(email="a" * 300 + "@" + "b" * 30 + ".example")
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "traits.email", "at most 320")


def test_an_email_domain_longer_than_a_domain_is_rejected_alone(live_server, write_key):
    bad = identify(email="a@" + "b" * 280 + ".example")
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "traits.email", "domain", "at most 255")


def test_a_website_longer_than_a_domain_is_rejected_alone(live_server, write_key):
    bad = {**track(), "type": "group", "groupId": "g-1", "traits": {"website": "https://" + "w" * 300 + ".example"}}
    response, goods = send(live_server, write_key, bad)
    assert_rejected(response, goods, bad["messageId"], "traits.website", "at most 255")


def test_a_lone_surrogate_is_replaced_and_the_batch_stored(live_server, write_key):
    message_id = "lone-surrogate"
    bad = b'{"type": "track", "event": "Cut \\ud83d emoji", "anonymousId": "a-\\udc00", "messageId": "lone-surrogate",'
    bad += b' "properties": {"k\\ud83d": "v\\ud83d\\ude00 \\ud83d"}}'
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, message_id)
    assert event.event == "Cut \ufffd emoji" and event.anonymous_id == "a-\ufffd"
    assert event.properties == {"k\ufffd": "v\U0001f600 \ufffd"}


def test_invalid_utf8_is_replaced_and_the_batch_stored(live_server, write_key):
    bad = b'{"type": "track", "event": "caf\xe9 \xff\xfe", "anonymousId": "a", "messageId": "bad-utf8"}'
    response, goods = send(live_server, write_key, bad)
    event = assert_stored(response, goods, "bad-utf8")
    assert event.event == "caf\ufffd \ufffd\ufffd"


def test_invalid_utf8_in_a_gzip_body_is_replaced(live_server, write_key):
    body = b'{"batch": [{"type": "track", "event": "\xc3", "anonymousId": "a", "messageId": "gz-utf8"}]}'
    response = httpx.post(
        f"{live_server.url}/v1/batch",
        content=gzip.compress(body),
        auth=(write_key, ""),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["stored"] == 1
    assert stored_message_ids() == {"gz-utf8"}


def test_invalid_json_is_still_refused_whole_with_segment_shape(live_server, write_key):
    response = httpx.post(f"{live_server.url}/v1/batch", content=b'{"batch": [\xff', auth=(write_key, ""), timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_json" and "invalid JSON" in body["message"] and body["error"] == body["message"]
    assert stored_message_ids() == set()


def test_segment_client_49_good_and_1_bad_stores_the_49(live_server, write_key):
    client = segment_analytics.Client(write_key, host=live_server.url, upload_size=50, max_retries=1)
    for i in range(25):
        client.track(f"user-{i}", "Content Downloaded", {"asset_id": f"a{i}"}, message_id=f"good-{i}")
    client.identify("user-bad", {"email": "x@huge.example", "company": {"name": "Huge", "employee_count": 2**63}},
                    message_id="bad")
    for i in range(25, 49):
        client.track(f"user-{i}", "Content Downloaded", {"asset_id": f"a{i}"}, message_id=f"good-{i}")
    client.flush()
    client.shutdown()
    assert stored_message_ids() == {f"good-{i}" for i in range(49)}


@pytest.fixture
def failing_on(request: pytest.FixtureRequest) -> Any:
    """A listener of stored batches (as live evaluation is) that fails on events named `request.param`."""
    from leadpact.ingest.service import on_people_changed, remove_listener

    def listener(session: Any, events: dict[int, list[dict[str, Any]]], now: Any) -> None:
        for person_events in events.values():
            for event in person_events:
                if event["event"] == "Poison":
                    raise request.param

    on_people_changed(listener)
    yield request.param
    remove_listener(listener)


@pytest.mark.parametrize("failing_on", [ValueError("the evaluator cannot read this event")], indirect=True)
def test_a_message_that_fails_while_storing_is_refused_alone(failing_on, live_server, write_key):
    # Nothing the parser knows of: the batch fails together, and storing it by halves finds the one message.
    goods = [track() for _ in range(7)]
    bad = track(event="Poison")
    batch = [*goods[:3], bad, *goods[3:]]
    response = httpx.post(f"{live_server.url}/v1/batch", content=orjson.dumps({"batch": batch}), auth=(write_key, ""))
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == 7
    [rejected] = body["rejected"]
    assert rejected["index"] == 3 and rejected["messageId"] == bad["messageId"]
    assert "could not be stored" in rejected["error"] and "the evaluator cannot read this event" in rejected["error"]
    assert stored_message_ids() == {g["messageId"] for g in goods}


def pool_exhausted() -> Exception:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return PoolTimeout("QueuePool limit of size 10 overflow 20 reached, connection timed out")


@pytest.mark.parametrize("failing_on", [pool_exhausted()], indirect=True)
def test_a_database_outage_answers_503_and_refuses_no_message(failing_on, live_server, write_key):
    # Not the messages' fault: the sender is told to come back (and its clients do), not that its data is bad.
    batch = [track(), track(event="Poison"), track()]
    response = httpx.post(f"{live_server.url}/v1/batch", content=orjson.dumps({"batch": batch}), auth=(write_key, ""))
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json()["code"] == "unavailable"
    assert stored_message_ids() == set()
