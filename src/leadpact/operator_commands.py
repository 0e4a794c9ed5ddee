"""Operator commands scripts rely on: init, serve, keys, stats."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import typer

from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the operator commands to `app`."""
    app.command()(init)
    app.command()(serve)
    app.command()(stats)
    app.add_typer(keys_app, name="keys")


def init() -> None:
    """Create or migrate the database named by LEADPACT_DATABASE_URL (SQLite file by default)."""
    engine = get_engine()
    revision = migrate(engine)
    typer.echo(f"database ready at revision {revision}: {engine.url.render_as_string(hide_password=True)}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, min=1, help="Server processes; one per core lets ingest parse beside the single writer."
    ),
) -> None:
    """Run the HTTP API on the database named by LEADPACT_DATABASE_URL (migrating it first)."""
    import os

    import uvicorn

    migrate(get_engine())
    if workers > 1:
        share_metrics_between_processes()
    # Each process enforces its share of a write key's rate limit (leadpact.ingest.ratelimit) unless the operator
    # says how many processes serve in all (several hosts).
    os.environ.setdefault("LEADPACT_SERVER_PROCESSES", str(workers))
    # By import path, so that each worker process builds its own application. The processes log through leadpact's
    # own JSON lines (LEADPACT_LOG_FORMAT), uvicorn's messages included; requests are logged by the app itself.
    uvicorn.run(
        "leadpact.app:serving_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=None,
        access_log=False,
        # uvicorn kills a worker that does not answer its ping within this; a worker answers only once it has
        # imported the application, which on a loaded machine takes longer than the default 5 s: the workers
        # were killed and respawned for ever.
        timeout_worker_healthcheck=60,
    )


def share_metrics_between_processes() -> str:
    """Point every server process's Prometheus counters at one directory (the client's multiprocess mode) so
    `/metrics` adds them up whichever process answers; keep the operator's PROMETHEUS_MULTIPROC_DIR if set."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
    else:
        directory = tempfile.mkdtemp(prefix="leadpact-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    # Counts a previous run left would be added to this one's: remove them (the client's own files only).
    for kind in ("counter", "gauge", "histogram", "summary"):
        for stale in Path(directory).glob(f"{kind}_*.db"):
            stale.unlink()
    return directory


def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Print counts of accounts, people, identified people and events."""
    from leadpact.stats import workspace_counts

    migrate(get_engine())
    with session_scope() as session:
        counts = workspace_counts(session)
    if as_json:
        typer.echo(json.dumps(counts))
        return
    for name, value in counts.items():
        typer.echo(f"{name.replace('_', ' '):>20}: {value:,}")


@keys_app.command("create")
def keys_create(
    scope: str = typer.Option("ingest", help="ingest (write key: can only send events), read or admin."),
    name: str = typer.Option("default", help="A label for the key."),
    user: str | None = typer.Option(None, "--user", help="Make a personal token acting as this user (their email), "
                                                         "with their role, instead of a project key."),
) -> None:
    """Create an API key (or with --user a personal token) and print it alone on the last line (shown only once)."""
    from leadpact.access import make_personal_token
    from leadpact.keys.service import create_key
    from leadpact.org.service import OrgError, require_user

    migrate(get_engine())
    try:
        with session_scope() as session:
            if user is not None:
                person = require_user(session=session, email=user)
                key, secret = make_personal_token(session=session, user=person, name=name, now=get_clock().now(),
                                                  actor="cli")
                made = f"personal token #{key.id} ({name}) for {person.email}, acting as a {person.role}"
            else:
                key, secret = create_key(session=session, scope=scope, name=name, now=get_clock().now())
                made = f"{scope} key #{key.id} ({name})"
            typer.echo(f"created {made}; store it now, it is not shown again:", err=True)
    except (ValueError, OrgError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(secret)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys and personal tokens (prefix, scope, name, created, revoked)."""
    from sqlalchemy import select

    from leadpact.keys.models import ApiKey

    migrate(get_engine())
    with session_scope() as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.id)):
            revoked = f" revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else ""
            typer.echo(
                f"#{key.id}  {key.prefix}…  {key.scope:<7} {key.name}  created {key.created_at:%Y-%m-%d}{revoked}"
            )


@keys_app.command("revoke")
def keys_revoke(key_id: int = typer.Argument(..., help="The key's number from `keys list`.")) -> None:
    """Revoke an API key."""
    from leadpact.keys.service import revoke_key

    migrate(get_engine())
    with session_scope() as session:
        if not revoke_key(session=session, key_id=key_id, now=get_clock().now()):
            typer.echo(f"error: no live key #{key_id}", err=True)
            raise typer.Exit(1)
    typer.echo(f"revoked key #{key_id}")
