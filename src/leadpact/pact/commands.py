"""Commands of this domain, registered on the `leadpact` CLI: `pact validate|show|diff` and `score`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leadpact.pact.catalog import Catalog, load_content
from leadpact.pact.diff import diff
from leadpact.pact.evaluate import as_utc, compile_pact, evaluate
from leadpact.pact.load import validate_pact
from leadpact.pact.offline import read_messages, resolve
from leadpact.pact.render import render_html, render_markdown
from leadpact.pact.schema import Pact

pact_app = typer.Typer(name="pact", help="Validate, show and compare pact files.", no_args_is_help=True)


def _read_pact(file: Path) -> Pact:
    """Return the pact in `file`, or print every problem as FILE:LINE:COL: message and exit 1."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        typer.echo(f"{file}: cannot read: {error.strerror or error}")
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
            f"{len(pact.disqualify)} disqualifiers")


@pact_app.command("validate")
def validate_command(file: Path = typer.Argument(..., help="The pact YAML file.")) -> None:
    """Check a pact file; print each problem as FILE:LINE:COL: message, or a one-line summary."""
    pact = _read_pact(file)
    typer.echo(f"{file}: {_summary(pact)}")


@pact_app.command("show")
def show_command(
    file: Path = typer.Argument(..., help="The pact YAML file."),
    format: str = typer.Option("md", "--format", "-f", help="md or html."),
) -> None:
    """Print the pact as the document both teams sign (Markdown or self-contained HTML)."""
    if format not in ("md", "html"):
        raise typer.BadParameter("use md or html", param_hint="--format")
    pact = _read_pact(file)
    typer.echo(render_html(pact) if format == "html" else render_markdown(pact), nl=False)


@pact_app.command("diff")
def diff_command(
    old: Path = typer.Argument(..., help="The earlier pact."),
    new: Path = typer.Argument(..., help="The later pact."),
) -> None:
    """Say in words what changed from one pact to another."""
    changes = diff(_read_pact(old), _read_pact(new))
    for change in changes:
        typer.echo(f"- {change}")
    if not changes:
        typer.echo("No differences.")


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
