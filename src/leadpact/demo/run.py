"""`leadpact demo`: build the synthetic company in a fresh SQLite workspace and run it through leadpact."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from leadpact.clock import SimulatedClock, parse_time, set_clock
from leadpact.composition import standard_wiring
from leadpact.config import get_settings
from leadpact.db import fold_log, get_engine, migrate, session_scope
from leadpact.demo import STARTING_PACT_PATH, generate_company
from leadpact.demo.backtest_story import backtest_lines
from leadpact.demo.company import DemoCompany
from leadpact.demo.mailbox import DemoMailbox
from leadpact.demo.sales_floor import SalesFloor
from leadpact.demo.sign_ins import give_passwords
from leadpact.demo.story import story_figures
from leadpact.demo.workspace import (
    ADMIN_EMAIL,
    MARKETING_EMAIL,
    load_content,
    load_crm_accounts,
    load_sales_org,
    user_by_email,
)
from leadpact.engine import forget_live_engines
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.insights.proposals.service import propose_next_pact
from leadpact.insights.reports import build_report, display, reason_words, render
from leadpact.outbox.delivery import deliver_due
from leadpact.outbox.settings import get_outbox_settings
from leadpact.outbox.transports import smtp_session
from leadpact.pact.versions import activate, add_draft, approve
from leadpact.wiring import wired

BATCH = 2_000
BATCH_HOURS = 6  # so a hot signal is handed off within hours of simulated time, not days
AFTERMATH_DAYS = 60


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
    """Generate the company, load its org, accounts and content, sign and activate the starting pact, stream
    every event through the ingest path under live evaluation, and let the sales floor work the handoffs."""
    # The demo is a composition root of its own (it runs from the CLI and as a library): wired as every process
    # is, on a workspace whose cached histories are forgotten when it ends.
    with wired(standard_wiring()):
        try:
            return _run(directory=directory, seed=seed, people=people, accounts=accounts, console=console)
        finally:
            forget_live_engines()
            # The run is over: the database file holds everything, not a write-ahead log beside an empty file.
            fold_log(get_engine(f"sqlite:///{directory.resolve() / 'leadpact.db'}"))


def _run(*, directory: Path, seed: int, people: int, accounts: int, console: Console) -> DemoReport:
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
    with DemoMailbox(directory / "mailbox.mbox") as mail:
        os.environ["LEADPACT_SMTP_HOST"], os.environ["LEADPACT_SMTP_PORT"] = "127.0.0.1", str(mail.port)
        floor = SalesFloor(company, engine=get_engine(), seed=seed)
        with smtp_session():
            stream_events(events, clock=clock, console=console, after_batch=lambda: work(floor, clock))
            # After the last visit the reps keep working: dispositions, deals closing, reminders.
            for _ in range(AFTERMATH_DAYS * 4):
                clock.advance(timedelta(hours=6))
                work(floor, clock)
        report = DemoReport(str(directory))
        with session_scope() as session:
            report.figures = story_figures(session, version=version, start=company.start, as_of=clock.now())
        report.figures["emails_delivered"] = mail.received
    with session_scope() as session:
        report.figures["reports"] = write_reports(session, directory / "reports", as_of=clock.now())
        report.figures["proposal"] = propose_next_pact(session=session, author=MARKETING_EMAIL, now=clock.now())
        report.figures["sign_ins"] = give_passwords(session, now=clock.now())
    # the proposal beside the starting pact over every person's replayed days (MQL volume, predicted acceptance,
    # MQL → SQL, won deals caught and how much earlier), at the top of the figures as the story prints it
    report.figures["proposal_backtest"] = report.figures["proposal"]["backtest"].get("side_by_side")
    report.figures["refused_actions"] = len(floor.refused)
    report.figures["seconds"] = round(time.perf_counter() - started, 1)
    return report


def write_reports(session: Any, directory: Path, *, as_of: Any) -> dict[str, str]:
    """The rituals' reports at the end of the demo: weekly review, monthly conversion, MQL review sheet, quarterly
    pact review; returns where each file is."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, fmt in (("weekly", "html"), ("monthly", "html"), ("review-sheet", "xlsx"), ("quarterly", "html")):
        content = render(build_report(kind, session=session, as_of=as_of), fmt)
        path = directory / f"{kind}.{fmt}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        written[kind] = str(path)
    return written


def work(floor: SalesFloor, clock: SimulatedClock) -> None:
    """One step of the sales floor at the current simulated time: plan new handoffs, play due actions and
    timers, deliver the notifications."""
    floor.schedule_new_handoffs()
    floor.run_until(clock.now())
    # One SMTP connection for the run's emails (run_demo holds it open; a fresh one when the server hung up
    # meanwhile): the demo's mailbox is local and nothing kills this worker. A pass that claims less than a full
    # batch has taken every due row: simulated time stands still here, and a failed attempt is due only later.
    batch = get_outbox_settings().outbox_batch_size
    with smtp_session():
        while deliver_due(engine=get_engine(), now=clock.now(), worker_id="demo", clock=clock).claimed >= batch:
            pass


def sign_and_activate_starting_pact(session: Any, company: DemoCompany, *, now: Any) -> int:
    """Marketing drafts the starting pact; marketing and a sales manager sign it; RevOps activates it."""
    draft = add_draft(
        session=session,
        source=STARTING_PACT_PATH.read_text(),
        author=MARKETING_EMAIL,
        now=now,
        note="The pact marketing wrote alone: generous points for content and activity.",
    )
    approve(session=session, version=draft.version, user=user_by_email(session, MARKETING_EMAIL), now=now)
    manager = next(member for member in company.reps if member.role == "manager")
    approve(session=session, version=draft.version, user=user_by_email(session, manager.email), now=now)
    activate(session=session, version=draft.version, actor=user_by_email(session, ADMIN_EMAIL), now=now)
    return draft.version


def stream_events(
    events: list[dict[str, Any]], *, clock: SimulatedClock, console: Console, after_batch: Callable[[], None]
) -> None:
    """Send every event through the same ingest path the API uses, in time order, moving the simulated clock;
    a batch closes after BATCH events or BATCH_HOURS of simulated time, whichever comes first."""
    columns = [TextColumn("streaming events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("events", total=len(events))
        start = 0
        while start < len(events):
            opened = parse_time(events[start]["timestamp"])
            end = start + 1
            while (
                end < len(events)
                and end - start < BATCH
                and parse_time(events[end]["timestamp"]) - opened < timedelta(hours=BATCH_HOURS)
            ):
                end += 1
            batch = events[start:end]
            clock.set(parse_time(batch[-1]["timestamp"]))
            messages, rejected = parse_batch(batch, received_at=clock.now())
            if rejected:
                raise RuntimeError(f"the demo generator produced invalid messages: {rejected[:3]}")
            ingest_messages(messages, now=clock.now())
            after_batch()
            progress.advance(task, len(batch))
            start = end


def print_story(report: DemoReport, console: Console) -> None:
    """Print the story a person reads after `leadpact demo`."""
    f = report.figures
    console.print(f"[bold]leadpact demo[/bold] — workspace {report.directory}/leadpact.db ({f['seconds']} s); "
                  f"figures for {f['period']['label']} as of {f['period']['as_of'][:16].replace('T', ' ')} UTC, "
                  "as `leadpact metrics` and the reports give them")
    console.print(
        f"  accounts {f['accounts']:,} · people {f['people']:,} · events {f['events']:,} · "
        f"identified {f['identified_people']:,} ({f['identified_share']:.0%})"
    )
    channels = Counter(f["channels"]).most_common(6)
    console.print("  first-touch channels: " + ", ".join(f"{name} {count:,}" for name, count in channels))
    order = [
        "anonymous",
        "known",
        "engaged",
        "nurture",
        "needs_context",
        "mql",
        "hot",
        "handed_off",
        "accepted",
        "rejected",
        "sql",
        "opportunity",
        "won",
        "lost",
        "disqualified",
    ]
    statuses = f["statuses"]
    console.print(
        f"  under the starting pact (version {f['pact_version']}): "
        + ", ".join(f"{s} {statuses.get(s, 0):,}" for s in order if statuses.get(s))
    )
    tiers = ", ".join(f"{tier} {n:,}" for tier, n in sorted(f["handoffs_by_tier"].items()))
    console.print(
        f"  handoffs {f['handoffs']:,} ({tiers}); speed to lead: median "
        f"{_minutes(f['speed_to_lead_median_minutes'])}, p90 {_minutes(f['speed_to_lead_p90_minutes'])}; "
        f"SLA breaches {f['sla_breaches']:,}, escalations to managers {f['escalations']:,}"
    )
    rate = f["acceptance_rate"]
    reasons = ", ".join(f"{reason_words(reason)} {n:,}" for reason, n in list(f["rejection_reasons"].items())[:4])
    console.print(
        f"  sales accepted {display(rate, 'percent')} ({f['accepted']:,} of {f['dispositions']:,} decided handoffs)"
        if rate is not None
        else "  no handoff was decided yet"
    )
    console.print(f"  top rejection reasons: {reasons or 'none'}")
    console.print(
        f"  outcomes: {f['sqls']:,} SQLs, {f['opportunities']:,} opportunities, {f['won']:,} won, {f['lost']:,} lost; "
        f"{f['emails_delivered']:,} notifications in {report.directory}/mailbox.mbox"
    )
    for kind, path in f.get("reports", {}).items():
        console.print(f"  report {kind}: {path}")
    proposal = f.get("proposal") or {}
    if proposal.get("draft_version"):
        test = proposal["backtest"]
        console.print(f"  the next pact, proposed from sales' feedback (draft version {proposal['draft_version']}):")
        for edit in proposal["edits"]:
            console.print(f"    - {edit['sentence']}")
        console.print(
            f"    backtest on {test['decided_handoffs']:,} decided handoffs: acceptance "
            f"{display(test['active']['acceptance_rate'], 'percent')} → "
            f"{display(test['proposed']['acceptance_rate'], 'percent')} "
            f"({test['acceptance_gain_points']:+.1f} points), "
            f"won deals kept {display(test['won_deals_kept'], 'percent')}"
        )
        for line in backtest_lines(f.get("proposal_backtest")):
            console.print(line, markup=False, highlight=False)
    if f["sample_brief"]:
        console.print("  a brief, as the rep received it:")
        console.print(f"    [italic]{f['sample_brief']}[/italic]")
    print_sign_ins(report, console)


def print_sign_ins(report: DemoReport, console: Console) -> None:
    """End with how to open the web app on the workspace, and whom to sign in as."""
    sign_ins = report.figures.get("sign_ins") or {}
    database = (Path(report.directory).resolve() / "leadpact.db").as_posix()
    console.print("  open the web app on this workspace:", highlight=False)
    console.print(f"    LEADPACT_DATABASE_URL=sqlite:///{database} leadpact serve", markup=False, highlight=False,
                  soft_wrap=True)
    console.print("    then http://127.0.0.1:8000/ and sign in as", highlight=False)
    for role, words in (("rep", "a rep"), ("manager", "their manager"), ("marketing", "marketing"),
                        ("admin", "the admin")):
        if role in sign_ins:
            who = sign_ins[role]
            # soft_wrap: a password broken over two lines cannot be copied
            console.print(f"      {words + ':':<15} {who['email']}  password {who['password']}", markup=False,
                          highlight=False, soft_wrap=True)


def _minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


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
