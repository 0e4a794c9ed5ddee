"""Commands of this domain, registered on the `leadpact` CLI: `pact validate|show|diff|add|list|approve|activate|
retire` and `score`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from leadpact.pact.catalog import Catalog, load_content
from leadpact.pact.diff import diff
from leadpact.pact.evaluate import as_utc, compile_pact, evaluate
from leadpact.pact.load import UnreadablePactFile, load_pact, read_pact_file, validate_pact
from leadpact.pact.offline import read_messages, resolve
from leadpact.pact.render import render_html, render_markdown
from leadpact.pact.schema import Pact

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

pact_app = typer.Typer(name="pact", help="Validate, show, compare, store, approve and activate pacts.",
                       no_args_is_help=True)


def _read_pact(file: Path) -> Pact:
    """Return the pact in `file`, or print every problem as FILE:LINE:COL: message and exit 1."""
    try:
        text = read_pact_file(file)
    except UnreadablePactFile as error:
        typer.echo(f"{file}:{error.place}: {error.message}" if error.place else f"{file}: {error.message}")
        raise typer.Exit(1) from None
    pact, errors = validate_pact(text)
    if pact is None:
        for error in errors:
            typer.echo(f"{file}:{error.line}:{error.column}: {error.message}")
        raise typer.Exit(1)
    return pact


def _summary(pact: Pact) -> str:
    fit = len(pact.fit.criteria) if pact.fit else 0
    engagement = len(pact.engagement.criteria) if pact.engagement else 0
    stages = [name for name in ("mql", "hot") if getattr(pact.stages, name)]
    return (f'valid pact "{pact.name}": {len(pact.personas)} personas, {fit} fit criteria, '
            f"{engagement} engagement criteria, stages {', '.join(stages) or 'none'}, "
            f"{len(pact.disqualify)} disqualifiers"
            + (f", {len(pact.examples)} examples that the rules agree with" if pact.examples else ""))


@pact_app.command("validate")
def validate_command(file: Path = typer.Argument(..., help="The pact YAML file.")) -> None:
    """Check a pact file; print each problem as FILE:LINE:COL: message, or a one-line summary."""
    pact = _read_pact(file)
    typer.echo(f"{file}: {_summary(pact)}")


@pact_app.command("show")
def show_command(
    file: Path | None = typer.Argument(None, help="The pact YAML file (or use --version)."),
    version: int | None = typer.Option(None, "--version", "-v", help="A stored version, with its approvals."),
    format: str = typer.Option("md", "--format", "-f", help="md or html."),
) -> None:
    """Print the pact as the document both teams sign (Markdown or self-contained HTML)."""
    if format not in ("md", "html"):
        raise typer.BadParameter("use md or html", param_hint="--format")
    if (file is None) == (version is None):
        raise typer.BadParameter("give either a pact FILE or --version N", param_hint="FILE / --version")
    approvals: list[Any] = []
    if version is None:
        pact = _read_pact(file)  # type: ignore[arg-type]
    else:
        from leadpact.pact.versions import approvals_of

        with _stored() as session:
            pact = _stored_pact(session, version)
            approvals = approvals_of(session=session, version=version)
    render = render_html if format == "html" else render_markdown
    typer.echo(render(pact, approvals), nl=False)


@pact_app.command("diff")
def diff_command(
    old: str = typer.Argument(..., help="The earlier pact: a YAML file or a stored version number."),
    new: str = typer.Argument(..., help="The later pact: a YAML file or a stored version number."),
) -> None:
    """Say in words what changed from one pact to another (files or stored versions, e.g. `pact diff 1 2`)."""
    changes = diff(_pact_of(old), _pact_of(new))
    for change in changes:
        typer.echo(f"- {change}")
    if not changes:
        typer.echo("No differences.")


def _is_version(reference: str) -> bool:
    # A path that exists wins, so a file named "2" can still be compared.
    return reference.isdigit() and not Path(reference).exists()


def _pact_of(reference: str) -> Pact:
    if not _is_version(reference):
        return _read_pact(Path(reference))
    with _stored() as session:
        return _stored_pact(session, int(reference))


@contextmanager
def _stored() -> Iterator[Session]:
    """Yield a session on the migrated database; report a refusal as `error: ...` (exit 1), bad references (no
    such version or user) with exit 2."""
    from leadpact.db import get_engine, migrate, session_scope
    from leadpact.org.service import OrgError
    from leadpact.pact.versions import PactStateError, VersionNotFound

    migrate(get_engine())
    try:
        with session_scope() as session:
            yield session
    except (VersionNotFound, OrgError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except PactStateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _stored_pact(session: Session, version: int) -> Pact:
    from leadpact.pact.versions import VersionNotFound, get_version

    row = get_version(session=session, version=version)
    if row is None:
        raise VersionNotFound(version)
    return load_pact(row.source)


def _now() -> Any:
    from leadpact.clock import get_clock

    return get_clock().now()


@pact_app.command("add")
def add_command(
    file: Path = typer.Argument(..., help="The pact YAML file to store as a new draft."),
    author: str = typer.Option("cli", "--author", help="Who wrote this version (an email)."),
    note: str | None = typer.Option(None, "--note", help="What this version changes and why."),
) -> None:
    """Store a pact file as the next draft version and print its number."""
    from leadpact.pact.load import InvalidPact
    from leadpact.pact.versions import add_draft

    _read_pact(file)  # report FILE:LINE:COL problems exactly as `pact validate` does
    try:
        with _stored() as session:
            row = add_draft(session=session, source=file.read_text(encoding="utf-8"), author=author, note=note,
                            now=_now())
            number = row.version
    except InvalidPact as error:
        for problem in error.errors:
            typer.echo(f"{file}:{problem}")
        raise typer.Exit(1) from None
    typer.echo(f"stored draft version {number}", err=True)
    typer.echo(number)


def _version_dict(session: Session, row: Any) -> dict[str, Any]:
    from leadpact.pact.versions import signatures_of

    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "version": row.version, "name": row.name, "state": row.state, "note": row.note, "created_by": row.created_by,
        "created_at": when(row.created_at), "approved_at": when(row.approved_at),
        "activated_at": when(row.activated_at), "retired_at": when(row.retired_at),
        "approvals": [{"side": a.side, "name": a.user_name, "email": a.user_email, "at": when(a.at)}
                      for a in signatures_of(session=session, version=row.version)],
    }


@pact_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print one JSON array.")) -> None:
    """List stored versions with their state and sign-offs; the active one is marked *."""
    from leadpact.pact.versions import list_versions

    with _stored() as session:
        rows = [_version_dict(session, row) for row in list_versions(session=session)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No stored versions yet: add one with `leadpact pact add FILE`.")
    for row in rows:
        signed = ", ".join(f"{a['side']}: {a['name']}" for a in row["approvals"]) or "no sign-offs"
        mark = "*" if row["state"] == "active" else " "
        typer.echo(f"{mark} {row['version']:>3}  {row['state']:<8}  {row['created_at'][:16].replace('T', ' ')}  "
                   f"{row['name']}  ({signed})")


@pact_app.command("approve")
def approve_command(
    version: int = typer.Argument(..., help="The stored version number."),
    user: str = typer.Option(..., "--as", help="Email of the approver: a marketing user or a sales manager."),
) -> None:
    """Sign a draft version for your side; it is approved once marketing and sales have both signed."""
    from leadpact.org.service import require_user
    from leadpact.pact.versions import approve, get_version

    with _stored() as session:
        approval = approve(session=session, version=version, user=require_user(session=session, email=user),
                           now=_now())
        state = get_version(session=session, version=version).state  # type: ignore[union-attr]
    typer.echo(f"{approval.user_name} signed the {approval.side} side of pact version {version}; it is now {state}")


@pact_app.command("activate")
def activate_command(
    version: int = typer.Argument(..., help="The approved version to put into force."),
    actor: str = typer.Option(..., "--by", help="Email of the user activating it."),
) -> None:
    """Put an approved version into force, retiring the one before, and re-evaluate every open person."""
    from leadpact.org.service import require_user
    from leadpact.pact.versions import activate

    with _stored() as session:
        done = activate(session=session, version=version, actor=require_user(session=session, email=actor),
                        now=_now())
    retired = f" (version {done.previous_version} retired)" if done.previous_version else ""
    typer.echo(f"pact version {version} is active{retired}: {done.people_evaluated:,} people re-evaluated, "
               f"{done.people_moved:,} moved in {done.seconds:.2f} s")
    for move, count in sorted(done.moves.items()):
        typer.echo(f"  {move}: {count:,}")


@pact_app.command("retire")
def retire_command(
    version: int = typer.Argument(..., help="A draft or approved version that will not be activated."),
    actor: str = typer.Option(..., "--by", help="Email of the user retiring it."),
) -> None:
    """Withdraw a version (the active one is replaced by activating another)."""
    from leadpact.org.service import require_user
    from leadpact.pact.versions import retire

    with _stored() as session:
        retire(session=session, version=version, actor=require_user(session=session, email=actor), now=_now())
    typer.echo(f"pact version {version} is retired")


def score_command(
    pact: Path = typer.Option(..., "--pact", help="The pact YAML file."),
    events: Path = typer.Option(..., "--events", help="Segment-shape messages, one JSON object per line."),
    content: Path | None = typer.Option(None, "--content", help="Content catalog (.yaml, .json, .csv, .jsonl)."),
    as_of: str = typer.Option(..., "--as-of", help="Evaluate at this time (ISO 8601; naive means UTC)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per person."),
) -> None:
    """Evaluate a pact over a file of Segment messages, with no server and no database."""
    try:
        moment = as_utc(as_of)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {as_of!r}", param_hint="--as-of") from None
    compiled = compile_pact(_read_pact(pact))
    try:
        catalog = Catalog(load_content(content)) if content else Catalog()
        lines = events.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as error:
        typer.echo(f"cannot read input: {error}", err=True)
        raise typer.Exit(1) from None
    messages, problems = read_messages(lines)
    for problem in problems:
        typer.echo(f"{events}:{problem.line}: {problem.message}", err=True)
    for person in resolve(messages, as_of=moment):
        result = evaluate(compiled, person=person.person, account=person.account, events=person.events,
                          content=catalog, as_of=moment)
        if as_json:
            typer.echo(json.dumps({"person": person.key, **result.to_dict()}, default=str))
        else:
            missing = f"; missing {', '.join(result.missing)}" if result.missing else ""
            typer.echo(f"{person.key}: {result.status}, fit {result.fit_score} ({result.grade}), "
                       f"engagement {result.engagement_score}, persona {result.persona or '-'}{missing}")
    if problems:
        typer.echo(f"{len(problems)} bad message(s) left out; every valid message was scored.", err=True)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.add_typer(pact_app, name="pact")
    app.command("score")(score_command)
