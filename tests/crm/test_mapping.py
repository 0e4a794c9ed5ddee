"""The field mapping as data: defaults, overrides from YAML or JSON, and statuses read into touches and
dispositions (the CRM-side half of the round trip, without a server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from leadpact.crm.base import CrmChange, status_change
from leadpact.crm.mapping import CrmMapping, MappingError, StatusRule, build, load_mapping

AT = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("crm", "status", "rule"), [
    ("hubspot", "NEW", StatusRule()),
    ("hubspot", "ATTEMPTED_TO_CONTACT", StatusRule(touch=True)),
    ("hubspot", "CONNECTED", StatusRule(touch=True, disposition="accept")),
    ("hubspot", "IN_PROGRESS", StatusRule(touch=True, disposition="accept")),
    ("hubspot", "BAD_TIMING", StatusRule(touch=True, disposition="reject", reason="wrong_timing")),
    ("hubspot", "UNQUALIFIED", StatusRule(disposition="reject")),
    ("hubspot", "A_PORTAL_STATUS", StatusRule()),
    ("salesforce", "Open - Not Contacted", StatusRule()),
    ("salesforce", "Working - Contacted", StatusRule(touch=True, disposition="accept")),
    ("salesforce", "Closed - Not Converted", StatusRule(disposition="reject")),
])
def test_default_statuses(crm, status, rule):
    assert CrmMapping.default(crm).rule_for(status) == rule


@pytest.mark.parametrize(("lifecycle", "current", "written"), [
    ("mql", None, "marketingqualifiedlead"),
    ("mql", "lead", "marketingqualifiedlead"),
    ("handed_off", "salesqualifiedlead", None),  # never backwards
    ("sql", "marketingqualifiedlead", "salesqualifiedlead"),
    ("won", "opportunity", "customer"),
    ("rejected", "marketingqualifiedlead", None),  # no stage for a rejection: hs_lead_status carries it
    ("mql", "other", None),  # a stage outside the known order is a person's choice
])
def test_lifecycle_stages_only_move_forward(lifecycle, current, written):
    assert CrmMapping.default("hubspot").stage_for(lifecycle, current) == written


def test_a_status_becomes_a_change_with_its_reason_from_the_record_when_the_mapping_has_none():
    mapping = CrmMapping.default("hubspot")
    change = status_change(mapping, status="UNQUALIFIED", at=AT, reason_value="no_budget", crm_person_id="7")
    assert change == CrmChange(crm="hubspot", kind="status", at=AT, crm_person_id="7", status="UNQUALIFIED",
                               disposition="reject", reason="no_budget")
    fixed = status_change(mapping, status="BAD_TIMING", at=AT, reason_value="no_budget")
    assert (fixed.reason, fixed.touch) == ("wrong_timing", True)
    accepted = status_change(mapping, status="CONNECTED", at=AT, reason_value="no_budget")
    assert (accepted.disposition, accepted.reason) == ("accept", None)


def test_a_yaml_file_overrides_and_extends_the_defaults(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text("""
hubspot:
  statuses:
    NO_BUDGET: [touch, "reject:no_budget"]
    CONNECTED: touch
  owners: {Rob@Northwind.example: "101"}
  new_status: OPEN
salesforce:
  rating: {D: Cold}
""")
    mapping = load_mapping("hubspot", path)
    assert mapping.rule_for("NO_BUDGET") == StatusRule(touch=True, disposition="reject", reason="no_budget")
    assert mapping.rule_for("CONNECTED") == StatusRule(touch=True)
    assert mapping.rule_for("IN_PROGRESS").disposition == "accept"  # the defaults it did not name stay
    assert mapping.new_status == "OPEN"
    assert mapping.owner_for(crm_owner_id=None, rep_email="rob@northwind.example") == "101"
    assert mapping.owner_for(crm_owner_id="202", rep_email="rob@northwind.example") == "202"
    assert load_mapping("salesforce", path).rating["A"] == "Hot"


def test_a_json_file_works_too(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"salesforce": {"fields": {"rejection_reason": "Reason__c"}}}))
    assert load_mapping("salesforce", path).fields["rejection_reason"] == "Reason__c"


@pytest.mark.parametrize(("text", "message"), [
    ("hubspot: {statuses: {X: [call]}}", "status 'X': unknown action 'call'"),
    ("hubspot: {statuses: {X: [accept, reject]}}", "status 'X': both accept and reject"),
    ("hubspot: {statuses: {X: ['accept:why']}}", "accept takes no reason"),
    ("hubspot: {colours: {}}", "hubspot: unknown key.s. colours"),
    ("zoho: {}", "expected top-level sections hubspot and/or salesforce"),
    ("hubspot: [", "not valid YAML"),
    ("hubspot: {owners: [1, 2]}", "hubspot.owners: expected a mapping"),
])
def test_bad_mapping_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message):
        load_mapping("hubspot", path)


def test_deal_stages_and_unknown_crms():
    mapping = build("hubspot", {"won_stages": ["closedwon", "signed"]})
    assert [mapping.deal_stage(s) for s in ("signed", "closedlost", "qualifiedtobuy")] == ["won", "lost", "open"]
    with pytest.raises(MappingError, match="unknown CRM 'zoho'"):
        build("zoho", {})
    with pytest.raises(MappingError, match="cannot read mapping file"):
        load_mapping("hubspot", "/nonexistent/mapping.yaml")
