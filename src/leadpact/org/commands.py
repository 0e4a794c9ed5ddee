"""Commands of this domain, registered on the `leadpact` CLI: `users create|list|set-password|disable` and
`teams create|list`."""

from __future__ import annotations

import json
import sys

import typer

from leadpact.access import PasswordRejected, disable_user, set_password
from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.org.models import ROLES
from leadpact.org.service import OrgError, create_team, create_user, list_teams, list_users, require_user

users_app = typer.Typer(help="Create, list and disable users (admin, marketing, manager, rep); set passwords.",
                        no_args_is_help=True)
# Who the audit trail names for what the command line does: the operator, who has the database in hand.
OPERATOR = "cli"
teams_app = typer.Typer(help="Create and list sales teams.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.add_typer(users_app, name="users")
    app.add_typer(teams_app, name="teams")


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., "--email", help="The address they sign in and approve with."),
    name: str = typer.Option(..., "--name", help="Their name, as shown on the pact's approvals."),
    role: str = typer.Option(..., "--role", help=f"One of {', '.join(ROLES)}."),
    team: str | None = typer.Option(None, "--team", help="For a rep: the key of their team."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read their password from standard input (one line)."),
) -> None:
    """Create a user; a rep is also added to the routing pool (in --team when given). Without a password they
    cannot sign in until `users set-password`."""
    password = _read_password() if password_stdin else None
    migrate(get_engine())
    try:
        with session_scope() as session:
            now = get_clock().now()
            user = create_user(session=session, email=email, name=name, role=role, team=team, now=now)
            if password is not None:
                set_password(session=session, user=user, password=password, now=now, actor=OPERATOR)
            summary = f"created {user.role} #{user.id} {user.name} <{user.email}>"
    except (OrgError, PasswordRejected) as error:
        raise _fail(error) from None
    typer.echo(summary + (f" in team {team}" if team else ""))
    if password is None:
        typer.echo(f"{email} cannot sign in until given a password: `leadpact users set-password {email} "
                   "--password-stdin`", err=True)


def _read_password() -> str:
    # One line: a trailing newline from `echo` or a here-string is not part of the password.
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise _fail(ValueError("no password on standard input: pipe it in, e.g. `leadpact users set-password "
                               "EMAIL --password-stdin < password.txt`"))
    return password


@users_app.command("set-password")
def users_set_password(
    email: str = typer.Argument(..., help="The user's email."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Give a user a new password (argon2id); every session they have ends at once."""
    if not password_stdin:
        raise _fail(ValueError("pass --password-stdin and pipe the password in: it never goes on the command line"))
    password = _read_password()
    migrate(get_engine())
    try:
        with session_scope() as session:
            user = require_user(session=session, email=email)
            ended = set_password(session=session, user=user, password=password, now=get_clock().now(),
                                 actor=OPERATOR)
            summary = f"password set for {user.email}; {ended} session(s) ended"
    except (OrgError, PasswordRejected) as error:
        raise _fail(error) from None
    typer.echo(summary)


@users_app.command("disable")
def users_disable(email: str = typer.Argument(..., help="The user's email.")) -> None:
    """Disable a user: they cannot sign in, every session of theirs ends now and their personal tokens stop."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            user = require_user(session=session, email=email)
            ended = disable_user(session=session, user=user, now=get_clock().now(), actor=OPERATOR)
            summary = f"disabled {user.email}; {ended} session(s) ended"
    except OrgError as error:
        raise _fail(error) from None
    typer.echo(summary)


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Print one JSON array.")) -> None:
    """List users: number, email, name, role, team."""
    migrate(get_engine())
    with session_scope() as session:
        rows = [{"id": user.id, "email": user.email, "name": user.name, "role": user.role, "team": team,
                 "is_active": user.is_active, "created_at": user.created_at.isoformat()}
                for user, team in list_users(session=session)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No users yet: add one with `leadpact users create`.")
    for row in rows:
        team = f"  team {row['team']}" if row["team"] else ""
        inactive = "  (inactive)" if not row["is_active"] else ""
        typer.echo(f"#{row['id']:<4} {row['role']:<9} {row['email']:<32} {row['name']}{team}{inactive}")


@teams_app.command("create")
def teams_create(
    key: str = typer.Argument(..., help="Short key the pact's routing uses, e.g. north_america."),
    name: str = typer.Option(..., "--name", help="The team's name."),
    manager: str | None = typer.Option(None, "--manager", help="Email of the team's manager (role manager)."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA timezone for business hours, e.g. Europe/Berlin."),
) -> None:
    """Create a sales team."""
    migrate(get_engine())
    try:
        with session_scope() as session:
            team = create_team(session=session, key=key, name=name, manager=manager, timezone=timezone,
                               now=get_clock().now())
            summary = f"created team {team.key} ({team.name}), timezone {team.timezone}"
    except OrgError as error:
        raise _fail(error) from None
    typer.echo(summary + (f", managed by {manager}" if manager else ""))


@teams_app.command("list")
def teams_list(as_json: bool = typer.Option(False, "--json", help="Print one JSON array.")) -> None:
    """List teams: key, name, manager, timezone, number of reps."""
    migrate(get_engine())
    with session_scope() as session:
        rows = [{"key": s.team.key, "name": s.team.name, "manager": s.manager_email, "timezone": s.team.timezone,
                 "reps": s.reps} for s in list_teams(session=session)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No teams yet: add one with `leadpact teams create`.")
    for row in rows:
        typer.echo(f"{row['key']:<20} {row['name']:<28} manager {row['manager'] or '-':<28} "
                   f"{row['timezone']:<20} {row['reps']} rep(s)")
