"""The HubSpot portal the contract server pretends to be: object properties, association types, error shapes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer",
             "evangelist", "other"]
LEAD_STATUS = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED",
               "BAD_TIMING"]
NOTE_BODY_LIMIT = 65_536


@dataclass
class Prop:
    """One property of an object type: its type, options and whether the API may write it."""

    type: str = "string"  # string | number | datetime | enumeration
    options: list[str] | None = None
    read_only: bool = False
    owner: bool = False
    max_length: int | None = None
    label: str = ""
    group: str = "contactinformation"
    custom: bool = False

    def as_json(self, name: str) -> dict[str, Any]:
        """The shape of GET /crm/v3/properties/{type}/{name} (the client requires options and description)."""
        field_type = {"number": "number", "datetime": "date", "enumeration": "select"}.get(self.type, "text")
        return {
            "name": name, "label": self.label or name, "type": self.type, "fieldType": field_type,
            "groupName": self.group, "description": "", "hidden": False, "hasUniqueValue": name == "email",
            "hubspotDefined": not self.custom, "formField": True, "calculated": False, "externalOptions": False,
            "options": [{"label": o, "value": o, "hidden": False, "displayOrder": i}
                        for i, o in enumerate(self.options or [])],
            "createdAt": "2020-01-01T00:00:00Z", "updatedAt": "2020-01-01T00:00:00Z", "archived": False,
        }


def _text(**kw: Any) -> Prop:
    return Prop(type="string", **kw)


OWNER = Prop(type="enumeration", owner=True)
READ = Prop(type="datetime", read_only=True)
SCHEMA: dict[str, dict[str, Prop]] = {
    "contacts": {
        "email": _text(), "firstname": _text(), "lastname": _text(), "company": _text(), "jobtitle": _text(),
        "phone": _text(), "country": _text(), "industry": _text(),
        "lifecyclestage": Prop(type="enumeration", options=LIFECYCLE),
        "hs_lead_status": Prop(type="enumeration", options=LEAD_STATUS),
        "hubspot_owner_id": OWNER, "createdate": READ, "lastmodifieddate": READ,
        "hs_object_id": Prop(read_only=True),
    },
    "notes": {"hs_timestamp": Prop(type="datetime"), "hs_note_body": _text(max_length=NOTE_BODY_LIMIT),
              "hubspot_owner_id": OWNER, "hs_createdate": READ, "hs_lastmodifieddate": READ},
    "tasks": {"hs_timestamp": Prop(type="datetime"), "hs_task_subject": _text(), "hs_task_body": _text(),
              "hs_task_status": Prop(type="enumeration", options=["NOT_STARTED", "COMPLETED"]),
              "hs_task_priority": Prop(type="enumeration", options=["LOW", "MEDIUM", "HIGH"]),
              "hs_task_type": Prop(type="enumeration", options=["EMAIL", "CALL", "TODO"]),
              "hubspot_owner_id": OWNER, "hs_createdate": READ, "hs_lastmodifieddate": READ},
    "calls": {"hs_timestamp": Prop(type="datetime"), "hs_call_title": _text(), "hs_call_body": _text(),
              "hs_call_direction": Prop(type="enumeration", options=["INBOUND", "OUTBOUND"]),
              "hubspot_owner_id": OWNER, "hs_createdate": READ, "hs_lastmodifieddate": READ},
    "emails": {"hs_timestamp": Prop(type="datetime"), "hs_email_subject": _text(), "hs_email_text": _text(),
               "hs_email_direction": Prop(type="enumeration", options=["EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"]),
               "hubspot_owner_id": OWNER, "hs_createdate": READ, "hs_lastmodifieddate": READ},
    "meetings": {"hs_timestamp": Prop(type="datetime"), "hs_meeting_title": _text(),
                 "hubspot_owner_id": OWNER, "hs_createdate": READ, "hs_lastmodifieddate": READ},
    "deals": {"dealname": _text(), "amount": Prop(type="number"), "closedate": Prop(type="datetime"),
              "dealstage": Prop(type="enumeration", options=[]),  # options: the pipelines' stages (below)
              "pipeline": _text(), "closed_lost_reason": _text(), "hubspot_owner_id": OWNER,
              "deal_currency_code": _text(),
              # Calculated by HubSpot from the stage's metadata in its pipeline.
              "hs_is_closed": Prop(type="bool", read_only=True), "hs_is_closed_won": Prop(type="bool", read_only=True),
              "createdate": READ, "hs_lastmodifieddate": READ},
    "companies": {"name": _text(), "domain": _text(), "industry": _text(), "numberofemployees": Prop(type="number"),
                  "country": _text(), "hubspot_owner_id": OWNER, "createdate": READ, "hs_lastmodifieddate": READ},
}
# Deal pipelines as GET /crm/v3/pipelines/deals answers them: HubSpot's default sales pipeline (its stage ids and
# labels, each with `isClosed` and `probability` metadata), and a portal's own renewals pipeline whose stage ids
# are opaque numbers, as custom pipelines' are.
PIPELINES = [
    {"id": "default", "label": "Sales Pipeline", "stages": [
        ("appointmentscheduled", "Appointment Scheduled", "false", "0.2"),
        ("qualifiedtobuy", "Qualified To Buy", "false", "0.4"),
        ("presentationscheduled", "Presentation Scheduled", "false", "0.6"),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "false", "0.8"),
        ("contractsent", "Contract Sent", "false", "0.9"),
        ("closedwon", "Closed Won", "true", "1.0"),
        ("closedlost", "Closed Lost", "true", "0.0")]},
    {"id": "71854310", "label": "Renewals", "stages": [
        ("154216790", "Renewal due", "false", "0.5"),
        ("154216791", "Renewed", "true", "1.0"),
        ("154216792", "Churned", "true", "0.0")]},
]
SCHEMA["deals"]["dealstage"].options = [stage[0] for pipeline in PIPELINES for stage in pipeline["stages"]]


def stage_metadata(stage: str | None) -> tuple[bool, bool]:
    """(closed, won) of a deal stage, from its pipeline's metadata."""
    for pipeline in PIPELINES:
        for stage_id, _label, closed, probability in pipeline["stages"]:
            if stage_id == stage:
                return closed == "true", closed == "true" and float(probability) == 1.0
    return False, False
# The properties a fresh push-only portal has already been set up with (by `leadpact crm connect`).
LEADPACT_PROPERTIES = {"leadpact_id": Prop(custom=True), "leadpact_fit_score": Prop(type="number", custom=True),
                       "leadpact_fit_grade": Prop(custom=True), "leadpact_engagement_score": Prop(type="number",
                                                                                                   custom=True),
                       "leadpact_rejection_reason": Prop(custom=True)}
REQUIRED_ON_CREATE = {"notes": ["hs_timestamp"], "tasks": ["hs_timestamp"], "calls": ["hs_timestamp"],
                      "emails": ["hs_timestamp"], "meetings": ["hs_timestamp"]}
MODIFIED = {"contacts": ("createdate", "lastmodifieddate"), "deals": ("createdate", "hs_lastmodifieddate"),
            "companies": ("createdate", "hs_lastmodifieddate")}
# HUBSPOT_DEFINED association types from an engagement (or deal) to a contact, and back.
TO_CONTACT = {"notes": 202, "tasks": 204, "calls": 194, "emails": 198, "meetings": 200, "deals": 3}
FROM_CONTACT = {"notes": 201, "tasks": 203, "calls": 193, "emails": 197, "meetings": 199, "deals": 4}
DEAL_TO_COMPANY, COMPANY_TO_DEAL = 5, 6


class HubSpotError(Exception):
    """An error answered in HubSpot's shape."""

    def __init__(self, status: int, message: str, category: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.category, self.extra = status, message, category, extra

    def body(self) -> dict[str, Any]:
        """The JSON body HubSpot answers with."""
        return {"status": "error", "message": self.message, "correlationId": str(uuid.uuid4()),
                "category": self.category, **self.extra}


def invalid_properties(problems: list[dict[str, Any]]) -> HubSpotError:
    """HubSpot's 400 for bad property values: one entry per property, inside the message."""
    return HubSpotError(400, f"Property values were not valid: {json.dumps(problems)}", "VALIDATION_ERROR")


def parse_datetime(value: Any) -> datetime | None:
    """A HubSpot datetime value (epoch ms or ISO 8601), or None when it is neither."""
    text = str(value)
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def check_value(object_type: str, name: str, prop: Prop, value: Any, owners: set[str]) -> dict[str, Any] | None:
    """The problem with writing `value` to a property, in HubSpot's words, or None when it is fine."""
    def problem(error: str, message: str) -> dict[str, Any]:
        return {"isValid": False, "message": message, "error": error, "name": name, "localizedErrorMessage": message}

    if prop.read_only:
        return problem("READ_ONLY_VALUE", f'Property "{name}" is read-only')
    if value is None or value == "":
        return None  # clearing a property is allowed
    if not isinstance(value, str | int | float | bool):
        return problem("INVALID_VALUE", f"{value!r} is not a valid value for {name}")
    text = str(value)
    if prop.owner and text not in owners:
        return problem("INVALID_OWNER_ID", f"{text} is not a valid owner id")
    if prop.options is not None and not prop.owner and text not in prop.options:
        return problem("INVALID_OPTION", f'{text} was not one of the allowed options: [{", ".join(prop.options)}]')
    if prop.type == "number":
        try:
            float(text)
        except ValueError:
            return problem("INVALID_FLOAT", f"{text} is not a valid number")
    if prop.type == "datetime" and parse_datetime(text) is None:
        return problem("INVALID_DATE", f"{text} is not a valid datetime (epoch milliseconds or ISO 8601)")
    if prop.max_length and len(text) > prop.max_length:
        return problem("INVALID_LENGTH", f"{name} is longer than {prop.max_length} characters")
    if object_type == "contacts" and name == "email" and "@" not in text:
        return problem("INVALID_EMAIL", f"Email address {text} is invalid")
    return None


def require_keys(body: Any, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
    """A JSON object with only `allowed` keys and every `required` one, else HubSpot's 400."""
    if not isinstance(body, dict):
        raise HubSpotError(400, f"Invalid input JSON on line 1: {where} must be an object", "VALIDATION_ERROR")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise HubSpotError(400, f"Invalid input JSON: Unrecognized field(s) {unknown} in {where}",
                           "VALIDATION_ERROR")
    missing = sorted(k for k in required if body.get(k) is None)
    if missing:
        raise HubSpotError(400, f"Invalid input JSON: missing required field(s) {missing} in {where}",
                           "VALIDATION_ERROR")
    return body
