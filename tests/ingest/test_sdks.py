"""The official Segment and RudderStack Python clients, pointed at leadpact on loopback."""

from __future__ import annotations

import pytest
import rudderstack.analytics as rudder
import segment.analytics as segment_analytics
from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.ingest.models import Event
from leadpact.people.models import Person
from tests.ingest.helpers import event_count, stored_message_ids


def test_segment_client_every_message_arrives_once(live_server, write_key):
    client = segment_analytics.Client(write_key, host=live_server.url, sync_mode=True, max_retries=1)
    client.identify("user-1", {"email": "grace@northwind.io", "title": "VP Data"}, message_id="seg-1")
    client.track("user-1", "Demo Requested", {"plan": "team"}, message_id="seg-2")
    client.page("user-1", name="Pricing", properties={"path": "/pricing"}, message_id="seg-3")
    client.flush()
    assert stored_message_ids() == {"seg-1", "seg-2", "seg-3"}
    # The same batch sent again (a retry after a lost response) is stored once.
    client.track("user-1", "Demo Requested", {"plan": "team"}, message_id="seg-2")
    client.flush()
    assert event_count() == 3
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.user_id == "user-1"))
        assert person is not None and person.email == "grace@northwind.io" and person.title == "VP Data"


def test_segment_client_batch_sent_twice(live_server, write_key):
    client = segment_analytics.Client(write_key, host=live_server.url, upload_size=100, gzip=True)
    for i in range(250):
        client.track(f"user-{i % 7}", "Content Downloaded", {"asset_id": f"a{i}"}, message_id=f"dup-{i}")
    client.flush()
    for i in range(250):
        client.track(f"user-{i % 7}", "Content Downloaded", {"asset_id": f"a{i}"}, message_id=f"dup-{i}")
    client.flush()
    client.shutdown()
    assert stored_message_ids() == {f"dup-{i}" for i in range(250)}


def test_rudderstack_client_gzip_and_context_traits(live_server, write_key):
    rudder.write_key = write_key
    rudder.dataPlaneUrl = live_server.url
    rudder.sync_mode = True
    rudder.identify(
        "user-9",
        {
            "email": "linus@brightforge.io",
            "firstName": "Linus",
            "company": {"name": "Brightforge", "industry": "software", "employee_count": 800},
        },
    )
    rudder.track("user-9", "Pricing Requested", {"seats": 40})
    rudder.flush()
    with session_scope() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        assert [e.type for e in events] == ["identify", "track"]
        identify = events[0]
        # RudderStack sends identify traits under context.traits; leadpact reads them there.
        assert identify.context.get("traits", {}).get("email") == "linus@brightforge.io"
        person = session.get(Person, identify.person_id)
        assert person is not None and person.email == "linus@brightforge.io" and person.first_name == "Linus"
        assert person.account_id is not None
        assert events[1].person_id == person.id
    # Sending the same messages again stores nothing new.
    rudder.identify("user-9", {"email": "linus@brightforge.io"})
    rudder.flush()
    assert event_count() == 3


def test_rudderstack_client_reads_code_and_message_of_a_refusal(live_server, write_key):
    # The client raises APIError(status, body["code"], body["message"]): without them it raised KeyError('code').
    from rudderstack.analytics.client import Client
    from rudderstack.analytics.request import APIError

    client = Client(write_key="lp_wk_not-a-real-key", host=live_server.url, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as refused:
        client.track("user-1", "Demo Requested")
    assert refused.value.status == 401 and refused.value.code == "unauthorized"
    assert "invalid write key" in refused.value.message
    assert event_count() == 0


def test_segment_client_reads_code_and_message_of_a_refusal(live_server, write_key):
    errors: list[Exception] = []
    client = segment_analytics.Client(
        "lp_wk_not-a-real-key", host=live_server.url, sync_mode=True, max_retries=0, on_error=errors.append
    )
    from segment.analytics.request import APIError

    with pytest.raises(APIError) as refused:
        client.track("user-1", "Demo Requested")
    assert refused.value.status == 401 and refused.value.code == "unauthorized"
    assert event_count() == 0
