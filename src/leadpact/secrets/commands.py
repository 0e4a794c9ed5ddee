"""Commands of this domain: `leadpact secrets rotate` and `leadpact secrets new-key`."""

from __future__ import annotations

import json

import typer

from leadpact.db import get_engine, migrate
from leadpact.sealing import SecretsKeyError, new_key

secrets_app = typer.Typer(help="The key that seals CRM tokens and channel secrets at rest.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the `secrets` commands to `app`."""
    app.add_typer(secrets_app, name="secrets")


@secrets_app.command("rotate")
def rotate_command(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Re-seal every stored secret under the newest key: the first of LEADPACT_SECRETS_KEY (run with `NEW,OLD`),
    or a fresh key written to the key file when LEADPACT_SECRETS_KEY is unset."""
    from leadpact.secrets.service import rotate

    engine = get_engine()
    migrate(engine)
    try:
        report = rotate(engine=engine)
    except SecretsKeyError as error:
        typer.echo(f"error: {error}; nothing was changed", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({"resealed": report.resealed, "total": report.total, "key": report.source,
                               "new_key_written": report.new_key_written}))
        return
    typer.echo(f"re-sealed {report.total} secret(s) under the newest key of {report.source}")
    if not report.new_key_written:
        typer.echo("every process can now drop the older keys from LEADPACT_SECRETS_KEY")


@secrets_app.command("new-key")
def new_key_command() -> None:
    """Print a fresh key for LEADPACT_SECRETS_KEY (alone on the last line)."""
    typer.echo(new_key())
