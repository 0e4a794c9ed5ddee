"""The in-memory Salesforce org behind the contract server: sObjects, their fields, validation and SOQL."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tests.crm.servers.soql import SoqlError, holds, parse

LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"]
TASK_STATUSES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]
STAGES = {"Prospecting": (False, False), "Qualification": (False, False), "Closed Won": (True, True),
          "Closed Lost": (True, False)}
PREFIX = {"Lead": "00Q", "Task": "00T", "Note": "002", "Opportunity": "006", "User": "005", "Contact": "003",
          "Account": "001", "OpportunityContactRole": "00K"}
# Relationship names SOQL follows with a dot (`Account.Name`): the reference field each one reads.
RELATIONSHIPS = {"Account": "AccountId", "Owner": "OwnerId", "Contact": "ContactId", "Opportunity": "OpportunityId",
                 "Who": "WhoId", "What": "WhatId"}


@dataclass
class Field:
    """One field: its type, whether the API may write it, picklist values, references, length."""

    type: str = "string"  # string | textarea | email | picklist | boolean | int | double | date | datetime | reference
    writable: bool = True
    picklist: list[str] | None = None
    refers_to: tuple[str, ...] = ()
    length: int | None = None
    external_id: bool = False
    on_update: bool = True  # false: settable on create only

    def describe(self, name: str) -> dict[str, Any]:
        """The field as `sobjects/X/describe` lists it."""
        return {"name": name, "type": self.type, "createable": self.writable, "updateable": self.writable and
                self.on_update, "externalId": self.external_id, "unique": self.external_id,
                "length": self.length or 0, "referenceTo": list(self.refers_to),
                "picklistValues": [{"value": v, "label": v, "active": True, "defaultValue": False}
                                   for v in self.picklist or []]}


READ = Field(type="datetime", writable=False)
OWNER = Field(type="reference", refers_to=("User",))
COMMON = {"Id": Field(type="id", writable=False), "CreatedDate": READ, "LastModifiedDate": READ,
          "SystemModstamp": READ, "OwnerId": OWNER}
SCHEMA: dict[str, dict[str, Field]] = {
    "Lead": {**COMMON, "Company": Field(length=255), "LastName": Field(length=80), "FirstName": Field(length=40),
             "Email": Field(type="email"), "Title": Field(length=128), "Phone": Field(), "Country": Field(),
             "Status": Field(type="picklist", picklist=LEAD_STATUSES), "LeadSource": Field(type="picklist",
                                                                                          picklist=["Web", "Other"]),
             "Rating": Field(type="picklist", picklist=["Hot", "Warm", "Cold"]), "Industry": Field(),
             "NumberOfEmployees": Field(type="int"), "AnnualRevenue": Field(type="double"),
             "Description": Field(type="textarea", length=32_000), "IsConverted": Field(type="boolean",
                                                                                        writable=False),
             "ConvertedAccountId": Field(type="reference", writable=False),
             "ConvertedContactId": Field(type="reference", writable=False),
             "ConvertedOpportunityId": Field(type="reference", writable=False),
             "ConvertedDate": Field(type="date", writable=False), "HasOptedOutOfEmail": Field(type="boolean"),
             "DoNotCall": Field(type="boolean"), "Leadpact_Id__c": Field(length=64, external_id=True)},
    "Task": {**COMMON, "WhoId": Field(type="reference", refers_to=("Lead", "Contact")), "WhatId": Field(
        type="reference", refers_to=("Opportunity",)), "Subject": Field(length=255), "ActivityDate": Field(type="date"),
        "Status": Field(type="picklist", picklist=TASK_STATUSES), "Priority": Field(type="picklist",
                                                                                   picklist=["High", "Normal", "Low"]),
        "Description": Field(type="textarea", length=32_000), "TaskSubtype": Field(
            type="picklist", picklist=["Task", "Email", "ListEmail", "Cadence", "Call"], on_update=False),
        "CallDisposition": Field(), "ReminderDateTime": Field(type="datetime"), "IsReminderSet": Field(
            type="boolean"), "IsClosed": Field(type="boolean", writable=False), "CompletedDateTime": READ},
    "Note": {**COMMON, "ParentId": Field(type="reference", refers_to=("Lead", "Contact"), on_update=False),
             "Title": Field(length=80), "Body": Field(type="textarea", length=32_000), "IsPrivate": Field(
                 type="boolean")},
    "Opportunity": {**COMMON, "Name": Field(length=120), "StageName": Field(type="picklist", picklist=list(STAGES)),
                    "Amount": Field(type="double"), "CloseDate": Field(type="date"), "IsClosed": Field(
                        type="boolean", writable=False), "IsWon": Field(type="boolean", writable=False),
                    "AccountId": Field(type="reference", refers_to=("Account",)),
                    "Loss_Reason__c": Field(type="picklist", picklist=["Price", "Competitor", "No Decision",
                                                                       "Timing"])},
    "Contact": {**COMMON, "LastName": Field(length=80), "FirstName": Field(length=40), "Email": Field(type="email"),
                "Title": Field(length=128), "AccountId": Field(type="reference", refers_to=("Account",))},
    "Account": {**COMMON, "Name": Field(length=255), "Website": Field(length=255), "Industry": Field(
        type="picklist", picklist=["Agriculture", "Banking", "Education", "Finance", "Healthcare", "Manufacturing",
                                   "Retail", "Technology", "Other"]), "NumberOfEmployees": Field(type="int"),
                "BillingCountry": Field(length=80)},
    "OpportunityContactRole": {**{k: v for k, v in COMMON.items() if k != "OwnerId"}, "OpportunityId": Field(
        type="reference", refers_to=("Opportunity",)), "ContactId": Field(type="reference", refers_to=("Contact",)),
        "Role": Field(type="picklist", picklist=["Decision Maker", "Economic Buyer", "Evaluator", "Influencer",
                                                 "Other"]), "IsPrimary": Field(type="boolean")},
    "User": {"Id": Field(type="id", writable=False), "Name": Field(), "Email": Field(type="email"),
             "IsActive": Field(type="boolean"), "LastModifiedDate": READ},
}
REQUIRED = {"Lead": ["LastName", "Company"], "Note": ["ParentId", "Title"], "Opportunity": ["Name", "StageName",
                                                                                             "CloseDate"],
            "Account": ["Name"], "Contact": ["LastName"], "OpportunityContactRole": ["OpportunityId", "ContactId"]}
DEFAULTS = {"Lead": {"Status": "Open - Not Contacted", "IsConverted": False},
            "Task": {"Status": "Not Started", "Priority": "Normal", "IsClosed": False, "TaskSubtype": "Task"}}


class SalesforceFault(Exception):
    """An error in Salesforce's shape: a list of {message, errorCode, fields}."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []

    def body(self) -> list[dict[str, Any]]:
        """The REST API's error body."""
        return [{"message": self.message, "errorCode": self.code, "fields": self.fields}]

    def record_error(self) -> dict[str, Any]:
        """The error of one record in an sObject Collections answer."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def sf_time(moment: datetime) -> str:
    """Salesforce's datetime text: `2026-10-01T09:00:00.000+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class SalesforceOrg:
    """Records by type and id, users, the token, and test hooks; reads and writes hold `lock`."""

    token: str = "salesforce-test-token"
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t: {} for t in SCHEMA})
    lock: threading.RLock = field(default_factory=threading.RLock)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    failures: list[tuple[str, int]] = field(default_factory=list)
    stalls: dict[str, float] = field(default_factory=dict)
    api_usage: int = 0
    cursors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    recycle_bin: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # deleted id → (type, record)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        for name, email in (("Sam Seller", "sam@northwind.example"), ("Sue Seller", "sue@northwind.example")):
            self.insert("User", {"Name": name, "Email": email, "IsActive": True}, validate=False)

    def new_id(self, sobject: str) -> str:
        """An 18-character id with the object's key prefix."""
        return f"{PREFIX[sobject]}{next(self._ids):012d}AAA"

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """The (type, record) with this id."""
        for sobject, rows in self.records.items():
            if record_id in rows:
                return sobject, rows[record_id]
        return None

    def clean(self, sobject: str, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """Checked and normalised field values, or the SalesforceFault Salesforce would answer."""
        schema = self.records.get(sobject) is not None and SCHEMA[sobject]
        if not schema:
            raise SalesforceFault(404, "NOT_FOUND", f"The requested resource does not exist: sobject {sobject}")
        out: dict[str, Any] = {}
        for name, value in values.items():
            spec = schema.get(name)
            if spec is None:
                raise SalesforceFault(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")
            if not spec.writable or (not creating and not spec.on_update):
                raise SalesforceFault(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                      f"Unable to create/update fields: {name}. Please check the security settings "
                                      "of this field and verify that it is read/write for your profile or "
                                      "permission set.", [name])
            out[name] = self._value(sobject, name, spec, value)
        if creating:
            missing = [n for n in REQUIRED.get(sobject, []) if out.get(n) in (None, "")]
            if missing:
                raise SalesforceFault(400, "REQUIRED_FIELD_MISSING",
                                      f"Required fields are missing: [{', '.join(missing)}]", missing)
        return out

    def _value(self, sobject: str, name: str, spec: Field, value: Any) -> Any:
        if value is None:
            return None
        bad = SalesforceFault(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: value not of required type: {value}",
                              [name])
        if spec.type == "picklist" and value not in (spec.picklist or []):
            raise SalesforceFault(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                  f"{name}: bad value for restricted picklist field: {value}", [name])
        if spec.type == "boolean" and not isinstance(value, bool):
            raise bad
        if spec.type in ("int", "double") and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise bad
        if spec.type == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(value)):
            raise SalesforceFault(400, "INVALID_EMAIL_ADDRESS", f"{name}: invalid email address: {value}", [name])
        if spec.type == "date":
            try:
                return date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise bad from None
        if spec.type == "datetime":
            try:
                return sf_time(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
            except ValueError:
                raise bad from None
        if spec.type == "reference":
            found = self.find(str(value))
            if found is None or (spec.refers_to and found[0] not in spec.refers_to):
                raise SalesforceFault(400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {value}",
                                      [name])
        if spec.type in ("string", "textarea", "email") and not isinstance(value, str):
            raise bad
        if spec.length and isinstance(value, str) and len(value) > spec.length:
            raise SalesforceFault(400, "STRING_TOO_LONG", f"{name}: data value too large: {value[:40]}… "
                                                          f"(max length={spec.length})", [name])
        return value

    def insert(self, sobject: str, values: dict[str, Any], *, validate: bool = True) -> dict[str, Any]:
        """Create a record (validated unless seeded by a test)."""
        values = self.clean(sobject, values, creating=True) if validate else values
        if sobject == "Lead" and values.get("Leadpact_Id__c") and self.by_external_id(values["Leadpact_Id__c"]):
            raise SalesforceFault(400, "DUPLICATE_VALUE", "duplicate value found: Leadpact_Id__c duplicates value on "
                                                          "another record", ["Leadpact_Id__c"])
        now = sf_time(self.now())
        record = {**DEFAULTS.get(sobject, {}), "Id": self.new_id(sobject), "CreatedDate": now}
        if "OwnerId" in SCHEMA[sobject] and sobject != "User":
            record["OwnerId"] = next(iter(self.records["User"]), None)
        self.records[sobject][record["Id"]] = record
        self.change(sobject, record, values)
        return record

    def change(self, sobject: str, record: dict[str, Any], values: dict[str, Any]) -> None:
        """Write values and keep derived fields (closed, won, completion time) and the modification stamp true."""
        record.update(values)
        now = sf_time(self.now())
        if sobject == "Task":
            record["IsClosed"] = record.get("Status") == "Completed"
            if record["IsClosed"] and not record.get("CompletedDateTime"):
                record["CompletedDateTime"] = now
        if sobject == "Opportunity":
            record["IsClosed"], record["IsWon"] = STAGES[record["StageName"]]
        record["LastModifiedDate"] = record["SystemModstamp"] = now

    def delete(self, record_id: str) -> None:
        """Delete a record to the recycle bin; a Lead or Contact takes its Notes and Tasks with it, as in Salesforce
        (raise ENTITY_IS_DELETED for an id that is gone or was never there)."""
        found = self.find(record_id)
        if found is None:
            raise SalesforceFault(404, "ENTITY_IS_DELETED", "entity is deleted")
        sobject, record = found
        if sobject == "User":
            raise SalesforceFault(400, "DELETE_FAILED", "users cannot be deleted; deactivate them instead")
        del self.records[sobject][record_id]
        self.recycle_bin[record_id] = (sobject, record)
        if sobject in ("Lead", "Contact"):
            for child, parent in (("Note", "ParentId"), ("Task", "WhoId")):
                for child_id in [i for i, r in self.records[child].items() if r.get(parent) == record_id]:
                    self.recycle_bin[child_id] = (child, self.records[child].pop(child_id))

    def by_external_id(self, value: str) -> dict[str, Any] | None:
        """The Lead whose external id is `value`."""
        return next((r for r in self.records["Lead"].values() if r.get("Leadpact_Id__c") == value), None)

    def query(self, text: str) -> list[dict[str, Any]]:
        """Run a SOQL query over the records."""
        try:
            query = parse(text)
        except SoqlError as error:
            raise SalesforceFault(400, error.code, str(error)) from None
        schema = SCHEMA.get(query.sobject)
        if schema is None:
            raise SalesforceFault(400, "INVALID_TYPE", f"sObject type '{query.sobject}' is not supported.")
        for name in [*query.fields, *(n for n, _ in query.order)]:
            self._check_field(query.sobject, name)
        rows = [r for r in self.records[query.sobject].values() if holds(query.where, r, _compare(schema))]
        for name, descending in reversed(query.order):
            rows.sort(key=lambda r, n=name: (r.get(n) is None, str(r.get(n) or "")), reverse=descending)
        rows = rows[: query.limit] if query.limit is not None else rows
        url = f"/services/data/v59.0/sobjects/{query.sobject}/"
        answers = []
        for row in rows:
            answer: dict[str, Any] = {"attributes": {"type": query.sobject, "url": url + row["Id"]}}
            for name in query.fields:
                self._select(answer, row, name)
            answers.append(answer)
        return answers

    def _check_field(self, sobject: str, name: str) -> None:
        """Refuse, as Salesforce does, a field (or `Relationship.Field`) the object does not have."""
        relation, _, field_name = name.rpartition(".")
        if not relation:
            if name not in SCHEMA[sobject]:
                raise SalesforceFault(400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
            return
        reference = SCHEMA[sobject].get(RELATIONSHIPS.get(relation, ""))
        if reference is None or "." in relation:
            raise SalesforceFault(400, "INVALID_FIELD", f"Didn't understand relationship '{relation}' in field path. "
                                                        f"If you are attempting to use a custom relationship, be "
                                                        f"sure to append the '__r' after the custom relationship name.")
        if not any(field_name in SCHEMA[target] for target in reference.refers_to):
            raise SalesforceFault(400, "INVALID_FIELD", f"No such column '{field_name}' on entity "
                                                        f"'{reference.refers_to[0]}'.")

    def _select(self, answer: dict[str, Any], row: dict[str, Any], name: str) -> None:
        """Put one selected field into an answer: `Account.Name` nests as {"Account": {attributes, Name}}, or
        {"Account": null} when the reference is empty."""
        relation, _, field_name = name.rpartition(".")
        if not relation:
            answer[name] = row.get(name)
            return
        found = self.find(row.get(RELATIONSHIPS[relation]) or "")
        if found is None:
            answer[relation] = None
            return
        sobject, target = found
        nested = answer.get(relation) or {"attributes": {"type": sobject, "url": f"/services/data/v59.0/sobjects/"
                                                                                 f"{sobject}/{target['Id']}"}}
        nested[field_name] = target.get(field_name)
        answer[relation] = nested


def _compare(schema: dict[str, Field]) -> Callable[[str, Any, str, Any], bool]:
    def compare(name: str, have: Any, operator: str, literal: Any) -> bool:
        if name not in schema:
            raise SalesforceFault(400, "INVALID_FIELD", f"No such column '{name}'")
        spec = schema[name]
        if spec.type == "datetime" and have is not None:
            have = datetime.strptime(have, "%Y-%m-%dT%H:%M:%S.%f%z")
        if operator in ("IN", "NOT IN"):
            inside = have in literal or (isinstance(have, str) and have.lower() in
                                         {v.lower() for v in literal if isinstance(v, str)} and spec.type == "email")
            return inside if operator == "IN" else not inside
        if operator == "LIKE":
            pattern = "^" + re.escape(str(literal)).replace("%", ".*").replace("_", ".") + "$"
            return have is not None and re.match(pattern, str(have), re.IGNORECASE) is not None
        if operator in ("=", "!=", "<>"):
            equal = have == literal or (spec.type == "email" and isinstance(have, str) and isinstance(literal, str)
                                        and have.lower() == literal.lower())
            return equal if operator == "=" else not equal
        if have is None or literal is None:
            return False
        return {"<": have < literal, "<=": have <= literal, ">": have > literal, ">=": have >= literal}[operator]

    return compare
