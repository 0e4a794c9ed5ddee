"""Salesforce's closed Opportunities as history, by SOQL through `simple-salesforce`: won or lost as Salesforce
says (`IsWon`), with the Account's firmographics through the relationship, the owner's email, and the person —
the primary contact role's contact, else the lead converted into the opportunity."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from leadpact.crm.salesforce_api import parse_sf_time, soql_list
from leadpact.feedback.history import HistoricDeal

if TYPE_CHECKING:
    from leadpact.crm.salesforce import SalesforceConnector

FIELDS = ["Id", "Name", "StageName", "IsWon", "Amount", "CloseDate", "CreatedDate", "Owner.Email", "Account.Name",
          "Account.Website", "Account.Industry", "Account.NumberOfEmployees", "Account.BillingCountry"]
# Ids per IN list: SOQL statements are limited in length (100,000 characters); 18-character ids fit hundreds.
IDS_PER_QUERY = 300


def pull_history(connector: SalesforceConnector, since: datetime | None) -> list[HistoricDeal]:
    """Every closed Opportunity (closed on or after `since`, when given) as a historic deal."""
    api = connector.api
    lost_field = connector.mapping.fields.get("lost_reason")
    where = "IsClosed = true" + (f" AND CloseDate >= {since.date().isoformat()}" if since is not None else "")
    deals = api.query(f"SELECT {', '.join([*FIELDS, *([lost_field] if lost_field else [])])} FROM Opportunity "
                      f"WHERE {where} ORDER BY CloseDate, Id")
    emails = _people(connector, [deal["Id"] for deal in deals])
    history = []
    for deal in deals:
        account = deal.get("Account") or {}
        owner = deal.get("Owner") or {}
        people = emails.get(deal["Id"], [])
        history.append(HistoricDeal(
            source="salesforce", external_id=deal["Id"], stage="won" if deal.get("IsWon") else "lost",
            email=people[0] if people else None, domain=_domain(account.get("Website")), company=account.get("Name"),
            name=deal.get("Name"), source_stage=deal.get("StageName"), opened_at=parse_sf_time(deal.get("CreatedDate")),
            closed_at=parse_sf_time(deal.get("CloseDate")),
            amount=float(deal["Amount"]) if deal.get("Amount") is not None else None,
            lost_reason=deal.get(lost_field) if lost_field else None,
            owner=(owner.get("Email") or "").lower() or None, industry=account.get("Industry"),
            employees=account.get("NumberOfEmployees"), country=account.get("BillingCountry"),
            details={"other_contacts": people[1:]} if len(people) > 1 else {}))
    return history


def _people(connector: SalesforceConnector, deal_ids: list[str]) -> dict[str, list[str]]:
    """Opportunity id → the emails of its people: contact roles (primary first), then the leads converted into it."""
    api = connector.api
    found: dict[str, list[str]] = {}
    for start in range(0, len(deal_ids), IDS_PER_QUERY):
        ids = soql_list(deal_ids[start : start + IDS_PER_QUERY])
        roles = api.query("SELECT OpportunityId, IsPrimary, Contact.Email FROM OpportunityContactRole "
                          f"WHERE OpportunityId IN {ids}")
        for role in sorted(roles, key=lambda r: not r.get("IsPrimary")):
            _add(found, role["OpportunityId"], (role.get("Contact") or {}).get("Email"))
        leads = api.query(f"SELECT ConvertedOpportunityId, Email FROM Lead WHERE ConvertedOpportunityId IN {ids}")
        for lead in leads:
            _add(found, lead["ConvertedOpportunityId"], lead.get("Email"))
    return found


def _add(found: dict[str, list[str]], deal_id: str, email: Any) -> None:
    address = str(email or "").strip().lower()
    if address and address not in found.setdefault(deal_id, []):
        found[deal_id].append(address)


def _domain(website: Any) -> str | None:
    if not website:
        return None
    host = str(website).strip().lower().split("//", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.") or None
