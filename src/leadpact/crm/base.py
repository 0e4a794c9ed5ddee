"""The capability base class every CRM connector implements, the values it speaks in, and its errors."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from leadpact.crm.mapping import CrmMapping

if TYPE_CHECKING:
    from leadpact.feedback.history import HistoricDeal

log = logging.getLogger("leadpact.crm")


class CrmError(Exception):
    """A CRM call failed; `retryable` says whether the same call may succeed later."""

    retryable: ClassVar[bool] = False


class CrmAuthError(CrmError):
    """The CRM refused the credentials (expired or wrong token, missing scope): a person must fix the connection."""


class CrmRateLimited(CrmError):
    """The CRM asked us to slow down; try again after `retry_after` seconds (`policy` names the limit hit)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, policy: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.policy = policy


class CrmConflict(CrmError):
    """The record already exists in the CRM; `existing_id` is its id when the CRM said which."""

    def __init__(self, message: str, *, existing_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class CrmUnavailable(CrmError):
    """The CRM could not be reached or failed on its side (5xx, timeout): retry with backoff."""

    retryable = True


class CrmInvalid(CrmError):
    """The CRM refused the request as invalid (unknown field, bad value): retrying the same data cannot help."""


class CrmNotFound(CrmError):
    """The record asked for does not exist in the CRM (deleted or merged away)."""


@dataclass(frozen=True)
class CrmPerson:
    """One person as a CRM contact or lead: who they are, where they stand, and how leadpact rates them."""

    key: str  # leadpact's stable id for the person: Salesforce's external id, HubSpot's leadpact_id
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    phone: str | None = None
    country: str | None = None
    industry: str | None = None
    employees: int | None = None
    lifecycle: str | None = None  # leadpact's lifecycle status (mql, hot, handed_off, accepted, …)
    owner_id: str | None = None  # the owner's id in this CRM
    fit_score: float | None = None
    grade: str | None = None
    engagement_score: float | None = None
    description: str | None = None  # the brief, where the CRM has a description field
    crm_id: str | None = None  # the CRM's id when an earlier push learnt it


@dataclass(frozen=True)
class CrmNote:
    """A note on a contact or lead; `key` is written into it so a lost reply can be recovered without a twin."""

    key: str
    person_crm_id: str
    title: str
    body: str  # plain text; the connector formats it for its CRM
    at: datetime
    owner_id: str | None = None
    crm_id: str | None = None
    recover: bool = False  # an earlier attempt may have created it: look before creating


@dataclass(frozen=True)
class CrmTask:
    """A follow-up task for the owner, due at the SLA deadline, on a contact or lead."""

    key: str
    person_crm_id: str
    subject: str
    body: str
    due_at: datetime
    owner_id: str | None = None
    priority: str = "high"  # high | medium | low
    timezone: str = "UTC"  # the owner's zone: date-only due fields (Salesforce ActivityDate) use its calendar
    crm_id: str | None = None
    recover: bool = False


@dataclass(frozen=True)
class Upserted:
    """What one upsert did: CRM id, created or not, the lead status after it, and whether the upsert wrote it."""

    key: str
    crm_id: str
    created: bool
    status: str | None = None
    status_written: bool = False


@dataclass(frozen=True)
class CrmChange:
    """Something a rep did in the CRM that leadpact should hear about: a status change, a touch or a deal."""

    crm: str
    kind: str  # status | touch | deal
    at: datetime
    crm_person_id: str | None = None
    email: str | None = None
    person_key: str | None = None  # leadpact's key when the CRM carries it (Salesforce external id)
    status: str | None = None  # the CRM's lead status value
    touch: bool = False  # counts as a first touch (stops the SLA clock)
    disposition: str | None = None  # accept | reject, from the mapping
    reason: str | None = None  # rejection reason from the pact's vocabulary
    activity: str | None = None  # call | email | meeting | task, for touches
    deal_id: str | None = None
    deal_stage: str | None = None  # open | won | lost
    amount: float | None = None
    lost_reason: str | None = None
    source_id: str | None = None  # the CRM record or webhook event it came from


@dataclass(frozen=True)
class CrmErasure:
    """What to delete from a CRM for one erased person: the records leadpact pushed there (person, notes, tasks)
    and, to find what it did not push, the person's email and leadpact key."""

    key: str
    email: str | None = None
    person_ids: tuple[str, ...] = ()
    note_ids: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()


@dataclass
class PullResult:
    """The changes found since a moment, and the CRM-side time to ask from next."""

    changes: list[CrmChange] = field(default_factory=list)
    cursor: datetime | None = None


@dataclass
class ConnectionReport:
    """What `connect` found: who we are talking to, its owners, and what the mapping expects but is missing."""

    crm: str
    ok: bool
    detail: str
    owners: dict[str, str] = field(default_factory=dict)  # owner email → CRM owner id
    missing: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


class CrmConnector(ABC):
    """A CRM leadpact pushes handoffs to and pulls rep activity from; a new CRM is a new subclass."""

    name: ClassVar[str]
    supports_webhooks: ClassVar[bool] = False

    def __init__(self, *, mapping: CrmMapping | None = None, batch_size: int = 100) -> None:
        self.mapping = mapping or CrmMapping.default(self.name)
        self.batch_size = batch_size

    @abstractmethod
    def upsert_people(self, people: Sequence[CrmPerson]) -> list[Upserted]:
        """Create or update each person (matched by id, then by the CRM's natural key); results in input order."""

    def upsert_person(self, person: CrmPerson) -> Upserted:
        """Create or update one person and return what happened."""
        return self.upsert_people([person])[0]

    @abstractmethod
    def add_notes(self, notes: Sequence[CrmNote]) -> list[Upserted]:
        """Create each note (or update it when its id is known or recovered); results in input order."""

    def add_note(self, note: CrmNote) -> Upserted:
        """Create or update one note."""
        return self.add_notes([note])[0]

    @abstractmethod
    def create_tasks(self, tasks: Sequence[CrmTask]) -> list[Upserted]:
        """Create each task (or update it when its id is known or recovered); results in input order."""

    def create_task(self, task: CrmTask) -> Upserted:
        """Create or update one task."""
        return self.create_tasks([task])[0]

    @abstractmethod
    def erase_person(self, erasure: CrmErasure) -> int:
        """Delete the person's records (and the notes and tasks leadpact wrote about them) through the CRM's own
        delete API; records already gone count as deleted. Return how many records the CRM deleted."""

    @abstractmethod
    def pull_changes(self, since: datetime) -> PullResult:
        """Return status changes, touches and deals modified in the CRM since `since` (CRM time)."""

    def pull_history(self, since: datetime | None) -> list[HistoricDeal]:
        """Every closed deal in the CRM (closed on or after `since`, when given), as history to store."""
        raise CrmInvalid(f"{self.name} cannot read its deal history")

    @abstractmethod
    def check(self, *, create_missing: bool = False) -> ConnectionReport:
        """Try the connection and report what the mapping needs that the CRM lacks (optionally creating it)."""

    def webhook_refusal(self, *, method: str, uri: str, body: bytes, headers: Mapping[str, str],
                        now: datetime) -> str | None:
        """Why an inbound webhook is not authentic and fresh, or None when it is; CRMs without webhooks refuse
        every one."""
        log.warning("%s has no webhooks: refused a %s to %s", self.name, method, uri)
        return f"{self.name} sends no webhooks"

    def verify_webhook(self, *, method: str, uri: str, body: bytes, headers: Mapping[str, str], now: datetime) -> bool:
        """Whether an inbound webhook is authentic and fresh."""
        return self.webhook_refusal(method=method, uri=uri, body=body, headers=headers, now=now) is None

    def parse_webhook(self, body: bytes) -> list[CrmChange]:
        """Turn a verified webhook body into changes."""
        raise CrmInvalid(f"{self.name} sends no webhooks; leadpact polls it")

    def close(self) -> None:  # noqa: B027 - optional hook: most connectors hold nothing to release
        """Release connections (the default holds none)."""


def status_change(mapping: CrmMapping, *, status: str, at: datetime, reason_value: str | None = None,
                  **where: str | None) -> CrmChange:
    """A lead status seen in the CRM, read through the mapping: touch, accept, or reject with its reason."""
    rule = mapping.rule_for(status)
    reason = rule.reason or (reason_value or None if rule.disposition == "reject" else None)
    return CrmChange(crm=mapping.crm, kind="status", at=at, status=status, touch=rule.touch,
                     disposition=rule.disposition, reason=reason, **where)  # type: ignore[arg-type]
