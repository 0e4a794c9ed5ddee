"""The built-in provider: `leadpact enrich load FILE` (CSV, XLSX or Parquet, with the imports' column mapping)
fills accounts' gaps — never what the person or the CRM said — records where each value came from, and hands off
the lead held for its company's size; one test per kind of bad row or file."""

from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.enrichment import Firmographic
from leadpact.people.models import Account
from tests.enrichment.helpers import LATER, held_for_company_size, state
from tests.handoff.fixtures import identify, send

runner = CliRunner()


def enrich_load(*args):
    return runner.invoke(app, ["enrich", "load", *map(str, args)])


def test_a_lead_held_for_company_size_is_handed_off_once_enrich_load_supplies_it(live, clock, tmp_path):
    clock.set(LATER)
    held_for_company_size()
    path = tmp_path / "firmographics.csv"
    path.write_text("Domain,Company,Industry,Employees,Country\n"
                    "acme.example,ACME Corporation,Retail,800,United States\n"
                    "globex.example,Globex,Energy,12000,DE\n", encoding="utf-8")
    result = enrich_load(path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["stored"], summary["accounts_enriched"], summary["fields_filled"], summary["handed_off"]) == (
        2, 1, 1, 1)
    status, account, handoffs, enriched = state()
    assert (status, handoffs) == ("handed_off", 1)
    # Only the gap is filled: the name, industry and country Jo gave stay as she said them.
    assert account == {"name": "Acme", "industry": "software", "employees": 800, "country": "US"}
    assert enriched == {"employees": ("800", "file", "firmographics.csv", LATER)}


def test_what_the_person_says_later_replaces_an_enriched_value(live, clock, tmp_path):
    clock.set(LATER)
    held_for_company_size()
    path = tmp_path / "firmographics.csv"
    path.write_text("domain,employees\nacme.example,800\n")
    assert enrich_load(path).exit_code == 0
    send({**identify(company={"name": "Acme", "employee_count": 950}), "messageId": "i-u1-again"}, now=LATER)
    with session_scope() as session:
        account = session.scalars(select(Account).where(Account.domain == "acme.example")).one()
        assert account.employees == 950 and "_enriched" not in account.traits


def test_a_parquet_file_with_its_own_column_names(database_url, clock, tmp_path):
    with session_scope() as session:
        session.add(Account(domain="acme.example", traits={}, created_at=clock.now(), updated_at=clock.now()))
    path = tmp_path / "companies.parquet"
    pl.DataFrame({"Website": ["https://www.acme.example/about"], "Legal name": ["Acme Inc."],
                  "Sector": ["Software"], "Headcount": [800], "HQ": ["US"]}).write_parquet(path)
    result = enrich_load(path, "--map", "Legal name=name", "--map", "Sector=industry", "--map", "HQ=country",
                         "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["filled"] == {"acme.example": ["name", "industry", "employees", "country"]}
    with session_scope() as session:
        account = session.scalars(select(Account)).one()
        assert (account.name, account.name_key, account.employees) == ("Acme Inc.", "acme", 800)


def test_a_dry_run_stores_and_fills_nothing(database_url, clock, tmp_path):
    with session_scope() as session:
        session.add(Account(domain="acme.example", traits={}, created_at=clock.now(), updated_at=clock.now()))
    path = tmp_path / "f.csv"
    path.write_text("domain,employees\nacme.example,800\n")
    summary = json.loads(enrich_load(path, "--dry-run", "--json").stdout)
    assert (summary["would_store"], summary["fields_filled"]) == (1, 1)
    with session_scope() as session:
        assert session.scalars(select(Firmographic)).all() == []
        assert session.scalars(select(Account.employees)).one() is None


@pytest.mark.parametrize(("row", "reason"), [
    (",Nameless,Software,10,US", "domain is missing"),
    ("not a domain,X,Software,10,US", "domain 'not a domain' is not a web domain"),
    ("beta.example,Beta,Software,many,US", "employees 'many' is not a number"),
    ("beta.example,Beta,Software,-3,US", "employees '-3' is not a whole number of at least 0"),
    ("beta.example,,,,", "says nothing about beta.example: no name, industry, employees or country"),
    ("acme.example,Acme again,Software,10,US", "domain acme.example already appears in row 2"),
])
def test_each_bad_row_is_rejected_and_the_good_one_kept(database_url, clock, tmp_path, row, reason):
    path = tmp_path / "f.csv"
    path.write_text(f"domain,name,industry,employees,country\nacme.example,Acme,Software,800,US\n{row}\n")
    result = enrich_load(path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["stored"], summary["rejections"]) == (1, [{"row": 3, "reason": reason}])


@pytest.mark.parametrize(("name", "content", "options", "message"), [
    ("f.csv", "domain,employees\n", ["--map", "Nope=name"], "error: --map names column 'Nope', which is not in "
                                                            "the file"),
    ("f.parquet", "not parquet", [], "error: f.parquet is not a readable Parquet file"),
    ("f.jsonl", '{"domain": "a.example"}\n', [], "error: f.jsonl: firmographics are read from CSV, XLSX or Parquet"),
    ("f.csv", "", [], "error: f.csv is empty"),
])
def test_a_file_that_cannot_be_loaded_is_refused(database_url, clock, tmp_path, name, content, options, message):
    path = tmp_path / name
    path.write_text(content)
    result = enrich_load(path, *options)
    assert result.exit_code == 2 and result.stderr.startswith(message)
