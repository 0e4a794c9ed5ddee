"""The worker loop, the worker embedded in the web app, and the channels commands."""

from __future__ import annotations

import json
import threading
import time

from fastapi import FastAPI
from typer.testing import CliRunner

from leadpact.cli import app as cli
from leadpact.org.models import User
from leadpact.outbox import notify
from leadpact.sla import start_clocks
from leadpact.worker import ProcessClock, run_worker, start_embedded_worker
from tests.outbox.servers import SmtpServer, WebhookReceiver, serving, wait_for
from tests.sla.factories import email_of, make_handoff, make_org, minutes, tier


def test_one_pass_fires_the_breach_and_delivers_its_alert(engine, session, clock, smtp: SmtpServer) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0], now=clock.now())
    start_clocks(session=session, handoff=handoff, tier=tier("15m"), feedback_within=None, timezone="UTC",
                 now=clock.now())
    session.commit()
    clock.advance(minutes(16))

    totals = run_worker(engine=engine, clock=clock, poll_interval=0.01, worker_id="w", stop_event=threading.Event(),
                        once=True)

    assert (totals.timers_fired, totals.delivered, totals.dead) == (1, 1, 0)
    [alert] = smtp.mailbox.received
    assert alert["To"] == org.manager.email
    rep_name = session.get(User, org.reps[0].user_id).name
    assert alert["Subject"].startswith(f"SLA breached: {rep_name} has not contacted Ada Lovelace")
    assert "SLA deadline: Thu 01 Oct 09:15 UTC" in alert.get_content()


def test_the_worker_runs_until_stopped_and_picks_up_new_work(engine, session, clock, smtp: SmtpServer) -> None:
    org = make_org(session)
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, kwargs={"engine": engine, "clock": clock, "poll_interval": 0.05,
                                                         "worker_id": "loop", "stop_event": stop})
    thread.start()
    try:
        for n in range(3):
            notify(session=session, topic="handoff.created", payload={"brief": f"lead {n}"}, now=clock.now(),
                   key=f"k{n}", rep_id=org.reps[0].id)
            session.commit()
            wait_for(lambda n=n: len(smtp.mailbox.received) == n + 1)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [m["To"] for m in smtp.mailbox.received] == [email_of(session, org.reps[0])] * 3


def test_a_commit_of_new_rows_wakes_a_sleeping_worker_at_once(engine, session, clock, smtp: SmtpServer) -> None:
    org = make_org(session)
    session.commit()
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, kwargs={"engine": engine, "clock": clock, "poll_interval": 60,
                                                         "worker_id": "sleepy", "stop_event": stop})
    thread.start()
    try:
        time.sleep(0.3)  # the worker found nothing and sleeps for up to a minute
        started = time.monotonic()
        notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="k",
               rep_id=org.reps[0].id)
        session.commit()
        wait_for(lambda: len(smtp.mailbox.received) == 1, timeout=10)
        assert time.monotonic() - started < 10
        notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="rolled back",
               rep_id=org.reps[0].id)
        session.rollback()  # nothing committed: nothing to wake for
    finally:
        stop.set()
        from leadpact.outbox.service import enqueued_signal

        enqueued_signal().set()
        thread.join(10)
    assert not thread.is_alive()


def test_the_embedded_worker_runs_while_the_app_serves(engine, session, clock, smtp: SmtpServer) -> None:
    org = make_org(session)
    web = FastAPI()
    start_embedded_worker(web, poll_interval=0.05)
    with serving(web):
        notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="k",
               rep_id=org.reps[0].id)
        session.commit()
        wait_for(lambda: len(smtp.mailbox.received) == 1)
    assert not any(t.name == "leadpact-worker" and t.is_alive() for t in threading.enumerate())


def test_the_embedded_worker_can_be_turned_off(engine, session, clock, smtp: SmtpServer, monkeypatch) -> None:
    monkeypatch.setenv("LEADPACT_EMBEDDED_WORKER", "false")
    org = make_org(session)
    web = FastAPI()
    start_embedded_worker(web)
    with serving(web):
        notify(session=session, topic="handoff.created", payload={"brief": "b"}, now=clock.now(), key="k",
               rep_id=org.reps[0].id)
        session.commit()
        time.sleep(0.3)
    assert smtp.mailbox.received == []


def test_the_process_clock_follows_the_installed_clock(clock) -> None:
    assert ProcessClock().now() == clock.now()
    clock.advance(minutes(5))
    assert ProcessClock().now() == clock.now()


def test_channels_are_added_and_listed_and_reach_their_subscribers(engine, session, clock) -> None:
    org = make_org(session)
    rep_email = email_of(session, org.reps[0])
    session.commit()
    runner = CliRunner()
    with WebhookReceiver() as hook, WebhookReceiver() as slack, WebhookReceiver() as reps_slack:
        added = [
            runner.invoke(cli, ["channels", "add", "--kind", "webhook", "--target", hook.url, "--secret", "s3cret"]),
            runner.invoke(cli, ["channels", "add", "--kind", "slack", "--target", slack.url,
                                "--topic", "sla.breached"]),
            runner.invoke(cli, ["channels", "add", "--kind", "slack", "--target", reps_slack.url, "--rep", rep_email]),
        ]
        assert [r.exit_code for r in added] == [0, 0, 0], [r.output for r in added]
        assert "for the rep's topics" in added[2].output
        listed = json.loads(runner.invoke(cli, ["channels", "list", "--json"]).output)
        assert [(c["kind"], c["signed"], c["topics"], c["rep"]) for c in listed] == [
            ("webhook", True, [], None), ("slack", False, ["sla.breached"], None), ("slack", False, [], rep_email)]
        shown = runner.invoke(cli, ["channels", "list"]).output
        assert "s3cret" not in shown and hook.url not in shown and slack.url not in shown
        assert all(c["target"].startswith("http://127.0.0.1:") and "/…/••••" in c["target"] for c in listed)

        created = notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="a",
                         rep_id=org.reps[0].id)
        breached = notify(session=session, topic="sla.breached", payload={}, now=clock.now(), key="b",
                          rep_id=org.reps[0].id)
        other_rep = notify(session=session, topic="handoff.created", payload={}, now=clock.now(), key="c",
                           rep_id=org.reps[1].id)
    # Channel rows name the channel (#1 the webhook, #2 the team's Slack, #3 the rep's Slack); no row copies a URL
    # or the signing secret: the transport reads them from the channel at delivery.
    assert [(m.kind, m.destination) for m in created] == [
        ("email", rep_email), ("webhook", "channel:1"), ("slack", "channel:3")]
    assert [(m.kind, m.destination) for m in breached] == [
        ("email", org.manager.email), ("webhook", "channel:1"), ("slack", "channel:2")]
    assert [m.destination for m in other_rep] == [email_of(session, org.reps[1]), "channel:1"]
    assert all("_secret" not in m.payload for m in [*created, *breached, *other_rep])


def test_bad_channels_are_refused_with_the_reason(database_url) -> None:
    runner = CliRunner()
    cases = {
        ("--kind", "pager", "--target", "x"): "unknown channel kind",
        ("--kind", "slack", "--target", "hooks.slack.com/x"): "needs an http(s) URL",
        ("--kind", "email", "--target", "nobody"): "needs an address",
        ("--kind", "slack", "--target", "https://h/x", "--secret", "s"): "only a webhook",
        ("--kind", "webhook", "--target", "https://h/x", "--topic", "lead.eaten"): "unknown topic",
        ("--kind", "webhook", "--target", "https://h/x", "--rep", "ghost@seller.test"): "no rep with email",
    }
    for args, reason in cases.items():
        result = runner.invoke(cli, ["channels", "add", *args])
        assert result.exit_code == 2 and reason in result.output, (args, result.output)
    assert "No channels yet" in runner.invoke(cli, ["channels", "list"]).output
