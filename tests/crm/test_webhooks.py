"""HubSpot webhooks, signature v3: correct, wrong and expired signatures, at the verifier and at the endpoint."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import httpx
import pytest
from hubspot.utils.signature import Signature

from leadpact.crm.hubspot_pull import verify
from tests.crm.factories import make_handoffs, sales_rep
from tests.crm.helpers import WEBHOOK_PATH, WEBHOOK_URL, post_events, post_raw, sign_v3, signed_headers, webhook_server

SECRET = "app-secret"
BODY = '[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":5}]'


def check(clock, headers, *, body=BODY, uri=WEBHOOK_URL, method="POST", secret=SECRET):
    """Verify with defaults that match the signed request."""
    return verify(secret, method=method, uri=uri, body=body.encode(), headers=headers, now=clock.now())


def test_our_signature_is_the_official_clients(clock):
    timestamp = int(clock.now().timestamp() * 1000)
    ours = sign_v3(SECRET, "POST", WEBHOOK_URL, BODY, timestamp)
    assert ours == Signature.get_signature(SECRET, BODY, "v3", http_uri=WEBHOOK_URL, timestamp=str(timestamp))


@pytest.mark.parametrize(("age", "accepted"), [
    (timedelta(0), True),
    (timedelta(minutes=4, seconds=59), True),
    (timedelta(minutes=5, seconds=1), False),  # expired
    (timedelta(hours=-1), False),  # from the future: a replay with a forged clock
])
def test_the_timestamp_must_be_within_five_minutes(clock, age, accepted):
    assert check(clock, signed_headers(SECRET, BODY, clock.now() - age)) is accepted


@pytest.mark.parametrize("tamper", ["secret", "body", "uri", "method", "timestamp"])
def test_any_change_to_what_was_signed_is_refused(clock, tamper):
    headers = signed_headers(SECRET, BODY, clock.now())
    changes = {"secret": {"secret": "other"}, "body": {"body": BODY.replace("5", "6")},
               "uri": {"uri": WEBHOOK_URL + "?x=1"}, "method": {"method": "PUT"}}
    if tamper == "timestamp":
        headers["X-HubSpot-Request-Timestamp"] = str(int(headers["X-HubSpot-Request-Timestamp"]) - 1000)
    assert check(clock, headers, **changes.get(tamper, {})) is False


def test_missing_headers_or_secret_are_refused_and_logged(clock, caplog):
    caplog.set_level(logging.WARNING, "leadpact.crm")
    assert check(clock, {}) is False
    assert check(clock, signed_headers(SECRET, BODY, clock.now()), secret="") is False
    assert check(clock, {"X-HubSpot-Signature-v3": "x", "X-HubSpot-Request-Timestamp": "soon"}) is False
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["HubSpot webhook refused"] * 3


def test_percent_encoded_characters_in_the_uri_are_decoded_before_checking(clock):
    sent = WEBHOOK_URL + "?portal=1&name=a:b"
    headers = signed_headers(SECRET, BODY, clock.now(), uri=sent)
    assert check(clock, headers, uri=WEBHOOK_URL + "?portal=1&name=a%3Ab") is True


def status_event(hubspot, value):
    """A rep changes the first contact's lead status; return the webhook events HubSpot would send."""
    contact = hubspot.portal.records("contacts")[0]
    hubspot.portal.rep_sets(contact.id, hs_lead_status=value)
    return [hubspot.portal.webhooks[-1].body]


def test_the_endpoint_applies_a_correctly_signed_webhook(crm_tables, hubspot_env, clock):
    from leadpact.crm import push_handoffs

    make_handoffs(1, rep_id=sales_rep())
    push_handoffs(connector=hubspot_env.connector(), handoff_ids=[1])
    events = status_event(hubspot_env, "ATTEMPTED_TO_CONTACT")
    with webhook_server() as server:
        response = post_events(server, events, secret=SECRET, sent_at=clock.now())
    assert response.status_code == 200, response.text
    assert response.json() == {"changes": 1, "applied": 1, "skipped": 0}


@pytest.mark.parametrize(("secret", "age"), [("wrong-secret", timedelta(0)), (SECRET, timedelta(minutes=6))])
def test_the_endpoint_refuses_wrong_and_expired_signatures(crm_tables, hubspot_env, clock, caplog, secret, age):
    caplog.set_level(logging.WARNING, "leadpact.crm")
    make_handoffs(1, rep_id=sales_rep())
    events = [{"eventId": 9, "subscriptionType": "contact.propertyChange", "objectId": 1,
               "propertyName": "hs_lead_status", "propertyValue": "CONNECTED", "occurredAt": 0}]
    with webhook_server() as server:
        response = post_events(server, events, secret=secret, sent_at=clock.now() - age)
    assert response.status_code == 401
    reason = "does not match this request" if secret != SECRET else "is more than 5 minutes from now"
    assert response.json()["detail"].startswith("invalid or expired X-HubSpot-Signature-v3: ")
    assert reason in response.json()["detail"]
    assert any("HubSpot webhook refused" in r.getMessage() for r in caplog.records)
    assert hubspot_env.portal.log == []  # nothing was read on the strength of an unverified request


def test_a_webhook_that_is_not_json_is_a_bad_request(crm_tables, hubspot_env, clock):
    with webhook_server() as server:
        uri = server.url + WEBHOOK_PATH
        answers = [post_raw(server, body, signed_headers(SECRET, body, clock.now(), uri=uri))
                   for body in ("not json", json.dumps({"not": "an array"}))]
    assert [a.status_code for a in answers] == [400, 400]
    assert "not JSON" in answers[0].json()["detail"] and "array" in answers[1].json()["detail"]


@pytest.mark.parametrize(("header", "value", "reason"), [
    ("X-HubSpot-Signature-v3", "é".encode(), "must be base64 (ASCII) text"),
    ("X-HubSpot-Signature-v3", b"\xff\xfe", "must be base64 (ASCII) text"),
    ("X-HubSpot-Request-Timestamp", "١٧٩٦٨٠٠٠٠٠٠٠٠".encode(), "must be epoch milliseconds"),  # Arabic-Indic digits
    ("X-HubSpot-Request-Timestamp", b"9" * 40, "must be epoch milliseconds"),
])
def test_a_non_ascii_or_overlong_header_is_a_401_with_its_reason(crm_tables, hubspot_env, clock, header, value,
                                                                 reason):
    with webhook_server() as server:
        headers: dict[str, str | bytes] = dict(signed_headers(SECRET, BODY, clock.now(), uri=server.url + WEBHOOK_PATH))
        headers[header] = value
        response = httpx.post(server.url + WEBHOOK_PATH, content=BODY, headers=headers, timeout=30)
    assert response.status_code == 401, response.text
    assert reason in response.json()["detail"] and header in response.json()["detail"]


def test_a_replayed_request_is_refused_by_every_process(crm_tables, hubspot_env, clock, monkeypatch):
    from leadpact.crm import push_handoffs

    make_handoffs(1, rep_id=sales_rep())
    push_handoffs(connector=hubspot_env.connector(), handoff_ids=[1])
    body = json.dumps(status_event(hubspot_env, "ATTEMPTED_TO_CONTACT"))
    # Two servers on one database stand for two processes, behind the one public URL HubSpot signs.
    monkeypatch.setenv("LEADPACT_HUBSPOT_WEBHOOK_URL", WEBHOOK_URL)
    headers = signed_headers(SECRET, body, clock.now(), uri=WEBHOOK_URL)
    with webhook_server() as first, webhook_server() as second:
        answers = [post_raw(server, body, headers) for server in (first, second, first)]
        clock.advance(timedelta(minutes=4))
        answers.append(post_raw(second, body, headers))
        fresh = signed_headers(SECRET, body, clock.now(), uri=WEBHOOK_URL)  # HubSpot's own retry: a new signature
        answers.append(post_raw(second, body, fresh))
    assert [a.status_code for a in answers] == [200, 401, 401, 401, 200], [a.text for a in answers]
    assert all("already received (a replay)" in a.json()["detail"] for a in answers[1:4])


def test_signatures_are_forgotten_after_twice_the_window(crm_tables, clock):
    from sqlalchemy import func, select

    from leadpact.crm.models import CrmWebhookSignature
    from leadpact.crm.replays import first_receipt
    from leadpact.db import session_scope

    window = timedelta(minutes=5)
    with session_scope() as session:
        assert first_receipt(session=session, crm="hubspot", signature="a", window=window, now=clock.now())
        assert not first_receipt(session=session, crm="hubspot", signature="a", window=window, now=clock.now())
        assert first_receipt(session=session, crm="salesforce", signature="a", window=window, now=clock.now())
    clock.advance(timedelta(minutes=10, seconds=1))
    with session_scope() as session:
        assert first_receipt(session=session, crm="hubspot", signature="b", window=window, now=clock.now())
        kept = session.scalars(select(CrmWebhookSignature.signature)).all()
        assert kept == ["b"] and session.scalar(select(func.count()).select_from(CrmWebhookSignature)) == 1
