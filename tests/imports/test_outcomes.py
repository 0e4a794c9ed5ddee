"""`leadpact import outcomes`: CRM exports as they really come — a Salesforce opportunity report with account names
and no emails, US dates and dollar amounts, an industry misspelt; a HubSpot deals export saved by Excel in Germany
(`;`, Windows-1252, day-first dates, decimal commas) naming contacts by email — read into won / lost / open per
account and per person; and one test per kind of bad row or bad file."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.db import session_scope
from leadpact.handoff import Opportunity
from leadpact.imports import commands
from leadpact.people.models import Account, Person

SALESFORCE_REPORT = """\
"Opportunity ID","Opportunity Name","Account Name","Stage","Close Date","Created Date","Amount","Opportunity Owner",\
"Loss Reason","Industry","Employees","Billing Country","Lead Source"
"0065e00000A1","Acme - Platform","Acme Corp","Closed Won","10/20/2016","03/04/2016","$12,500.00","Sam Seller",,\
"Software","800","United States","Web"
"0065e00000A2","Acme - Expansion","Acme Corp","Closed Lost","1/13/2017","11/2/2016","$30,000.00","Sam Seller",\
"Price","Software","800","United States","Partner"
"0065e00000B1","Beta - Pilot","Beta Ltd","Closed Won","02/01/2017","09/12/2016","$4,000.00","Sue Seller",,\
"Sofware","120","United Kingdom","Web"
"0065e00000C1","Gamma - Renewal","Gamma Inc","Negotiation/Review","12/15/2017","09/01/2017","$9,999.00",\
"Sam Seller",,"Fintech","2300","United States","Event"
"0065e00000C2","Gamma - Data","Gamma Inc","Closed Lost","08/31/2017","05/06/2017","$15,000.00","Sam Seller",\
"No decision","Fintech","2300","United States","Event"
"0065e00000D1","Delta - Trial","Delta Retail","Closed Won","07/04/2017","06/01/2017","$2,500.00","Sue Seller",,\
"Retail","45","Canada","Web"
"""
# HubSpot's deals export, opened and saved again by Excel in Germany.
HUBSPOT_EXPORT = (
    "Record ID;Deal Name;Deal Stage;Associated Company;Associated Contact Email;Close Date;Create Date;Amount;"
    "Deal owner;Closed Lost Reason\r\n"
    "9001;Acme – Analytics;closedwon;Acme Corp;jo@acme.example;20.03.2018;02.01.2018;7.500,00;"
    "rob@northwind.example;\r\n"
    "9002;Müller – Pilot;closedlost;Müller GmbH;anna@mueller.example;15.05.2018;01.02.2018;1.200,50;"
    "rob@northwind.example;Budget\r\n"
    "9003;Nobody's deal;appointmentscheduled;;kim@gmail.com;30.06.2018;01.06.2018;800;ria@northwind.example;\r\n"
    "9004;Acme – Second seat;closedlost;Acme Corp;jo@acme.example;01.07.2018;04.06.2018;2.000;rob@northwind.example;"
    "Timing\r\n"
)


@pytest.fixture
def app() -> typer.Typer:
    """The full `leadpact` app, or just this domain's commands if another domain's module is mid-edit."""
    try:
        from leadpact.cli import app as full_app

        return full_app
    except Exception:
        bare = typer.Typer()
        commands.register(bare)
        return bare


def invoke(app, *args):
    return CliRunner().invoke(app, ["import", "outcomes", *map(str, args)])


def outcomes_by_account():
    """{account name: Counter of stages} over every stored opportunity."""
    with session_scope() as session:
        rows = session.execute(select(Account.name, Opportunity.stage).join(Account,
                                                                            Account.id == Opportunity.account_id))
        found: dict[str, Counter] = {}
        for name, stage in rows:
            found.setdefault(name, Counter())[stage] += 1
        return found


def outcomes_by_person():
    """{email: Counter of stages} over the opportunities that name a person."""
    with session_scope() as session:
        rows = session.execute(select(Person.email, Opportunity.stage).join(Person, Person.id == Opportunity.person_id))
        found: dict[str, Counter] = {}
        for email, stage in rows:
            found.setdefault(email, Counter())[stage] += 1
        return found


@pytest.fixture
def salesforce_report(tmp_path):
    path = tmp_path / "opportunities.csv"
    path.write_text(SALESFORCE_REPORT, encoding="utf-8")
    return path


@pytest.fixture
def hubspot_export(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(HUBSPOT_EXPORT.encode("cp1252"))
    return path


def test_a_salesforce_report_without_emails_lands_on_its_accounts(app, database_url, clock, salesforce_report):
    result = invoke(app, salesforce_report, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["stored"], summary["rejected"]) == (6, 6, 0)
    assert summary["notes"] == ["industry 'Sofware' read as 'Software' (1 row)"]
    assert outcomes_by_account() == {
        "Acme Corp": Counter(won=1, lost=1), "Beta Ltd": Counter(won=1), "Gamma Inc": Counter(open=1, lost=1),
        "Delta Retail": Counter(won=1)}
    assert outcomes_by_person() == {}
    with session_scope() as session:
        accounts = {a.name: (a.industry, a.employees, a.country) for a in session.scalars(select(Account))}
        assert accounts["Beta Ltd"] == ("Software", 120, "United Kingdom")
        won = session.scalars(select(Opportunity).where(Opportunity.external_id == "0065e00000A1")).one()
        assert (won.source, won.source_stage, won.amount, won.currency, won.owner) == (
            "import", "Closed Won", 12500.0, "USD", "Sam Seller")
        # US dates, read month first throughout, the ambiguous created date too (03/04/2016 = 4 March).
        assert (won.opened_at, won.closed_at) == (datetime(2016, 3, 4, tzinfo=UTC), datetime(2016, 10, 20, tzinfo=UTC))
        assert won.details == {"Lead Source": "Web"}
        lost = session.scalars(select(Opportunity).where(Opportunity.external_id == "0065e00000C2")).one()
        assert (lost.lost_reason, lost.closed_at) == ("No decision", datetime(2017, 8, 31, tzinfo=UTC))
        still_open = session.scalars(select(Opportunity).where(Opportunity.external_id == "0065e00000C1")).one()
        assert still_open.closed_at is None and still_open.details["expected_close"].startswith("2017-12-15")


def test_a_semicolon_export_by_email_attaches_to_people_and_their_accounts(app, database_url, clock,
                                                                          salesforce_report, hubspot_export):
    assert invoke(app, salesforce_report).exit_code == 0
    result = invoke(app, hubspot_export, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 4
    assert outcomes_by_person() == {"jo@acme.example": Counter(won=1, lost=1),
                                    "anna@mueller.example": Counter(lost=1), "kim@gmail.com": Counter(open=1)}
    by_account = outcomes_by_account()
    # Jo's deals join the Acme Corp the Salesforce report created (her email's domain is new; the company is not).
    assert by_account["Acme Corp"] == Counter(won=2, lost=2)
    assert by_account["Müller GmbH"] == Counter(lost=1)
    with session_scope() as session:
        deal = session.scalars(select(Opportunity).where(Opportunity.source == "import",
                                                         Opportunity.external_id == "9002")).one()
        assert (deal.amount, deal.opened_at, deal.owner) == (1200.5, datetime(2018, 2, 1, tzinfo=UTC),
                                                             "rob@northwind.example")
        kim = session.scalars(select(Person).where(Person.email == "kim@gmail.com")).one()
        # A free-mail address names no company; and history moves nobody through the lifecycle.
        assert kim.account_id is None and kim.status not in ("opportunity", "won", "lost")
        [acme] = session.scalars(select(Account).where(Account.name == "Acme Corp")).all()
        assert acme.domain == "acme.example"  # met by name in the report, its domain learnt from Jo's email


def test_importing_the_same_export_again_updates_instead_of_doubling(app, database_url, clock, salesforce_report):
    invoke(app, salesforce_report)
    summary = json.loads(invoke(app, salesforce_report, "--json").stdout)
    assert (summary["stored"], summary["updated"]) == (0, 6)
    assert sum(sum(c.values()) for c in outcomes_by_account().values()) == 6


def test_a_dry_run_stores_nothing(app, database_url, clock, salesforce_report):
    summary = json.loads(invoke(app, salesforce_report, "--dry-run", "--json").stdout)
    assert summary["would_store"] == 6 and outcomes_by_account() == {}


def test_own_stages_and_won_closed_flags(app, database_url, clock, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Company,Stage,Won,Closed\nAcme,Verbal Commit,,\nBeta,Stage 7,1,1\nGamma,,0,1\nDelta,,0,0\n")
    result = invoke(app, path, "--stage", "Verbal Commit=open", "--json")
    assert result.exit_code == 0, result.output
    assert outcomes_by_account() == {"Acme": Counter(open=1), "Beta": Counter(won=1), "Gamma": Counter(lost=1),
                                     "Delta": Counter(open=1)}


def test_a_stages_section_in_the_mapping_file(app, database_url, clock, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal,Account,Phase\n1,Acme,Signed contract\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {Phase: stage, Deal: external_id}\nstages: {Signed contract: won}\n")
    assert invoke(app, path, "--mapping", mapping).exit_code == 0
    assert outcomes_by_account() == {"Acme": Counter(won=1)}


@pytest.mark.parametrize(("row", "reason"), [
    ("9;Acme;Verbal Commit;01.02.2018;;100", "stage 'Verbal Commit' is not known; say what it means with "
                                             "--stage \"Verbal Commit=won\" (or lost, or open)"),
    ("9;Acme;;01.02.2018;;100", "stage is missing"),
    ("9;;closedwon;01.02.2018;;100", "names neither a person's email nor an account (domain or company name)"),
    ("9;Acme;closedwon;01.02.2018;;lots", "amount 'lots' is not a number"),
    ("9;Acme;closedwon;01.02.2018;;-5", "amount '-5' must be a number of at least 0"),
    ("9;Acme;closedwon;31.02.2018;;100", "Close Date '31.02.2018' is not a real date (read day first)"),
    ("9;Acme;closedwon;soon;;100", "Close Date 'soon' is not a date (like 2016-10-20, 10/20/2016 or 20.10.2016)"),
    ("9;Acme;closedwon;01.02.2018;03.02.2018;100", "closed 2018-02-01, before it was created 2018-02-03"),
    ("9;Acme;closedwon;01.02.2018;;100;not-an-email", "email 'not-an-email' is not a valid email address"),
])
def test_each_bad_row_is_rejected_with_its_reason_and_the_good_row_kept(app, database_url, clock, tmp_path, row,
                                                                       reason):
    path = tmp_path / "deals.csv"
    header = "Deal ID;Company;Stage;Close Date;Created;Amount;Email"
    path.write_text(f"{header}\n1;Good Co;closedwon;01.02.2018;;50\n{row}\n", encoding="utf-8")
    result = invoke(app, path, "--map", "Created=created_at", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rejections"] == [{"row": 3, "reason": reason}]
    assert outcomes_by_account() == {"Good Co": Counter(won=1)}


def test_the_same_deal_twice_in_one_file_is_rejected_the_second_time(app, database_url, clock, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Company,Stage\n7,Acme,closedwon\n7,Acme,closedlost\n")
    summary = json.loads(invoke(app, path, "--json").stdout)
    assert summary["rejections"] == [{"row": 3, "reason": "deal 7 already appears in row 2"}]


@pytest.mark.parametrize(("content", "options", "message"), [
    ("Company,Stage,Close Date\nAcme,closedwon,03/04/2016\n", [],
     "error: column 'Close Date': every date in it, such as '03/04/2016' (row 2), reads both day first and month "
     "first; pass --date-format MM/DD/YYYY (month first, as in the US) or --date-format DD/MM/YYYY (day first)"),
    ("Company,Stage,Close Date\nAcme,closedwon,20/10/2016\nBeta,closedwon,10/20/2016\n", [],
     "error: column 'Close Date' has dates that read only day first ('20/10/2016', row 2) and others"),
    ("Company,Amount\nAcme,5\n", [], "error: deals.csv names no stage column; map one with --map COLUMN=stage"),
    ("Stage,Amount\nclosedwon,5\n", [], "error: deals.csv names no column for a person's email or an account"),
    ("Company,Stage\nAcme,x\n", ["--stage", "x=maybe"], "error: stage 'x' maps to 'maybe'; use won, lost or open"),
    ("Company,Stage\nAcme,x\n", ["--stage", "x"], "error: --stage 'x' must look like \"Stage name=won\""),
    ("Company,Stage,Close Date\nAcme,won,1/2/2016\n", ["--date-format", "YYYY"],
     "error: --date-format 'YYYY' must name a day, a month and a year"),
])
def test_a_file_that_cannot_be_read_as_outcomes_is_refused_before_anything_is_stored(app, database_url, clock,
                                                                                     tmp_path, content, options,
                                                                                     message):
    path = tmp_path / "deals.csv"
    path.write_text(content)
    result = invoke(app, path, *options)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert outcomes_by_account() == {}


def test_the_date_format_settles_an_ambiguous_column(app, database_url, clock, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Company,Stage,Close Date\nAcme,closedwon,03/04/2016\n")
    assert invoke(app, path, "--date-format", "DD/MM/YYYY").exit_code == 0
    with session_scope() as session:
        assert session.scalar(select(Opportunity.closed_at)) == datetime(2016, 4, 3, tzinfo=UTC)


def test_an_account_only_deal_joins_the_account_by_domain(app, database_url, clock, tmp_path):
    with session_scope() as session:
        session.add(Account(domain="acme.example", name="Acme", industry="software", traits={},
                            created_at=clock.now(), updated_at=clock.now()))
    path = tmp_path / "deals.csv"
    path.write_text("Website,Company,Stage,Industry\nhttps://www.acme.example/,ACME Corporation,closedwon,Retail\n")
    assert invoke(app, path).exit_code == 0
    with session_scope() as session:
        [account] = session.scalars(select(Account)).all()
        # What the account already says stays: the export only fills gaps.
        assert (account.name, account.industry) == ("Acme", "software")
        assert session.scalar(select(Opportunity.account_id)) == account.id


def test_an_xlsx_export_with_real_dates_and_excel_serials(app, database_url, clock, tmp_path):
    from tests.imports.helpers import write_xlsx

    path = write_xlsx(tmp_path / "deals.xlsx", ["Deal ID", "Account Name", "Stage", "Close Date", "Created Date"],
                      [101.0, "Acme Corp", "Closed Won", datetime(2016, 10, 20), 42433],
                      [102.0, "Beta Ltd", "Closed Lost", datetime(2016, 11, 2, 15, 30), 42496.5])
    result = invoke(app, path, "--json")
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        deals = {o.external_id: (o.stage, o.opened_at, o.closed_at) for o in session.scalars(select(Opportunity))}
    assert deals == {"101": ("won", datetime(2016, 3, 4, tzinfo=UTC), datetime(2016, 10, 20, tzinfo=UTC)),
                     "102": ("lost", datetime(2016, 5, 6, 12, tzinfo=UTC), datetime(2016, 11, 2, 15, 30, tzinfo=UTC))}
