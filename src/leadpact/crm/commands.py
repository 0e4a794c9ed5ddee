"""Commands of the CRM connectors: `leadpact crm connect|push|pull|status --to hubspot|salesforce`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time
from typing import Any

import typer
from sqlalchemy import func, select

from leadpact.clock import get_clock, isoformat
from leadpact.crm.base import CrmError
from leadpact.crm.delivery import deliver_due_pushes, enqueue_push
from leadpact.crm.history import pull_history
from leadpact.crm.mapping import CRMS, MappingError
from leadpact.crm.models import CrmConnection, CrmLink
from leadpact.crm.settings import connector_for, forget_connectors, stored_connection
from leadpact.crm.sync import pull
from leadpact.db import get_engine, migrate, session_scope
from leadpact.handoff import Handoff
from leadpact.org.models import Rep, User
from leadpact.outbox import OutboxMessage

crm_app = typer.Typer(help="Push handoffs to HubSpot or Salesforce and pull back what reps do there.",
                      no_args_is_help=True)
TO = typer.Option(..., "--to", help=f"The CRM: {' or '.join(CRMS)}.")
AS_JSON = typer.Option(False, "--json", help="Print one JSON object.")


def register(app: typer.Typer) -> None:
    """Add the `crm` commands to `app`."""
    app.add_typer(crm_app, name="crm")


def _ready() -> None:
    engine = get_engine()
    migrate(engine)


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


def _check_crm(crm: str) -> None:
    if crm not in CRMS:
        raise _fail(ValueError(f"unknown CRM {crm!r}; use one of {', '.join(CRMS)}"))


@crm_app.command("connect")
def connect(
    crm: str = TO,
    base_url: str | None = typer.Option(None, "--base-url", help="API base URL (Salesforce: the instance URL)."),
    token: str | None = typer.Option(None, "--token", help="Private app token or session id (env wins if set)."),
    webhook_secret: str | None = typer.Option(None, "--webhook-secret", help="HubSpot app secret for v3 webhooks."),
    ca_bundle: str | None = typer.Option(None, "--ca-bundle", help="CA bundle to trust for Salesforce's TLS."),
    mapping: str | None = typer.Option(None, "--mapping", help="YAML or JSON field mapping file."),
    create_missing: bool = typer.Option(False, "--create-properties", help="Create missing HubSpot properties."),
    match_owners: bool = typer.Option(False, "--match-owners", help="Fill reps' CRM owner ids by email."),
    as_json: bool = AS_JSON,
) -> None:
    """Store a CRM connection, try it, and report owners and what the field mapping needs that the CRM lacks."""
    _check_crm(crm)
    _ready()
    now = get_clock().now()
    with session_scope() as session:
        row = stored_connection(session=session, crm=crm)
        if row is None:
            row = CrmConnection(crm=crm, created_at=now, updated_at=now, options={})
            session.add(row)
        for column, value in (("base_url", base_url), ("token", token), ("webhook_secret", webhook_secret),
                              ("ca_bundle", ca_bundle), ("mapping_file", mapping)):
            if value is not None:
                setattr(row, column, value)
        row.updated_at = now
    forget_connectors()
    try:
        with session_scope() as session:
            connector = connector_for(crm, session=session)
        report = connector.check(create_missing=create_missing)
    except (CrmError, MappingError) as error:
        raise _fail(error) from None
    matched = _match_owners(report.owners) if match_owners else []
    if as_json:
        typer.echo(json.dumps({**report.__dict__, "matched_reps": matched}))
        return
    typer.echo(f"connected to {crm}: {report.detail}")
    for line in report.created:
        typer.echo(f"  created {line}")
    for line in report.missing:
        typer.echo(f"  missing {line}")
    for email in matched:
        typer.echo(f"  rep {email} → owner {report.owners[email]}")


def _match_owners(owners: dict[str, str]) -> list[str]:
    """Give reps without a CRM owner id the id of the CRM owner with their email; return the emails matched."""
    matched = []
    with session_scope() as session:
        for rep, email in session.execute(select(Rep, User.email).join(User, User.id == Rep.user_id)):
            if not rep.crm_owner_id and email.lower() in owners:
                rep.crm_owner_id = owners[email.lower()]
                matched.append(email.lower())
    return matched


@crm_app.command("push")
def push(
    crm: str = TO,
    handoff: list[int] = typer.Option([], "--handoff", help="Push this handoff (repeatable)."),
    all_handoffs: bool = typer.Option(False, "--all", help="Queue every handoff not yet in this CRM."),
    as_json: bool = AS_JSON,
) -> None:
    """Queue pushes in the outbox (idempotently) and deliver every due push to the CRM now, in batches."""
    _check_crm(crm)
    _ready()
    now = get_clock().now()
    with session_scope() as session:
        ids = list(handoff)
        if all_handoffs:
            pushed = select(CrmLink.local_id).where(CrmLink.crm == crm, CrmLink.kind == "task",
                                                    CrmLink.state == "synced")
            ids += list(session.scalars(select(Handoff.id).where(Handoff.id.not_in(pushed)).order_by(Handoff.id)))
        queued = sum(enqueue_push(session=session, crm=crm, handoff_id=i, now=now) is not None for i in ids)
    logging.basicConfig(level=logging.WARNING)
    report = deliver_due_pushes(worker_id=f"cli:{crm}", limit=100_000)
    if as_json:
        typer.echo(json.dumps({"queued": queued, **report.__dict__}))
        return
    typer.echo(f"queued {queued}; delivered {report.delivered}, to retry {report.retried}, dead {report.dead}")
    for line in report.errors[:20]:
        typer.echo(f"  {line}", err=True)


@crm_app.command("pull")
def pull_command(
    crm: str = TO,
    history: bool = typer.Option(False, "--history", help="Bring the CRM's closed deals in as historic outcomes "
                                                          "(of their people, or their accounts alone)."),
    since: str | None = typer.Option(None, "--since", help="With --history: only deals closed on or after this "
                                                           "date (YYYY-MM-DD)."),
    as_json: bool = AS_JSON,
) -> None:
    """Pull what changed in the CRM since the last pull and apply it as feedback, first touches and outcomes."""
    _check_crm(crm)
    _ready()
    if history or since is not None:
        _pull_history(crm, since, as_json=as_json, history=history)
        return
    try:
        with session_scope() as session:
            connector = connector_for(crm, session=session)
        report = pull(connector=connector)
    except (CrmError, MappingError) as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps({"crm": crm, "since": isoformat(report.since), "cursor": isoformat(report.cursor)
                               if report.cursor else None, "changes": report.changes,
                               "applied": report.applied.applied, "skipped": report.applied.skipped}))
        return
    typer.echo(f"{crm}: {report.changes} changes since {isoformat(report.since)}; applied "
               f"{len(report.applied.applied)}, skipped {len(report.applied.skipped)}")
    for line in report.applied.applied:
        typer.echo(f"  {line}")
    for line in report.applied.skipped:
        typer.echo(f"  skipped {line}")


def _pull_history(crm: str, since: str | None, *, as_json: bool, history: bool) -> None:
    if not history:
        raise _fail(ValueError("--since goes with --history"))
    try:
        start = datetime.combine(date.fromisoformat(since), time.min, UTC) if since else None
    except ValueError:
        raise _fail(ValueError(f"--since {since!r} is not a date (YYYY-MM-DD)")) from None
    try:
        with session_scope() as session:
            connector = connector_for(crm, session=session)
        report = pull_history(connector=connector, since=start)
    except (CrmError, MappingError) as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps(report.__dict__))
        return
    typer.echo(f"{crm}: {report.deals} closed deals ({report.won} won, {report.lost} lost); stored {report.stored}, "
               f"updated {report.updated}, already leadpact's own {report.tracked}, refused {len(report.refused)}")
    for line in report.refused[:20]:
        typer.echo(f"  refused {line}")


def status_of(crm: str) -> dict[str, Any]:
    """A CRM's connection, last pull and pushes (pending, dead, delivered) as data."""
    with session_scope() as session:
        row = stored_connection(session=session, crm=crm)
        counts = dict(session.execute(select(OutboxMessage.state, func.count()).where(
            OutboxMessage.kind == "crm", OutboxMessage.destination == crm).group_by(OutboxMessage.state)).all())
        links = dict(session.execute(select(CrmLink.kind, func.count()).where(
            CrmLink.crm == crm, CrmLink.state == "synced").group_by(CrmLink.kind)).all())
        try:
            connector_for(crm, session=session)
            configured = True
        except (CrmError, MappingError):
            configured = False
        return {
            "crm": crm, "configured": configured, "base_url": row.base_url if row else None,
            "last_pull_at": isoformat(row.last_pull_at) if row and row.last_pull_at else None,
            "pull_cursor": isoformat(row.pull_cursor) if row and row.pull_cursor else None,
            "last_pull_changes": row.last_pull_changes if row else 0, "last_error": row.last_error if row else None,
            "pushes": {state: counts.get(state, 0) for state in ("pending", "delivered", "dead")},
            "synced": {kind: links.get(kind, 0) for kind in ("person", "note", "task")},
        }


@crm_app.command("status")
def status(
    crm: str | None = typer.Option(None, "--to", help="One CRM (default: both)."),
    as_json: bool = AS_JSON,
) -> None:
    """Show each CRM's connection, last pull, and pending and dead pushes."""
    if crm is not None:
        _check_crm(crm)
    _ready()
    rows = [status_of(name) for name in ([crm] if crm else CRMS)]
    if as_json:
        typer.echo(json.dumps(rows if crm is None else rows[0]))
        return
    for row in rows:
        state = "connected" if row["configured"] else "not connected"
        typer.echo(f"{row['crm']}: {state}{' at ' + row['base_url'] if row['base_url'] else ''}")
        typer.echo(f"  last pull {row['last_pull_at'] or 'never'} ({row['last_pull_changes']} changes), "
                   f"cursor {row['pull_cursor'] or '-'}")
        pushes = row["pushes"]
        typer.echo(f"  pushes: {pushes['pending']} pending, {pushes['dead']} dead, {pushes['delivered']} delivered; "
                   f"in the CRM: {row['synced']['person']} people, {row['synced']['note']} notes, "
                   f"{row['synced']['task']} tasks")
        if row["last_error"]:
            typer.echo(f"  last error: {row['last_error']}")
