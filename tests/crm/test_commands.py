"""`leadpact crm connect|push|pull|status` through the real CLI app, against the contract servers."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.org.models import Rep
from tests.crm.factories import make_handoffs, sales_rep

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    """Run `leadpact ARGS` and return exit code, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_connect_push_pull_and_status_with_hubspot(crm_tables, hubspot, clock):
    hubspot.portal.schema["contacts"].pop("leadpact_fit_grade")  # a portal not yet set up for leadpact
    rep_id = sales_rep(owner_id=None)
    code, out, err = invoke("crm", "connect", "--to", "hubspot", "--base-url", hubspot.url, "--token",
                            hubspot.portal.token, "--create-properties", "--match-owners")
    assert code == 0, err
    assert out.splitlines() == ["connected to hubspot: 2 owners, 18 contact properties",
                                "  created contact property leadpact_fit_grade",
                                "  rep rob@northwind.example → owner 101"]
    with session_scope() as session:
        assert session.get(Rep, rep_id).crm_owner_id == "101"
    make_handoffs(3, rep_id=rep_id)
    code, out, _ = invoke("crm", "push", "--to", "hubspot", "--all")
    assert (code, out) == (0, "queued 3; delivered 3, to retry 0, dead 0\n")
    assert invoke("crm", "push", "--to", "hubspot", "--all")[1] == "queued 0; delivered 0, to retry 0, dead 0\n"
    contact = hubspot.portal.records("contacts")[0]
    hubspot.portal.rep_sets(contact.id, hs_lead_status="ATTEMPTED_TO_CONTACT")
    report = json.loads(invoke("crm", "pull", "--to", "hubspot", "--json")[1])
    assert report["changes"] == 3 and report["skipped"] == []
    assert f"hubspot status contact:{contact.id}: status ATTEMPTED_TO_CONTACT, first touch (ATTEMPTED_TO_CONTACT)" in (
        report["applied"])
    status = json.loads(invoke("crm", "status", "--to", "hubspot", "--json")[1])
    assert status["configured"] and status["base_url"] == hubspot.url and status["last_pull_changes"] == 3
    assert (status["pushes"], status["synced"]) == ({"pending": 0, "delivered": 3, "dead": 0},
                                                    {"person": 3, "note": 3, "task": 3})
    text = invoke("crm", "status")[1]
    assert text.startswith(f"hubspot: connected at {hubspot.url}\n") and "salesforce: not connected" in text


def test_connect_to_salesforce_reports_what_the_org_lacks(crm_tables, salesforce, monkeypatch):
    from tests.crm.servers.salesforce_org import SCHEMA

    monkeypatch.delitem(SCHEMA["Lead"], "Leadpact_Id__c")
    code, out, err = invoke("crm", "connect", "--to", "salesforce", "--base-url", salesforce.url, "--token",
                            salesforce.org.token, "--ca-bundle", str(salesforce.ca))
    assert code == 0, err
    assert out.splitlines() == ["connected to salesforce: 2 active users, 26 Lead fields",
                                "  missing Lead field Leadpact_Id__c (text, External ID, unique)"]


def test_failures_exit_2_with_the_reason(crm_tables, hubspot):
    code, _, err = invoke("crm", "connect", "--to", "hubspot", "--base-url", hubspot.url, "--token", "wrong")
    assert code == 2 and "HubSpot refused the access token" in err
    code, _, err = invoke("crm", "pull", "--to", "zoho")
    assert code == 2 and "unknown CRM 'zoho'" in err
    with session_scope() as session:
        assert session.scalars(select(Rep)).all() == []
