"""A lead's name is the visitor's text: through a real SMTP server and a real Slack-style receiver, a CR/LF in it
cannot break (or add to) the email's headers, and Slack shows <!channel>, <url|label> and & as written."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.clock import SimulatedClock
from leadpact.outbox import NotificationChannel, OutboxMessage, notify
from leadpact.outbox.delivery import deliver_due
from tests.outbox.servers import SmtpServer, WebhookReceiver
from tests.sla.factories import make_handoff, make_org

NAME = "Ada <!channel> <https://evil.example/pay|Invoice> & Co\r\nBcc: victim@evil.example\n\nInjected body"


def _announce(session: Session, clock: SimulatedClock, *, rep_id: int | None = None) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    notify(session=session, topic="handoff.created", now=clock.now(), key="handoff.created:1", handoff_id=handoff.id,
           rep_id=org.reps[0].id if rep_id is None else rep_id,
           payload={"handoff_id": handoff.id, "tier": "hot", "brief": f"{NAME} asked for a demo.",
                    "person": {"name": NAME}, "rep": {"name": "Rob <@U123>"},
                    "sla_due_at": "2026-10-01T09:15:00.000Z",
                    "timeline_link": f"/handoffs/{handoff.id}?a=1&b=<2>|3"})
    session.commit()


def _states(session: Session) -> list[tuple[str, str, int]]:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True))
    return [(row.kind, row.state, row.attempts) for row in rows]


def test_a_line_break_in_a_name_is_folded_out_of_the_subject_and_the_email_is_sent(
        engine, session, clock: SimulatedClock, smtp: SmtpServer) -> None:
    _announce(session, clock)
    report = deliver_due(engine=engine, now=clock.now(), worker_id="w1")
    assert (report.claimed, report.delivered) == (1, 1)
    assert _states(session) == [("email", "delivered", 1)]
    [mail] = smtp.mailbox.received
    subject = mail["Subject"]
    assert subject == ("New HOT lead: Ada <!channel> <https://evil.example/pay|Invoice> & Co Bcc: "
                       "victim@evil.example Injected body, respond by Thu 01 Oct 09:15 UTC")
    assert mail["Bcc"] is None  # the name stayed inside the subject
    body = mail.get_content().replace("\r\n", "\n")
    assert "Ada <!channel> <https://evil.example/pay|Invoice> & Co\nBcc: victim@evil.example" in body  # kept


def test_slack_shows_mentions_links_and_ampersands_as_written(engine, session, clock) -> None:
    with WebhookReceiver() as receiver:
        session.add(NotificationChannel(kind="slack", target=receiver.url, secret=None,
                                        topics={"topics": ["handoff.created"]}, is_active=True, created_at=clock.now()))
        session.flush()
        _announce(session, clock)
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1
    [hook] = receiver.requests
    body = hook.json
    for raw in ("<!channel>", "<https://evil.example", "<@U123>", "& Co"):
        assert raw not in body["text"], raw
    assert "Ada &lt;!channel&gt; &lt;https://evil.example/pay|Invoice&gt; &amp; Co" in body["text"]
    mrkdwn = [b["text"]["text"] for b in body["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
    mrkdwn += [f["text"] for b in body["blocks"] for f in b.get("fields", [])]
    assert any("&lt;!channel&gt;" in text and "&amp; Co" in text for text in mrkdwn)
    assert "*Rep*\nRob &lt;@U123&gt;" in mrkdwn
    [timeline] = [t for t in mrkdwn if "Timeline" in t]
    assert timeline.startswith("<http://127.0.0.1:8000/handoffs/")
    assert timeline.endswith("?a=1&amp;b=&lt;2&gt;%7C3|Timeline>")  # one link, its own label
    header = body["blocks"][0]["text"]
    assert header["type"] == "plain_text" and "\n" not in header["text"]  # plain text: shown as written


def test_a_cut_slack_field_never_ends_inside_an_escape() -> None:
    from leadpact.outbox.render import slack

    assert slack("a" * 2998 + "&b", 3000) == "a" * 2998
    assert slack("a" * 2990 + "<", 2996) == "a" * 2990 + "&lt;"
    assert slack("a & b") == "a &amp; b"
