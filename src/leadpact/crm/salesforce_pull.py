"""Salesforce to leadpact by SOQL polling (Salesforce has no webhook leadpact can verify): Lead statuses,
completed Tasks (first touches) and Opportunities; and the connection check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadpact.crm.base import ConnectionReport, CrmChange, PullResult, status_change
from leadpact.crm.salesforce_api import parse_sf_time, soql_list, soql_time

if TYPE_CHECKING:
    from datetime import datetime

    from leadpact.crm.salesforce import SalesforceConnector

ACTIVITY = {"Call": "call", "Email": "email", "ListEmail": "email", "Cadence": "task"}


def pull(connector: SalesforceConnector, since: datetime) -> PullResult:
    """Every status change, completed task and opportunity modified after `since`, oldest first."""
    result = PullResult(cursor=since)
    after = soql_time(since)
    mapping, key = connector.mapping, connector.key_field
    reason_field = mapping.fields.get("rejection_reason")
    lead_fields = ["Id", "Email", "Status", key, "LastModifiedDate", "IsConverted", "ConvertedOpportunityId",
                   *([reason_field] if reason_field else [])]
    leads = connector.api.query(f"SELECT {', '.join(lead_fields)} FROM Lead WHERE LastModifiedDate > {after} "
                                "ORDER BY LastModifiedDate")
    for lead in leads:
        at = parse_sf_time(lead["LastModifiedDate"])
        result.changes.append(status_change(
            mapping, status=lead["Status"], at=at, reason_value=lead.get(reason_field) if reason_field else None,  # type: ignore[arg-type]
            crm_person_id=lead["Id"], email=(lead.get("Email") or "").lower() or None, person_key=lead.get(key),
            source_id=f"Lead:{lead['Id']}"))
        if lead.get("ConvertedOpportunityId"):
            # Conversion opened a deal: say so now; its later stages come from the Opportunity query.
            result.changes.append(CrmChange(crm="salesforce", kind="deal", at=at, crm_person_id=lead["Id"],  # type: ignore[arg-type]
                                            deal_id=lead["ConvertedOpportunityId"], deal_stage="open",
                                            source_id=f"Lead:{lead['Id']}"))
    tasks = connector.api.query(
        "SELECT Id, WhoId, Status, TaskSubtype, CompletedDateTime, LastModifiedDate FROM Task "
        f"WHERE LastModifiedDate > {after} AND Status = 'Completed' ORDER BY LastModifiedDate")
    for task in tasks:
        at = parse_sf_time(task.get("CompletedDateTime")) or parse_sf_time(task["LastModifiedDate"])
        if task.get("WhoId"):
            result.changes.append(CrmChange(crm="salesforce", kind="touch", at=at, crm_person_id=task["WhoId"],  # type: ignore[arg-type]
                                            touch=True, activity=ACTIVITY.get(task.get("TaskSubtype") or "", "task"),
                                            source_id=f"Task:{task['Id']}"))
    deals, changes = _opportunities(connector, after)
    result.changes += changes
    # The cursor follows modification times only: a deal's close date may lie in the future.
    stamps = [parse_sf_time(r["LastModifiedDate"]) for r in (*leads, *tasks, *deals)]
    result.cursor = max([since, *(s for s in stamps if s)])
    result.changes.sort(key=lambda change: change.at)
    return result


def _opportunities(connector: SalesforceConnector, after: str) -> tuple[list[dict[str, Any]], list[CrmChange]]:
    """Opportunities modified since, and their deal changes, tied to the lead converted into each."""
    lost_field = connector.mapping.fields.get("lost_reason")
    fields = ["Id", "StageName", "IsClosed", "IsWon", "Amount", "CloseDate", "LastModifiedDate",
              *([lost_field] if lost_field else [])]
    deals = connector.api.query(f"SELECT {', '.join(fields)} FROM Opportunity WHERE LastModifiedDate > {after} "
                                "ORDER BY LastModifiedDate")
    if not deals:
        return [], []
    leads = connector.api.query("SELECT Id, ConvertedOpportunityId FROM Lead WHERE ConvertedOpportunityId IN "
                                f"{soql_list([d['Id'] for d in deals])}")
    lead_of: dict[str, list[str]] = {}
    for lead in leads:
        lead_of.setdefault(lead["ConvertedOpportunityId"], []).append(lead["Id"])
    changes = []
    for deal in deals:
        stage = "won" if deal.get("IsWon") else "lost" if deal.get("IsClosed") else "open"
        closed = parse_sf_time(deal.get("CloseDate")) if stage != "open" else None
        at = closed or parse_sf_time(deal["LastModifiedDate"])
        for lead_id in lead_of.get(deal["Id"], []):
            changes.append(CrmChange(crm="salesforce", kind="deal", at=at, crm_person_id=lead_id,  # type: ignore[arg-type]
                                     deal_id=deal["Id"], deal_stage=stage, amount=_amount(deal.get("Amount")),
                                     lost_reason=deal.get(lost_field) if lost_field else None,
                                     source_id=f"Opportunity:{deal['Id']}"))
    return deals, changes


def _amount(value: Any) -> float | None:
    return None if value is None else float(value)


def check(connector: SalesforceConnector) -> ConnectionReport:
    """The Lead's fields and picklists against the mapping, and active users (owners) by email."""
    api, mapping = connector.api, connector.mapping
    describe = api.call("describe Lead", api.client.Lead.describe)
    fields = {f["name"]: f for f in describe["fields"]}
    users = api.query("SELECT Id, Email FROM User WHERE IsActive = true")
    report = ConnectionReport(crm="salesforce", ok=True, owners={(u.get("Email") or "").lower(): u["Id"]
                                                                  for u in users if u.get("Email")},
                              detail=f"{len(users)} active users, {len(fields)} Lead fields")
    key = fields.get(connector.key_field)
    if key is None:
        report.missing.append(f"Lead field {connector.key_field} (text, External ID, unique)")
    elif not key.get("externalId"):
        report.missing.append(f"External ID on Lead field {connector.key_field}")
    for role in ("fit_score", "grade", "engagement_score", "rejection_reason"):
        name = mapping.fields.get(role)
        if name and name not in fields:
            report.missing.append(f"Lead field {name}")
    wanted_values = (("Status", {*mapping.statuses, mapping.new_status}), ("Rating", set(mapping.rating.values())))
    for field, wanted in wanted_values:
        values = {p["value"] for p in (fields.get(field) or {}).get("picklistValues") or [] if p.get("active", True)}
        report.missing += [f"Lead {field} value {value!r}" for value in sorted(wanted - values)]
    return report
