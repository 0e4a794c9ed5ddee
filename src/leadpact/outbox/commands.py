"""Commands of the outbox: `worker`, `outbox list|retry` and `channels add|list`."""

from __future__ import annotations

import json
import signal
import threading

import typer

from leadpact.clock import get_clock
from leadpact.config import get_settings
from leadpact.db import get_engine, migrate, session_scope
from leadpact.masking import mask
from leadpact.outbox.operations import (
    OutboxError,
    add_channel,
    channel_secrets,
    list_channels,
    list_messages,
    retry_message,
    shown_row,
)
from leadpact.outbox.settings import get_outbox_settings
from leadpact.telemetry import configure_logging

outbox_app = typer.Typer(help="See what the outbox holds (dead letters first) and send a row again.",
                         no_args_is_help=True)
channels_app = typer.Typer(help="Where notifications go: Slack, signed webhooks, extra mailboxes.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the worker, outbox and channels commands to `app`."""
    app.command()(worker)
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(channels_app, name="channels")


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


def worker(
    once: bool = typer.Option(False, "--once", help="Fire what is due and deliver what is due, then exit."),
    poll: float = typer.Option(0.5, "--poll", help="Seconds to wait when nothing is due."),
    worker_id: str | None = typer.Option(None, "--id", help="This worker's name in the outbox and timers."),
) -> None:
    """Fire due SLA timers and deliver the outbox until stopped (Ctrl-C); run as many as you like."""
    from leadpact.worker import new_worker_id, run_worker

    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_format == "json")
    engine = get_engine()
    migrate(engine)
    stop = threading.Event()
    # A stop signal finishes the current delivery and exits cleanly; a kill mid-delivery is covered by leases.
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    name = worker_id or new_worker_id()
    typer.echo(f"worker {name} on {engine.url.render_as_string(hide_password=True)}", err=True)
    if not get_outbox_settings().smtp_host:
        typer.echo("warning: no SMTP relay configured (LEADPACT_SMTP_HOST): emails to reps wait in the outbox until "
                   "one is; `leadpact doctor` says more", err=True)
    try:
        totals = run_worker(engine=engine, clock=get_clock(), poll_interval=poll, worker_id=name, stop_event=stop,
                            once=once)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    typer.echo(f"timers fired: {totals.timers_fired}, delivered: {totals.delivered}, "
               f"to retry: {totals.retried}, dead: {totals.dead}")


@outbox_app.command("list")
def outbox_list(
    state: str | None = typer.Option(None, "--state", help="pending, delivered or dead."),
    limit: int = typer.Option(100, "--limit", help="At most this many rows, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """List outbox rows: number, state, attempts, kind, topic, destination, last error."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            secrets = channel_secrets(session=session)
            rows = [shown_row(message, secrets) for message in list_messages(session=session, state=state,
                                                                               limit=limit)]
    except OutboxError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo(f"No {state + ' ' if state else ''}outbox messages.")
    for row in rows:
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        typer.echo(f"#{row['id']:<5} {row['state']:<9} {row['attempts']:>2}x {row['kind']:<7} {row['topic']:<20} "
                   f"{row['destination']}{error}")


@outbox_app.command("retry")
def outbox_retry(message_id: int = typer.Argument(..., help="The row's number from `outbox list`.")) -> None:
    """Send a dead (or waiting) row again now, with a fresh set of attempts."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            message = retry_message(session=session, message_id=message_id, now=get_clock().now())
            shown = shown_row(message, channel_secrets(session=session))
            summary = f"outbox message #{message.id} ({message.kind} to {shown['destination']}) is due again now"
    except OutboxError as error:
        raise _fail(error) from None
    typer.echo(summary)


@channels_app.command("add")
def channels_add(
    kind: str = typer.Option(..., "--kind", help="slack, webhook or email."),
    target: str = typer.Option(..., "--target", help="The webhook URL or the email address."),
    secret: str | None = typer.Option(None, "--secret", help="A webhook's signing secret (HMAC-SHA256)."),
    topics: list[str] = typer.Option([], "--topic", help="A topic to hear (repeat); none: all topics."),
    rep: str | None = typer.Option(None, "--rep", help="Email of the rep this channel belongs to."),
) -> None:
    """Add a notification channel."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            channel = add_channel(session=session, kind=kind, target=target, secret=secret, topics=topics,
                                  rep_email=rep, now=get_clock().now())
            heard = ", ".join(topics) or ("the rep's topics" if rep else "all topics")
            where = target if kind == "email" else mask(target)
            summary = f"added {kind} channel #{channel.id} to {where} for {heard}"
    except OutboxError as error:
        raise _fail(error) from None
    typer.echo(summary + (f" (rep {rep})" if rep else ""))


@channels_app.command("list")
def channels_list(as_json: bool = typer.Option(False, "--json", help="Print one JSON array.")) -> None:
    """List notification channels."""
    migrate(get_engine())
    with session_scope() as session:
        rows = list_channels(session=session)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No channels yet: add one with `leadpact channels add`.")
    for row in rows:
        topics = ", ".join(row["topics"]) or ("rep topics" if row["rep"] else "all topics")
        extras = (" signed" if row["signed"] else "") + (f" rep {row['rep']}" if row["rep"] else "")
        inactive = "  (inactive)" if not row["is_active"] else ""
        typer.echo(f"#{row['id']:<4} {row['kind']:<8} {row['target']}  [{topics}]{extras}{inactive}")
