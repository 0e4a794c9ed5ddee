"""Salesforce through `simple-salesforce`: Leads by external id (or Email), Notes, Tasks, SOQL polling back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from requests.adapters import HTTPAdapter

from leadpact.crm import salesforce_history, salesforce_pull
from leadpact.crm.base import (
    ConnectionReport,
    CrmConnector,
    CrmErasure,
    CrmNote,
    CrmPerson,
    CrmTask,
    PullResult,
    Upserted,
)
from leadpact.crm.mapping import CrmMapping
from leadpact.crm.retry import RetryPolicy
from leadpact.crm.salesforce_api import SalesforceApi, soql_list
from leadpact.feedback.history import HistoricDeal

NOT_PROVIDED = "[not provided]"  # what Salesforce's own web-to-lead writes when a required field is unknown
# Identity fields a rep may have corrected in Salesforce: filled when empty, never overwritten.
IDENTITY = {"FirstName": "first_name", "LastName": "last_name", "Company": "company", "Title": "title",
            "Phone": "phone", "Country": "country", "Industry": "industry", "NumberOfEmployees": "employees",
            "Description": "description"}
PRIORITY = {"high": "High", "medium": "Normal", "low": "Low"}


class PinnedCaAdapter(HTTPAdapter):
    """An adapter that verifies TLS against one CA bundle whatever the environment says."""

    def __init__(self, ca_bundle: str) -> None:
        super().__init__()
        self.ca_bundle = ca_bundle

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with `verify` set to the pinned bundle."""
        kwargs["verify"] = self.ca_bundle
        return super().send(request, **kwargs)


def marker(key: str) -> str:
    """The text written into a note's title or a task's subject so a retry recognises what it created."""
    return f"[{key}]"


class SalesforceConnector(CrmConnector):
    """Pushes people as Leads (by external id, else Email), briefs as Notes, follow-ups as Tasks; polls changes."""

    name = "salesforce"

    def __init__(self, *, instance_url: str, token: str, version: str = "59.0", mapping: CrmMapping | None = None,
                 session: requests.Session | None = None, ca_bundle: str | None = None,
                 policy: RetryPolicy | None = None, batch_size: int = 200, timeout: float = 30.0) -> None:
        super().__init__(mapping=mapping, batch_size=min(batch_size, 200))
        session = session or requests.Session()
        if ca_bundle:
            session.verify = ca_bundle
            # requests lets REQUESTS_CA_BUNDLE override Session.verify; pin the bundle on the adapter instead.
            session.mount(instance_url.rstrip("/") + "/", PinnedCaAdapter(ca_bundle))
        self.api = SalesforceApi(instance_url=instance_url, token=token, version=version, session=session,
                                 policy=policy or RetryPolicy(), timeout=timeout)

    @property
    def key_field(self) -> str:
        """The Lead's external id field holding leadpact's key."""
        return self.mapping.fields.get("key") or "Leadpact_Id__c"

    # ---- leads ----------------------------------------------------------------------------------------------

    def upsert_people(self, people: Sequence[CrmPerson]) -> list[Upserted]:
        """Upsert Leads by external id; a Lead found only by Email (or by id) is updated and given the key."""
        done: dict[str, Upserted] = {}
        unique = list({p.key: p for p in people}.values())
        for start in range(0, len(unique), self.batch_size):
            done |= self._upsert_part(unique[start : start + self.batch_size])
        return [done[p.key] for p in people]

    def _existing(self, people: Sequence[CrmPerson]) -> dict[str, dict[str, Any]]:
        """The current Lead of each person, matched by id, then external id, then Email."""
        key = self.key_field
        fields = ["Id", "Email", "Status", key, "IsConverted", "ConvertedContactId", *IDENTITY]
        where = [f"{key} IN {soql_list([p.key for p in people])}"]
        if emails := [p.email for p in people if p.email]:
            where.append(f"Email IN {soql_list(emails)}")
        if ids := [p.crm_id for p in people if p.crm_id]:
            where.append(f"Id IN {soql_list(ids)}")
        leads = self.api.query(f"SELECT {', '.join(dict.fromkeys(fields))} FROM Lead WHERE {' OR '.join(where)}")
        found: dict[str, dict[str, Any]] = {}
        for matches in (lambda p, lead: lead["Id"] == p.crm_id, lambda p, lead: lead.get(key) == p.key,
                        lambda p, lead: p.email and (lead.get("Email") or "").lower() == p.email.lower()):
            for person in people:
                if person.key not in found:
                    # Unconverted leads first: a converted one can no longer be updated.
                    candidates = sorted((lead for lead in leads if matches(person, lead)),
                                        key=lambda lead: bool(lead.get("IsConverted")))
                    if candidates:
                        found[person.key] = candidates[0]
        return found

    def _upsert_part(self, people: Sequence[CrmPerson]) -> dict[str, Upserted]:
        existing = self._existing(people)
        done: dict[str, Upserted] = {}
        by_key, by_id = [], []
        for person in people:
            lead = existing.get(person.key)
            if lead and lead.get("IsConverted"):
                # Converted: the person lives on as a Contact; notes and tasks go there, the Lead stays as it is.
                done[person.key] = Upserted(person.key, lead["ConvertedContactId"] or lead["Id"], False, lead["Status"])
            elif lead and lead.get(self.key_field) != person.key:
                by_id.append((person, lead))
            else:
                by_key.append((person, lead))
        key = self.key_field
        if by_key:
            records = [{"attributes": {"type": "Lead"}, key: p.key, **self._fields(p, lead)} for p, lead in by_key]
            answers = self.api.collection("PATCH", f"composite/sobjects/Lead/{key}", records)
            for (person, lead), answer, record in zip(by_key, answers, records, strict=True):
                status = record.get("Status") or (lead or {}).get("Status")
                done[person.key] = Upserted(person.key, answer["id"], bool(answer.get("created")), status,
                                            "Status" in record)
        if by_id:
            records = [{"attributes": {"type": "Lead"}, "id": lead["Id"], key: p.key, **self._fields(p, lead)}
                       for p, lead in by_id]
            self.api.collection("PATCH", "composite/sobjects", records)
            for (person, lead), record in zip(by_id, records, strict=True):
                done[person.key] = Upserted(person.key, lead["Id"], False, record.get("Status") or lead.get("Status"),
                                            "Status" in record)
        return done

    def _fields(self, person: CrmPerson, lead: dict[str, Any] | None) -> dict[str, Any]:
        """Lead fields to write: owner, rating and scores always; identity only where empty; status only on create."""
        lead = lead or {}
        values: dict[str, Any] = {}
        for field, attribute in IDENTITY.items():
            value = getattr(person, attribute)
            if value not in (None, "") and lead.get(field) in (None, "", NOT_PROVIDED):
                values[field] = value
        if not lead:
            values.setdefault("LastName", NOT_PROVIDED)
            values.setdefault("Company", NOT_PROVIDED)
            values["Status"] = self.mapping.new_status  # a rep's status is theirs to change
            if self.mapping.fields.get("lead_source"):
                values["LeadSource"] = self.mapping.fields["lead_source"]
        if person.email and not lead.get("Email"):
            values["Email"] = person.email
        if person.owner_id:
            values["OwnerId"] = person.owner_id
        if person.grade and person.grade in self.mapping.rating:
            values["Rating"] = self.mapping.rating[person.grade]
        for role in ("fit_score", "grade", "engagement_score"):
            field_name = self.mapping.fields.get(role)
            if field_name and getattr(person, role) is not None:
                values[field_name] = getattr(person, role)
        return values

    # ---- notes and tasks ------------------------------------------------------------------------------------

    def add_notes(self, notes: Sequence[CrmNote]) -> list[Upserted]:
        """Create or update Notes on the Leads (ParentId), the brief in the Body."""
        def fields(note: CrmNote, creating: bool) -> dict[str, Any]:
            title = f"{note.title} {marker(note.key)}"
            values = {"Title": title[-80:] if len(title) > 80 else title, "Body": note.body[:32_000]}
            if creating:
                values["ParentId"] = note.person_crm_id
                if note.owner_id:
                    values["OwnerId"] = note.owner_id
            return values

        return self._activities("Note", notes, fields, "ParentId", "Title")

    def create_tasks(self, tasks: Sequence[CrmTask]) -> list[Upserted]:
        """Create or update follow-up Tasks (WhoId) due on the SLA deadline's date, reminding at its moment."""
        def fields(task: CrmTask, creating: bool) -> dict[str, Any]:
            values = {"Subject": f"{task.subject} {marker(task.key)}"[-255:], "Description": task.body[:32_000],
                      "ActivityDate": task.due_at.astimezone(_zone(task.timezone)).date().isoformat(),
                      "ReminderDateTime": task.due_at.isoformat(), "IsReminderSet": True,
                      "Priority": PRIORITY.get(task.priority, "High")}
            if task.owner_id:
                values["OwnerId"] = task.owner_id
            if creating:
                # Status only on create: a re-push must not reopen a task the rep has completed.
                values |= {"WhoId": task.person_crm_id, "Status": "Not Started", "TaskSubtype": "Call"}
            return values

        return self._activities("Task", tasks, fields, "WhoId", "Subject")

    def _activities(self, sobject: str, items: Sequence[Any], fields: Callable[[Any, bool], dict[str, Any]],
                    parent: str, marked: str) -> list[Upserted]:
        known = {i.key: i.crm_id for i in items if i.crm_id}
        known |= self._recover(sobject, [i for i in items if not i.crm_id and i.recover], parent, marked)
        done: dict[str, Upserted] = {}
        updates = [i for i in items if i.key in known]
        if updates:
            alive = {r["Id"] for r in self.api.query(
                f"SELECT Id FROM {sobject} WHERE Id IN {soql_list([known[i.key] for i in updates])}")}
            updates = [i for i in updates if known[i.key] in alive]  # deleted in Salesforce since: create again
            records = [{"attributes": {"type": sobject}, "id": known[i.key], **fields(i, False)} for i in updates]
            self.api.collection("PATCH", "composite/sobjects", records)
            done |= {i.key: Upserted(i.key, known[i.key], False) for i in updates}
        creates = [i for i in items if i.key not in done]
        if creates:
            records = [{"attributes": {"type": sobject}, **fields(i, True)} for i in creates]
            # Not resent on a 5xx: it may have worked; the push records the attempt and looks first next time.
            answers = self.api.collection("POST", "composite/sobjects", records, retry=False)
            done |= {i.key: Upserted(i.key, a["id"], True) for i, a in zip(creates, answers, strict=True)}
        return [done[i.key] for i in items]

    def _recover(self, sobject: str, items: Sequence[CrmNote | CrmTask], parent: str, marked: str) -> dict[str, str]:
        """What an interrupted attempt already created: records under the same lead carrying the marker."""
        if not items:
            return {}
        rows = self.api.query(f"SELECT Id, {parent}, {marked} FROM {sobject} "
                              f"WHERE {parent} IN {soql_list(sorted({i.person_crm_id for i in items}))}")
        found = {}
        for item in items:
            for row in rows:
                if row[parent] == item.person_crm_id and marker(item.key) in (row.get(marked) or ""):
                    found[item.key] = row["Id"]
                    break
        return found

    # ---- erasure --------------------------------------------------------------------------------------------

    def erase_person(self, erasure: CrmErasure) -> int:
        """Delete the Notes and Tasks leadpact wrote and the person's Leads (found by id, leadpact's external id
        or Email) with the Contacts they were converted to."""
        where = [f"{self.key_field} = {soql_list([erasure.key])[1:-1]}"]
        if erasure.email:
            where.append(f"Email = {soql_list([erasure.email])[1:-1]}")
        if erasure.person_ids:
            where.append(f"Id IN {soql_list(list(erasure.person_ids))}")
        leads = self.api.query(f"SELECT Id, ConvertedContactId FROM Lead WHERE {' OR '.join(where)}")
        people = [*erasure.person_ids, *(lead["Id"] for lead in leads),
                  *(lead["ConvertedContactId"] for lead in leads if lead.get("ConvertedContactId"))]
        # Activities first: deleting a Lead takes its activities with it, and asking for them after is wasted.
        return self.api.delete([*erasure.note_ids, *erasure.task_ids]) + self.api.delete(people)

    # ---- the other direction --------------------------------------------------------------------------------

    def pull_changes(self, since: datetime) -> PullResult:
        """Lead status changes, completed Tasks and Opportunities modified since `since` (SOQL)."""
        return salesforce_pull.pull(self, since)

    def pull_history(self, since: datetime | None) -> list[HistoricDeal]:
        """Every closed deal in Salesforce, with its people, account and owner, as history."""
        return salesforce_history.pull_history(self, since)

    def check(self, *, create_missing: bool = False) -> ConnectionReport:
        """Describe Lead (external id field, status and rating values) and list active users as owners."""
        report = salesforce_pull.check(self)
        if create_missing and report.missing:
            # Fields and picklist values are metadata: an admin adds them in Setup, not through this API.
            report.detail += "; add the missing items in Salesforce Setup (metadata cannot be created here)"
        return report


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")

