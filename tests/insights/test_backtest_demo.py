"""The backtest on the demo company equals the live evaluator, person for person: from a Parquet export (people
resolved as `leadpact score` resolves them) and from the database (facts as the live engine builds them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from leadpact.db import get_engine, session_scope
from leadpact.demo import STARTING_PACT_PATH, DemoCompany
from leadpact.demo.workspace import load_content, load_crm_accounts
from leadpact.engine.inputs import CatalogCache, account_facts, load_histories, person_facts
from leadpact.ingest.service import ingest_messages, parse_batch
from leadpact.insights.backtest import prepare, read_export
from leadpact.insights.backtest.database import read_database
from leadpact.insights.backtest.export import export_messages, read_catalog
from leadpact.pact import compile_pact, evaluate, load_pact_file, resolve
from leadpact.pact.offline import normalise_message
from leadpact.people.models import Account, Person

from .test_backtest_property import decisions, live_decisions

PACT = compile_pact(load_pact_file(STARTING_PACT_PATH))


def _live_from_export(directory: Path, as_of: Any) -> dict[str, Any]:
    rows = pl.read_parquet(directory / "events.parquet")
    messages = [normalise_message(raw) for raw in export_messages(rows)]
    catalog = read_catalog(directory)
    return {person.key: evaluate(PACT, person=person.person, account=person.account, events=person.events,
                                 content=catalog, as_of=as_of) for person in resolve(messages, as_of=as_of)}


@pytest.mark.parametrize("days_before_end", [0, 45])
def test_export_backtest_equals_the_live_evaluator(small_company: DemoCompany, small_export: Path,
                                                    days_before_end: int) -> None:
    as_of = small_company.end - timedelta(days=days_before_end, hours=3)
    prepared = prepare(PACT, read_export(small_export, as_of=as_of))
    result = prepared.at(as_of)
    live = _live_from_export(small_export, as_of)
    assert result.height == len(live) > 1000
    for row in result.iter_rows(named=True):
        assert decisions(row) == live_decisions(live[row["key"]]), row["key"]
    assert prepared.live["total"] == 0  # every person decided by the vectorised path
    assert {"mql", "hot", "engaged", "disqualified"} <= set(result["status"])


def _ingest(company: DemoCompany, count: int) -> None:
    """Send the first `count` people's messages through the ingest path (a subset keeps the test quick)."""
    chosen = {person.id for person in company.people[:count]}
    events = [m for m in company.iter_events()
              if company.person_by_identifier.get(m.get("userId") or m.get("anonymousId") or "") in chosen]
    for start in range(0, len(events), 500):
        parsed, rejected = parse_batch(events[start:start + 500], received_at=company.end)
        assert not rejected
        ingest_messages(parsed, now=company.end)


def test_database_backtest_equals_the_live_evaluator(database_url: str, small_company: DemoCompany) -> None:
    with session_scope() as session:
        load_content(session, small_company, now=small_company.start)
        load_crm_accounts(session, small_company, {}, now=small_company.start)
    _ingest(small_company, 400)
    as_of = small_company.end - timedelta(days=20)
    engine = get_engine(database_url)
    prepared = prepare(PACT, read_database(engine))
    result = prepared.at(as_of)
    with session_scope() as session:
        persons = {p.id: p for p in session.scalars(select(Person))}
        accounts = {a.id: a for a in session.scalars(select(Account))}
        histories = load_histories(session, list(persons))
        catalog = CatalogCache().get(session)
        assert result.height == len(persons) >= 400
        for row in result.iter_rows(named=True):
            person = persons[row["person"]]
            live = evaluate(PACT, person=person_facts(person), account=account_facts(accounts.get(person.account_id)),
                            events=histories[person.id], content=catalog, as_of=as_of)
            assert decisions(row) == live_decisions(live), person.email
    assert prepared.live["total"] == 0
    assert {"mql", "engaged"} <= set(result["status"])


def test_people_handed_to_the_live_evaluator_get_its_inputs(small_company: DemoCompany, small_export: Path) -> None:
    # the fallback path: the export rebuilds a person's own messages (and every group call) for the live engine
    as_of = small_company.end
    history = read_export(small_export, as_of=as_of)
    result = prepare(PACT, history).at(as_of)
    chosen = result.filter(pl.col("status").is_in(["mql", "hot", "disqualified"])).head(8)
    inputs = history.facts.live_inputs(chosen["person"].to_list())
    assert set(inputs) == set(chosen["person"].to_list())
    catalog = read_catalog(small_export)
    for row in chosen.iter_rows(named=True):
        given = inputs[row["person"]]
        live = evaluate(PACT, person=given.person, account=given.account, events=given.events, content=catalog,
                        as_of=as_of)
        assert decisions(row) == live_decisions(live)
