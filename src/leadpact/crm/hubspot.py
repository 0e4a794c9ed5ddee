"""HubSpot (CRM v3) through the official `hubspot-api-client`: contacts by email, notes, tasks, changes back."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from leadpact.clock import isoformat
from leadpact.crm import hubspot_history, hubspot_pull
from leadpact.crm.base import (
    ConnectionReport,
    CrmChange,
    CrmConflict,
    CrmConnector,
    CrmErasure,
    CrmInvalid,
    CrmNote,
    CrmNotFound,
    CrmPerson,
    CrmTask,
    CrmUnavailable,
    PullResult,
    Upserted,
)
from leadpact.crm.hubspot_api import HUBSPOT_API, HubSpotApi, chunks
from leadpact.crm.mapping import CrmMapping
from leadpact.crm.retry import RequestPacer, RetryPolicy
from leadpact.feedback.history import HistoricDeal

NOTE_TO_CONTACT = 202
TASK_TO_CONTACT = 204
NOTE_BODY_LIMIT = 65_536
# Identity fields a rep may have corrected in HubSpot: filled when empty, never overwritten.
IDENTITY = {"firstname": "first_name", "lastname": "last_name", "company": "company", "jobtitle": "title",
            "phone": "phone", "country": "country", "industry": "industry"}
PRIORITY = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}


def _email(person: CrmPerson) -> str:
    return (person.email or "").lower()


def _email_of(contact: Any) -> str:
    return (contact.properties.get("email") or "").lower()


def _upserted(contact: Any, *, created: bool) -> Upserted:
    status = contact.properties.get("hs_lead_status")
    return Upserted(_email_of(contact), str(contact.id), created, status, status_written=created and bool(status))


def marker(key: str) -> str:
    """The text written into a note or task so a retry can recognise what an earlier attempt created."""
    return f"[{key}]"


class HubSpotConnector(CrmConnector):
    """Pushes people as contacts (matched by email), briefs as notes and follow-ups as tasks; pulls changes."""

    name = "hubspot"
    supports_webhooks = True

    def __init__(self, *, token: str, base_url: str = HUBSPOT_API, mapping: CrmMapping | None = None,
                 webhook_secret: str | None = None, policy: RetryPolicy | None = None,
                 requests_per_ten_seconds: int | None = 180, searches_per_second: int | None = 4,
                 batch_size: int = 100, timeout: float = 30.0) -> None:
        super().__init__(mapping=mapping, batch_size=min(batch_size, 100))
        # Pace a little under the private-app limit (190 / 10 s) so a busy push rarely meets a 429 at all.
        pacer = RequestPacer(requests_per_ten_seconds, 10.0) if requests_per_ten_seconds else None
        search_pacer = RequestPacer(searches_per_second, 1.0) if searches_per_second else None
        self.api = HubSpotApi(token=token, base_url=base_url, policy=policy or RetryPolicy(), pacer=pacer,
                              search_pacer=search_pacer, timeout=timeout)
        self.webhook_secret = webhook_secret

    # ---- contacts -------------------------------------------------------------------------------------------

    def upsert_people(self, people: Sequence[CrmPerson]) -> list[Upserted]:
        """Create or update contacts: by known id, else by email; a 409 on create is resolved to the existing id."""
        for person in people:
            if not person.email:
                raise CrmInvalid(f"person {person.key} has no email address: HubSpot matches contacts by email")
        done: dict[str, Upserted] = {}
        # One contact per email even when a batch holds several handoffs of the same person.
        unique = list({_email(p): p for p in people}.values())
        for part in chunks(unique, self.batch_size):
            done |= self._upsert_part(part)
        return [replace(done[_email(p)], key=p.key) for p in people]

    def _read_fields(self) -> list[str]:
        return ["email", "lifecyclestage", "hs_lead_status", *IDENTITY]

    def _current(self, people: Sequence[CrmPerson]) -> dict[str, Any]:
        """The existing contact of each person (by email), read by id where known and by email otherwise."""
        by_id = {p.crm_id: p for p in people if p.crm_id}
        found: dict[str, Any] = {}
        for contact in self.api.read("contacts", list(by_id), self._read_fields()):
            found[_email(by_id[str(contact.id)])] = contact
        rest = [_email(p) for p in people if _email(p) not in found]
        for contact in self.api.read("contacts", rest, self._read_fields(), id_property="email"):
            found.setdefault((contact.properties.get("email") or "").lower(), contact)
        return found

    def _upsert_part(self, people: Sequence[CrmPerson]) -> dict[str, Upserted]:
        current = self._current(people)
        done: dict[str, Upserted] = {}
        creates = [p for p in people if _email(p) not in current]
        if creates:
            try:
                for contact in self.api.create("contacts", [(self._properties(p, None), []) for p in creates]):
                    done[_email_of(contact)] = _upserted(contact, created=True)
            except CrmConflict:
                # Someone created one of them since our read (reads lag just after a create): create one at a
                # time and update the ones that exist, found by the id HubSpot names in the conflict.
                for person in creates:
                    try:
                        [contact] = self.api.create("contacts", [(self._properties(person, None), [])])
                        done[_email(person)] = _upserted(contact, created=True)
                    except CrmConflict as conflict:
                        current[_email(person)] = self._existing(person, conflict)
        updates = [(p, current[_email(p)]) for p in people if _email(p) not in done]
        if updates:
            writes = [(p, c, self._properties(p, c.properties)) for p, c in updates]
            self.api.update("contacts", [(str(c.id), values) for _p, c, values in writes])
            for person, contact, values in writes:
                written = values.get("hs_lead_status")
                status = written or contact.properties.get("hs_lead_status")
                done[_email(person)] = Upserted(_email(person), str(contact.id), False, status, bool(written))
        return done

    def _existing(self, person: CrmPerson, conflict: CrmConflict) -> Any:
        """The contact a 409 was about: by the id in its message, else by email."""
        if conflict.existing_id:
            found = self.api.read("contacts", [conflict.existing_id], self._read_fields())
        else:
            found = self.api.read("contacts", [_email(person)], self._read_fields(), id_property="email")
        if not found:
            raise conflict
        return found[0]

    def _properties(self, person: CrmPerson, current: Mapping[str, Any] | None) -> dict[str, str]:
        """The contact properties to write: leadpact's own always, identity only where empty, stages forward."""
        current = current or {}
        # The email is how HubSpot matches contacts: set it on create, never change one a rep corrected.
        values: dict[str, str] = {} if current.get("email") else {"email": person.email or ""}
        for hubspot_name, attribute in IDENTITY.items():
            value = getattr(person, attribute)
            if value and not current.get(hubspot_name):
                values[hubspot_name] = str(value)
        fields = self.mapping.fields
        for role in ("key", "fit_score", "grade", "engagement_score"):
            value = getattr(person, role)
            if fields.get(role) and value is not None:
                values[fields[role]] = f"{value:g}" if isinstance(value, float) else str(value)  # type: ignore[index]
        if person.owner_id:
            values["hubspot_owner_id"] = person.owner_id
        stage = self.mapping.stage_for(person.lifecycle, current.get("lifecyclestage"))
        if stage:
            values["lifecyclestage"] = stage
        if not current.get("hs_lead_status"):
            values["hs_lead_status"] = self.mapping.new_status  # never overwrite a status a rep has set
        return values

    # ---- notes and tasks ------------------------------------------------------------------------------------

    def add_notes(self, notes: Sequence[CrmNote]) -> list[Upserted]:
        """Create or update notes associated with their contacts (type 202)."""
        def properties(note: CrmNote) -> dict[str, str]:
            body = "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in note.body.split("\n\n") if part)
            footer = f"<p>{html.escape(marker(note.key))}</p>"
            values = {"hs_timestamp": isoformat(note.at),
                      "hs_note_body": body[: NOTE_BODY_LIMIT - len(footer)] + footer}
            if note.owner_id:
                values["hubspot_owner_id"] = note.owner_id
            return values

        return self._engagements("notes", notes, properties, NOTE_TO_CONTACT, "hs_note_body", created_only={})

    def create_tasks(self, tasks: Sequence[CrmTask]) -> list[Upserted]:
        """Create or update follow-up tasks due at the SLA deadline, associated with their contacts (type 204)."""
        def properties(task: CrmTask) -> dict[str, str]:
            values = {"hs_timestamp": isoformat(task.due_at), "hs_task_subject": f"{task.subject} {marker(task.key)}",
                      "hs_task_body": task.body, "hs_task_priority": PRIORITY.get(task.priority, "HIGH"),
                      "hs_task_type": "CALL"}
            if task.owner_id:
                values["hubspot_owner_id"] = task.owner_id
            return values

        # A re-push must not reopen a task the rep has completed: the status is written on create only.
        return self._engagements("tasks", tasks, properties, TASK_TO_CONTACT, "hs_task_subject",
                                 created_only={"hs_task_status": "NOT_STARTED"})

    def _engagements(self, object_type: str, items: Sequence[Any], properties: Callable[[Any], dict[str, str]],
                     association: int, marked: str, *, created_only: dict[str, str]) -> list[Upserted]:
        known = {item.key: item.crm_id for item in items if item.crm_id}
        known |= self._recover(object_type, [i for i in items if not i.crm_id and i.recover], marked)
        done: dict[str, Upserted] = {}
        updates = [item for item in items if item.key in known]
        for part in chunks(updates, self.batch_size):
            try:
                results = self.api.update(object_type, [(known[i.key], properties(i)) for i in part])
            except CrmNotFound:
                results = []
            updated = {str(r.id) for r in results}
            for item in part:
                if known[item.key] in updated:
                    done[item.key] = Upserted(item.key, known[item.key], False)
        # Anything not updated (new, or deleted in HubSpot since) is created.
        creates = [item for item in items if item.key not in done]
        for part in chunks(creates, self.batch_size):
            inputs = [(properties(i) | created_only, [(i.person_crm_id, association)]) for i in part]
            by_marker = {marker(i.key): i for i in part}
            for result in self.api.create(object_type, inputs):
                text = result.properties.get(marked) or ""
                # Batch results need not come back in input order: match each by the marker it carries.
                for mark, item in by_marker.items():
                    if mark in text:
                        done[item.key] = Upserted(item.key, str(result.id), True)
        missing = [item.key for item in items if item.key not in done]
        if missing:
            raise CrmUnavailable(f"HubSpot did not return the {object_type} it created for {', '.join(missing)}")
        return [done[item.key] for item in items]

    def _recover(self, object_type: str, items: Sequence[CrmNote | CrmTask], marked: str) -> dict[str, str]:
        """Find what an interrupted attempt already created: the contact's associated objects carrying the marker."""
        if not items:
            return {}
        linked = self.api.associated("contacts", object_type, [i.person_crm_id for i in items])
        candidates = sorted({oid for i in items for oid in linked.get(i.person_crm_id, [])})
        texts = {str(o.id): o.properties.get(marked) or "" for o in self.api.read(object_type, candidates, [marked])}
        found = {}
        for item in items:
            for object_id in linked.get(item.person_crm_id, []):
                if marker(item.key) in texts.get(object_id, ""):
                    found[item.key] = object_id
                    break
        return found

    # ---- erasure --------------------------------------------------------------------------------------------

    def erase_person(self, erasure: CrmErasure) -> int:
        """Archive the notes and tasks leadpact wrote, then GDPR-delete the contact: by its id when leadpact pushed
        it, else by email (HubSpot blocklists an address it does not find, so the person is not re-created)."""
        for object_type, ids in (("notes", erasure.note_ids), ("tasks", erasure.task_ids)):
            if ids:
                self.api.archive(object_type, ids)
        deleted = len(erasure.note_ids) + len(erasure.task_ids)
        if erasure.person_ids:
            deleted += sum(self.api.gdpr_delete(contact_id) for contact_id in erasure.person_ids)
        elif erasure.email:
            deleted += self.api.gdpr_delete(erasure.email, by_email=True)
        return deleted

    # ---- the other direction --------------------------------------------------------------------------------

    def pull_changes(self, since: datetime) -> PullResult:
        """Lead status changes, calls/emails/meetings and deals modified in HubSpot since `since`."""
        return hubspot_pull.pull(self, since)

    def webhook_refusal(self, *, method: str, uri: str, body: bytes, headers: Mapping[str, str],
                        now: datetime) -> str | None:
        """Check a webhook's v3 signature and that its timestamp is within five minutes; say why it fails."""
        return hubspot_pull.refusal(self.webhook_secret, method=method, uri=uri, body=body, headers=headers,
                                    now=now)

    def parse_webhook(self, body: bytes) -> list[CrmChange]:
        """Turn a verified webhook body (a JSON array of events) into changes."""
        return hubspot_pull.parse_events(self, body)

    def pull_history(self, since: datetime | None) -> list[HistoricDeal]:
        """Every closed deal in HubSpot, with its people, account and owner, as history."""
        return hubspot_history.pull_history(self, since)

    def check(self, *, create_missing: bool = False) -> ConnectionReport:
        """List the owners, and check (optionally create) the custom properties and option values the mapping uses."""
        return hubspot_pull.check(self, create_missing=create_missing)
