"""Email through a real SMTP server on loopback: content, headers derived from the idempotency key, retries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leadpact.clock import SimulatedClock
from leadpact.outbox import OutboxMessage, handoff_payload, notify
from leadpact.outbox.delivery import deliver_due
from leadpact.outbox.transports import message_id
from leadpact.sla import start_clocks
from tests.outbox.servers import SmtpServer
from tests.sla.factories import email_of, make_handoff, make_org, tier


def test_a_handoff_email_arrives_with_the_brief_deadline_and_timeline_link(engine, session, clock: SimulatedClock,
                                                                           smtp: SmtpServer) -> None:
    org = make_org(session, timezone="Europe/Berlin")
    handoff = make_handoff(session, rep=org.reps[0], now=clock.now())
    start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=None, timezone="Europe/Berlin",
                 now=clock.now())
    notify(session=session, topic="handoff.created", payload=handoff_payload(session=session, handoff=handoff),
           now=clock.now(), key=f"handoff.created:{handoff.id}", rep_id=handoff.rep_id, handoff_id=handoff.id)
    session.commit()

    report = deliver_due(engine=engine, now=clock.now(), worker_id="w1")

    assert (report.claimed, report.delivered) == (1, 1)
    [mail] = smtp.mailbox.received
    rep_email = email_of(session, org.reps[0])
    key = f"handoff.created:{handoff.id}:email:{rep_email}"
    assert mail["To"] == rep_email
    assert mail["X-Leadpact-Idempotency-Key"] == key
    assert mail["Message-ID"] == message_id(key, "leadpact@seller.test")
    assert mail["Subject"].startswith("New HOT lead: Ada Lovelace")
    body = mail.get_content()
    assert "Ada runs engineering at Buyer GmbH." in body
    # 09:00 UTC + 15 minutes is 11:15 in Berlin (CEST, UTC+2) on Thursday 1 October 2026.
    assert "SLA deadline: Thu 01 Oct 11:15 CEST (09:15 UTC)" in body
    assert f"Timeline: http://127.0.0.1:8000/handoffs/{handoff.id}" in body
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert (row.state, row.attempts, row.delivered_at, row.locked_by) == ("delivered", 1, clock.now(), None)


def test_the_email_shows_times_in_the_reps_own_time_zone_to_the_minute(engine, session, clock: SimulatedClock,
                                                                       smtp: SmtpServer) -> None:
    org = make_org(session, timezone="Europe/Berlin")
    org.reps[0].timezone = "Asia/Tokyo"  # the rep works from Tokyo; the team's office is in Berlin
    handoff = make_handoff(session, rep=org.reps[0], now=clock.now())
    start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=None, timezone="Europe/Berlin",
                 now=clock.now())
    notify(session=session, topic="handoff.created", payload=handoff_payload(session=session, handoff=handoff),
           now=clock.now(), key=f"handoff.created:{handoff.id}", rep_id=handoff.rep_id, handoff_id=handoff.id)
    session.commit()

    deliver_due(engine=engine, now=clock.now(), worker_id="w1")

    [mail] = smtp.mailbox.received
    # 09:15 UTC is 18:15 in Tokyo (JST, UTC+9) on Thursday 1 October 2026.
    assert "SLA deadline: Thu 01 Oct 18:15 JST (09:15 UTC)" in mail.get_content()


def test_the_same_key_always_gives_the_same_message_id() -> None:
    assert message_id("k:email:a@b.test", "x@seller.test") == message_id("k:email:a@b.test", "Y <x@seller.test>")
    assert message_id("k:email:a@b.test", "x@seller.test") != message_id("k2:email:a@b.test", "x@seller.test")
    assert message_id("k", "x@seller.test").endswith("@seller.test>")


def test_an_unreachable_smtp_server_costs_an_attempt_and_waits_with_backoff(engine, session, clock, monkeypatch
                                                                            ) -> None:
    from tests.conftest import free_port

    monkeypatch.setenv("LEADPACT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEADPACT_SMTP_PORT", str(free_port()))  # nothing listens there
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="k",
           rep_id=handoff.rep_id)
    session.commit()

    report = deliver_due(engine=engine, now=clock.now(), worker_id="w1")

    assert (report.claimed, report.delivered, report.retried) == (1, 0, 1)
    row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
    assert row.state == "pending" and row.attempts == 1 and "SMTP" in row.last_error
    # First retry: between half and all of the 30 s base delay; nothing is claimed before then.
    assert clock.now() + timedelta(seconds=15) <= row.next_attempt_at <= clock.now() + timedelta(seconds=30)
    assert row.locked_by is None
    assert deliver_due(engine=engine, now=clock.now() + timedelta(seconds=14), worker_id="w1").claimed == 0


def test_with_no_relay_configured_emails_wait_without_dying_and_go_once_one_is(engine, session, clock,
                                                                              monkeypatch) -> None:
    """The default used to be 127.0.0.1:25, where nothing usually listens: every email failed until it was dead.
    Unconfigured, an email now waits, saying which setting to give, and goes out once a relay is set."""
    for name in ("LEADPACT_SMTP_HOST", "LEADPACT_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="k",
           rep_id=handoff.rep_id)
    session.commit()
    for _ in range(12):  # more passes than the attempts an email is given
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").retried == 1
        row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
        assert (row.state, row.attempts) == ("pending", 0)
        assert "no SMTP relay configured: set LEADPACT_SMTP_HOST and LEADPACT_SMTP_PORT" in row.last_error
        assert row.next_attempt_at == clock.now() + timedelta(minutes=5)
        clock.set(row.next_attempt_at)
    with SmtpServer() as relay:
        monkeypatch.setenv("LEADPACT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEADPACT_SMTP_PORT", str(relay.port))
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1
        assert [m["X-Leadpact-Idempotency-Key"] for m in relay.mailbox.received] == [row.idempotency_key]
