"""The comparison report: MQLs per month under each pact, predicted acceptance on people with feedback, MQL → SQL
and won deals caught, side by side; from the database and from a Parquet export, through the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import typer
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.db import get_engine, session_scope
from leadpact.demo import STARTING_PACT_PATH, DemoCompany
from leadpact.demo.workspace import load_content
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.insights.backtest import prepare
from leadpact.insights.backtest.commands import register_backtest
from leadpact.insights.backtest.database import read_database
from leadpact.insights.backtest.outcomes import read_outcomes
from leadpact.insights.backtest.report import compare, render
from leadpact.pact import load_pact, load_pact_file
from leadpact.people.models import Person

from .test_backtest_demo import _ingest

STRICTER = STARTING_PACT_PATH.read_text().replace("{score: engagement, op: gte, value: 40}",
                                                   "{score: engagement, op: gte, value: 70}")


def cli() -> typer.Typer:
    """A `leadpact`-like app with `pact backtest` wired as the lead wires it."""
    app, pact_app = typer.Typer(), typer.Typer()
    register_backtest(pact_app)
    app.add_typer(pact_app, name="pact")
    return app


def test_report_from_the_database_uses_feedback_and_outcomes(database_url: str, small_company: DemoCompany) -> None:
    with session_scope() as session:
        load_content(session, small_company, now=small_company.start)
    _ingest(small_company, 300)
    end = small_company.end.date() - timedelta(days=1)
    start = end - timedelta(days=20)
    engine = get_engine(database_url)
    history = read_database(engine)
    active = prepare(load_pact_file(STARTING_PACT_PATH), history)
    now = active.at(small_company.end)
    people = now.filter(now["status"].is_in(["mql", "hot"]))["person"].to_list()[:6]
    assert len(people) == 6
    with session_scope() as session:
        for position, person in enumerate(people):
            session.add(Handoff(person_id=person, tier="mql", state="accepted" if position < 4 else "rejected",
                                rejection_reason=None if position < 4 else "wrong_timing", routing_reason="test",
                                brief="test", created_at=small_company.end))
        session.add(Opportunity(person_id=people[0], stage="won", opened_at=small_company.end,
                                closed_at=small_company.end + timedelta(days=10)))
        person = session.scalars(select(Person).where(Person.id == people[1])).one()
        person.status = "sql"
    report = compare([("stricter", prepare(load_pact(STRICTER), history)), ("active", active)], start=start, end=end,
                     outcomes=read_outcomes(engine))
    stricter, current = report["pacts"]
    assert current["with_feedback"] == 6 and current["predicted_acceptance"] == round(4 / 6, 3)
    assert current["top_rejection_reasons"] == {"wrong_timing": 2}
    assert current["won_deals"] == 1 and current["won_caught"] == 1 and current["median_days_before_win"] > 0
    assert current["mql_to_sql"] > 0 and current["mqls"] >= 6
    assert stricter["mqls"] < current["mqls"]
    assert sum(current["mqls_per_month"].values()) == current["mqls"]
    assert "note" not in report
    text = render(report)
    assert "predicted acceptance" in text and "stricter" in text and "66.7%" in text


def test_backtest_command_on_an_export(small_export: Path, tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(STRICTER)
    runner = CliRunner()
    result = runner.invoke(cli(), ["pact", "backtest", str(candidate), "--against", str(STARTING_PACT_PATH),
                                   "--parquet", str(small_export), "--from", "2026-10-20", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [p["pact"] for p in report["pacts"]] == ["candidate.yaml", "starting_pact.yaml"]
    assert report["to"] == "2026-10-30" and report["from"] == "2026-10-20"
    assert report["pacts"][0]["mqls"] < report["pacts"][1]["mqls"]
    assert "no feedback recorded" in report["note"]
    text = runner.invoke(cli(), ["pact", "backtest", str(candidate), "--parquet", str(small_export),
                                 "--from", "2026-10-28"])
    assert text.exit_code == 0 and "MQLs (first qualified in the period)" in text.output


def test_backtest_command_refuses_bad_input(small_export: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli(), ["pact", "backtest", "7", "--parquet", str(small_export)])
    assert result.exit_code == 1 and "give a pact file" in result.output
    result = runner.invoke(cli(), ["pact", "backtest", str(STARTING_PACT_PATH), "--parquet", str(tmp_path)])
    assert result.exit_code == 1 and "no events.parquet" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("leadpact: 1\nname: x\nstages: {mql: {when: {score: fit, op: nope, value: 1}}}\n")
    result = runner.invoke(cli(), ["pact", "backtest", str(broken), "--parquet", str(small_export)])
    assert result.exit_code == 1 and "broken.yaml:3" in result.output
    result = runner.invoke(cli(), ["pact", "backtest", str(STARTING_PACT_PATH), "--parquet", str(small_export),
                                   "--from", "2026-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output
