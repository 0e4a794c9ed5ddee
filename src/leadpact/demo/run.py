"""`leadpact demo`: build the synthetic company in a fresh SQLite workspace and run it through leadpact."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from leadpact.clock import SimulatedClock, parse_time, set_clock
from leadpact.config import get_settings
from leadpact.db import get_engine, migrate, session_scope
from leadpact.demo import STARTING_PACT_PATH, generate_company
from leadpact.demo.company import DemoCompany
from leadpact.demo.workspace import (
    ADMIN_EMAIL,
    MARKETING_EMAIL,
    load_content,
    load_crm_accounts,
    load_sales_org,
    user_by_email,
)
from leadpact.engine import start_live_evaluation
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.pact.versions import activate, add_draft, approve
from leadpact.people.models import Person
from leadpact.stats import channel_counts, workspace_counts

BATCH = 2_000


@dataclass
class DemoReport:
    """What the demo did, for the printed story and for `--json`."""

    directory: str
    figures: dict[str, Any] = field(default_factory=dict)


def prepare_workspace(directory: Path) -> str:
    """Empty the workspace directory and point leadpact at a fresh SQLite file inside it."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    url = f"sqlite:///{directory.resolve() / 'leadpact.db'}"
    os.environ["LEADPACT_DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate(get_engine(url))
    return url


def run_demo(*, directory: Path, seed: int, people: int, accounts: int, console: Console) -> DemoReport:
    """Generate the company, load its org, accounts and content, sign and activate the starting pact, and
    stream every event through the ingest path under live evaluation."""
    started = time.perf_counter()
    prepare_workspace(directory)
    with console.status("generating the demo company…"):
        company = generate_company(seed=seed, people=people, accounts=accounts)
        events = list(company.iter_events())
    clock = SimulatedClock(company.start)
    set_clock(clock)
    with session_scope() as session:
        now = clock.now()
        rep_ids = load_sales_org(session, company, now=now)
        load_crm_accounts(session, company, rep_ids, now=now)
        load_content(session, company, now=now)
        version = sign_and_activate_starting_pact(session, company, now=now)
    start_live_evaluation()
    stream_events(events, clock=clock, console=console)
    report = DemoReport(str(directory))
    with session_scope() as session:
        counts = workspace_counts(session)
        statuses = dict(session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
        report.figures = {
            **counts, "identified_share": round(counts["identified_people"] / max(counts["people"], 1), 3),
            "channels": channel_counts(session), "statuses": statuses, "pact_version": version,
            "seconds": round(time.perf_counter() - started, 1),
        }
    return report


def sign_and_activate_starting_pact(session: Any, company: DemoCompany, *, now: Any) -> int:
    """Marketing drafts the starting pact; marketing and a sales manager sign it; RevOps activates it."""
    draft = add_draft(session=session, source=STARTING_PACT_PATH.read_text(), author=MARKETING_EMAIL, now=now,
                      note="The pact marketing wrote alone: generous points for content and activity.")
    approve(session=session, version=draft.version, user=user_by_email(session, MARKETING_EMAIL), now=now)
    manager = next(member for member in company.reps if member.role == "manager")
    approve(session=session, version=draft.version, user=user_by_email(session, manager.email), now=now)
    activate(session=session, version=draft.version, actor=user_by_email(session, ADMIN_EMAIL), now=now)
    return draft.version


def stream_events(events: list[dict[str, Any]], *, clock: SimulatedClock, console: Console) -> None:
    """Send every event through the same ingest path the API uses, in time order, moving the simulated clock."""
    columns = [TextColumn("streaming events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("events", total=len(events))
        for start in range(0, len(events), BATCH):
            batch = events[start : start + BATCH]
            clock.set(parse_time(batch[-1]["timestamp"]))
            messages, rejected = parse_batch(batch, received_at=clock.now())
            if rejected:
                raise RuntimeError(f"the demo generator produced invalid messages: {rejected[:3]}")
            ingest_messages(messages, now=clock.now())
            progress.advance(task, len(batch))


def print_story(report: DemoReport, console: Console) -> None:
    """Print the summary a person reads after `leadpact demo`."""
    f = report.figures
    console.print(f"[bold]leadpact demo[/bold] — workspace {report.directory}/leadpact.db ({f['seconds']} s)")
    console.print(f"  accounts {f['accounts']:,} · people {f['people']:,} · events {f['events']:,} · "
                  f"identified {f['identified_people']:,} ({f['identified_share']:.0%})")
    channels = Counter(f["channels"]).most_common(6)
    console.print("  first-touch channels: " + ", ".join(f"{name} {count:,}" for name, count in channels))
    order = ["anonymous", "known", "engaged", "needs_context", "mql", "hot", "disqualified"]
    statuses = f["statuses"]
    console.print(f"  under the starting pact (version {f['pact_version']}): "
                  + ", ".join(f"{s} {statuses.get(s, 0):,}" for s in order if statuses.get(s)))


def register(app: typer.Typer) -> None:
    """Add `leadpact demo` to the CLI."""
    app.command("demo")(demo_command)


def demo_command(
    directory: Path = typer.Option(Path("leadpact-demo"), "--dir", help="Workspace directory (emptied first)."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same company."),
    people: int = typer.Option(10_000, "--people", min=100, help="People who identify at some point."),
    accounts: int = typer.Option(2_500, "--accounts", min=10, help="Accounts in the company's market."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON object of the figures."),
) -> None:
    """Build a synthetic B2B company in a fresh SQLite workspace and run it through leadpact."""
    console = Console(stderr=as_json)
    report = run_demo(directory=directory, seed=seed, people=people, accounts=accounts, console=console)
    print_story(report, console)
    if as_json:
        typer.echo(json.dumps({"directory": report.directory, **report.figures}))
