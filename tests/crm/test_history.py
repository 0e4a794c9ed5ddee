"""`leadpact crm pull --history`: closed deals from HubSpot (deals search, pipelines, associations, owners) and
Salesforce (SOQL over Opportunity with its Account and Owner, contact roles, converted leads), through the official
clients against the contract servers, stored as historic outcomes of their people and accounts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.handoff import Opportunity
from leadpact.people.models import Account, Person
from tests.crm.servers.hubspot_portal import iso

runner = CliRunner()


def pull_history(crm: str, *options: str) -> dict:
    result = runner.invoke(app, ["crm", "pull", "--to", crm, "--history", "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored(source: str) -> dict[str, Opportunity]:
    """The opportunities pulled from `source`, by their id there (detached, with account and person names)."""
    with session_scope() as session:
        rows = session.scalars(select(Opportunity).where(Opportunity.source == source)).all()
        found = {}
        for row in rows:
            account = session.get(Account, row.account_id) if row.account_id else None
            person = session.get(Person, row.person_id) if row.person_id else None
            row.account_name = account.name if account else None
            row.person_email = person.email if person else None
            session.expunge(row)
            found[row.external_id] = row
        return found


def by_account(rows) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for row in rows.values():
        counts.setdefault(row.account_name, Counter())[row.stage] += 1
    return counts


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hubspot_history(portal):
    """Two companies, three contacts, and deals closed in 2016–2017 (one on the portal's own renewals pipeline),
    one still open."""
    acme = portal.add("companies", name="Acme Corp", domain="www.acme.example", industry="COMPUTER_SOFTWARE",
                      numberofemployees="800", country="United States")
    beta = portal.add("companies", name="Beta Ltd", domain="beta.example", industry="RETAIL",
                      numberofemployees="45", country="United Kingdom")
    jo = portal.add("contacts", email="Jo@acme.example")
    al = portal.add("contacts", email="al@acme.example")
    kim = portal.add("contacts", email="kim@gmail.com")
    deals = {
        "won": portal.past_deal(created=at(2016, 3, 4), contacts=(jo.id, al.id), company=acme.id,
                                dealname="Acme platform", dealstage="closedwon", amount="12500",
                                closedate=iso(at(2016, 10, 20)), hubspot_owner_id="101"),
        "lost": portal.past_deal(created=at(2016, 5, 6), contacts=(jo.id,), company=acme.id, dealname="Acme data",
                                 dealstage="closedlost", amount="3000", closedate=iso(at(2016, 11, 2)),
                                 closed_lost_reason="Price", hubspot_owner_id="102"),
        "renewed": portal.past_deal(created=at(2017, 1, 9), company=beta.id, dealname="Beta renewal",
                                    pipeline="71854310", dealstage="154216791", amount="900",
                                    closedate=iso(at(2017, 2, 1)), deal_currency_code="GBP"),
        "churned": portal.past_deal(created=at(2017, 3, 1), contacts=(kim.id,), dealname="Kim's pilot",
                                    pipeline="71854310", dealstage="154216792", closedate=iso(at(2017, 4, 1))),
        "open": portal.past_deal(created=at(2017, 5, 1), company=beta.id, dealname="Beta expansion",
                                 dealstage="contractsent", closedate=iso(at(2027, 1, 1))),
    }
    return {name: deal.id for name, deal in deals.items()}


def test_hubspot_closed_deals_become_history_of_people_and_accounts(crm_tables, hubspot_env, clock):
    ids = hubspot_history(hubspot_env.portal)
    report = pull_history("hubspot")
    assert {k: report[k] for k in ("deals", "stored", "won", "lost", "refused")} == {
        "deals": 4, "stored": 4, "won": 2, "lost": 2, "refused": []}
    rows = stored("hubspot")
    assert set(rows) == {ids["won"], ids["lost"], ids["renewed"], ids["churned"]}  # the open deal stays out
    assert by_account(rows) == {"Acme Corp": Counter(won=1, lost=1), "Beta Ltd": Counter(won=1),
                                None: Counter(lost=1)}
    won, lost, renewed = rows[ids["won"]], rows[ids["lost"]], rows[ids["renewed"]]
    assert (won.person_email, won.details["other_contacts"], won.owner, won.source_stage) == (
        "jo@acme.example", ["al@acme.example"], "rob@northwind.example", "Closed Won")
    assert (won.opened_at, won.closed_at, won.amount) == (at(2016, 3, 4), at(2016, 10, 20), 12500.0)
    assert (lost.lost_reason, lost.owner) == ("Price", "ria@northwind.example")
    # A custom pipeline's opaque stage id is read through its metadata, and shown by its label.
    assert (renewed.stage, renewed.source_stage, renewed.currency, renewed.person_id) == ("won", "Renewed", "GBP",
                                                                                          None)
    assert rows[ids["churned"]].person_email == "kim@gmail.com"
    with session_scope() as session:
        acme = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
        assert (acme.domain, acme.industry, acme.employees) == ("acme.example", "COMPUTER_SOFTWARE", 800)
    again = pull_history("hubspot")
    assert (again["stored"], again["updated"]) == (0, 4) and len(stored("hubspot")) == 4


def test_hubspot_history_since_a_date_and_past_the_search_cap(crm_tables, hubspot_env, clock, monkeypatch):
    from leadpact.crm import hubspot_history as module

    ids = hubspot_history(hubspot_env.portal)
    # A cap of two results per search (HubSpot's is 10,000): the reader must ask again after the last id.
    monkeypatch.setattr(module, "SEARCH_CAP", 2)
    monkeypatch.setattr(module, "SEARCH_PAGE", 1)
    report = pull_history("hubspot", "--since", "2016-11-01")
    assert report["deals"] == 3
    assert set(stored("hubspot")) == {ids["lost"], ids["renewed"], ids["churned"]}


def test_a_deal_leadpact_already_tracks_is_not_stored_twice(crm_tables, hubspot_env, clock):
    ids = hubspot_history(hubspot_env.portal)
    with session_scope() as session:
        person = Person(email="jo@acme.example", traits={}, created_at=clock.now(), updated_at=clock.now())
        session.add(person)
        session.flush()
        session.add(Opportunity(person_id=person.id, stage="won", opened_at=clock.now(), crm_id=ids["won"]))
    report = pull_history("hubspot")
    assert (report["tracked"], report["stored"]) == (1, 3)
    assert ids["won"] not in stored("hubspot")


def salesforce_history(org):
    """Accounts, contacts and closed opportunities in a Salesforce org; people through contact roles and a lead."""
    acme = org.insert("Account", {"Name": "Acme Corp", "Website": "https://www.acme.example/", "Industry":
                                  "Technology", "NumberOfEmployees": 800, "BillingCountry": "United States"})
    beta = org.insert("Account", {"Name": "Beta Ltd", "Industry": "Retail", "NumberOfEmployees": 45})
    jo = org.insert("Contact", {"LastName": "Smith", "Email": "jo@acme.example", "AccountId": acme["Id"]})
    al = org.insert("Contact", {"LastName": "Al", "Email": "al@acme.example", "AccountId": acme["Id"]})
    users = list(org.records["User"])

    def opportunity(name, stage, close, created, account, **extra):
        record = org.insert("Opportunity", {"Name": name, "StageName": stage, "CloseDate": close,
                                            "AccountId": account["Id"], **extra})
        record["CreatedDate"] = created  # made before leadpact was connected
        return record

    won = opportunity("Acme platform", "Closed Won", "2016-10-20", "2016-03-04T10:00:00.000+0000", acme,
                      Amount=12500.0, OwnerId=users[1])
    lost = opportunity("Acme data", "Closed Lost", "2016-11-02", "2016-05-06T10:00:00.000+0000", acme,
                       Amount=3000.0, Loss_Reason__c="Price")
    beta_won = opportunity("Beta pilot", "Closed Won", "2017-02-01", "2017-01-09T10:00:00.000+0000", beta,
                           Amount=900.0)
    opportunity("Beta expansion", "Prospecting", "2027-01-01", "2017-05-01T10:00:00.000+0000", beta)
    org.insert("OpportunityContactRole", {"OpportunityId": won["Id"], "ContactId": al["Id"], "IsPrimary": False,
                                          "Role": "Evaluator"})
    org.insert("OpportunityContactRole", {"OpportunityId": won["Id"], "ContactId": jo["Id"], "IsPrimary": True,
                                          "Role": "Decision Maker"})
    lead = org.insert("Lead", {"LastName": "Kim", "Company": "Beta Ltd", "Email": "kim@beta.example"})
    lead.update(IsConverted=True, ConvertedOpportunityId=beta_won["Id"])
    return {"won": won["Id"], "lost": lost["Id"], "beta_won": beta_won["Id"]}


def test_salesforce_closed_opportunities_become_history(crm_tables, salesforce_env, clock, tmp_path):
    ids = salesforce_history(salesforce_env.org)
    mapping = tmp_path / "crm.yaml"
    mapping.write_text("salesforce:\n  fields: {lost_reason: Loss_Reason__c}\n")
    assert runner.invoke(app, ["crm", "connect", "--to", "salesforce", "--base-url", salesforce_env.url,
                               "--token", salesforce_env.org.token, "--ca-bundle", str(salesforce_env.ca),
                               "--mapping", str(mapping)]).exit_code == 0
    report = pull_history("salesforce")
    assert {k: report[k] for k in ("deals", "stored", "won", "lost")} == {"deals": 3, "stored": 3, "won": 2,
                                                                          "lost": 1}
    rows = stored("salesforce")
    assert set(rows) == set(ids.values())
    assert by_account(rows) == {"Acme Corp": Counter(won=1, lost=1), "Beta Ltd": Counter(won=1)}
    won = rows[ids["won"]]
    # The primary contact role names the person; the other role is kept beside it.
    assert (won.person_email, won.details, won.owner) == ("jo@acme.example", {"other_contacts": ["al@acme.example"]},
                                                          "sue@northwind.example")
    assert (won.opened_at, won.closed_at, won.source_stage) == (at(2016, 3, 4, 10), at(2016, 10, 20), "Closed Won")
    assert rows[ids["lost"]].lost_reason == "Price" and rows[ids["lost"]].person_id is None
    assert rows[ids["beta_won"]].person_email == "kim@beta.example"  # the lead converted into it
    with session_scope() as session:
        acme = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
        assert (acme.domain, acme.industry, acme.employees, acme.country) == (
            "acme.example", "Technology", 800, "United States")


def test_bad_history_options_exit_2_with_the_reason(crm_tables, hubspot_env):
    result = runner.invoke(app, ["crm", "pull", "--to", "hubspot", "--history", "--since", "last year"])
    assert result.exit_code == 2 and "--since 'last year' is not a date (YYYY-MM-DD)" in result.stderr
    result = runner.invoke(app, ["crm", "pull", "--to", "hubspot", "--since", "2016-01-01"])
    assert result.exit_code == 2 and "--since goes with --history" in result.stderr
