"""The in-memory state of the HubSpot contract server: objects, associations, owners, limits and test hooks."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.crm.servers.hubspot_schema import (
    COMPANY_TO_DEAL,
    DEAL_TO_COMPANY,
    FROM_CONTACT,
    LEADPACT_PROPERTIES,
    MODIFIED,
    REQUIRED_ON_CREATE,
    SCHEMA,
    TO_CONTACT,
    HubSpotError,
    Prop,
    check_value,
    invalid_properties,
    parse_datetime,
    stage_metadata,
)

OWNERS = [
    {"id": "101", "email": "rob@northwind.example", "firstName": "Rob", "lastName": "Rep", "userId": 9001},
    {"id": "102", "email": "ria@northwind.example", "firstName": "Ria", "lastName": "Rep", "userId": 9002},
]


def iso(moment: datetime) -> str:
    """HubSpot's timestamp text: UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Record:
    """One CRM object with its property values, their history, and when it became visible to search."""

    id: str
    type: str
    properties: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    history: dict[str, list[tuple[str | None, datetime]]] = field(default_factory=dict)
    indexed_after: float = 0.0  # monotonic time from which search and unique-property reads see it


@dataclass
class Webhook:
    """An event the portal would send to a subscribed app, in HubSpot's payload shape."""

    body: dict[str, Any]


class HubSpotPortal:
    """Everything the contract server knows; tests read and change it directly (under its lock)."""

    def __init__(self, *, token: str = "hubspot-test-token", rate_limit: int = 190, window: float = 10.0,
                 daily_limit: int | None = None, index_lag: float = 0.0, leadpact_properties: bool = True,
                 now: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.token = token
        self.owners = [dict(o) for o in OWNERS]
        self.schema: dict[str, dict[str, Prop]] = {t: dict(props) for t, props in SCHEMA.items()}
        if leadpact_properties:
            self.schema["contacts"].update(LEADPACT_PROPERTIES)
        self.objects: dict[str, dict[str, Record]] = {t: {} for t in SCHEMA}
        self.links: set[tuple[str, str, str, str, int]] = set()
        self._ids = itertools.count(1001)
        self.rate_limit, self.window, self.daily_limit = rate_limit, window, daily_limit
        self.sent: deque[float] = deque()
        self.daily_count = 0
        self.index_lag = index_lag
        self.now = now or (lambda: datetime.now(UTC))
        self.log: list[tuple[str, str, int]] = []
        self.refused = 0  # requests answered 429
        self.stalls: dict[str, float] = {}  # path → seconds to hold the answer after doing the work
        self.failures: list[tuple[str, int]] = []  # (path, status) answered instead of doing the work, once each
        self.webhooks: list[Webhook] = []
        self.portal_id = 62515
        self.blocklist: set[str] = set()  # emails a GDPR delete blocklisted
        self.purged: list[str] = []  # ids of contacts permanently deleted
        self.archived: list[tuple[str, str]] = []  # (type, id) of objects archived

    # ---- limits ---------------------------------------------------------------------------------------------

    def admit(self) -> tuple[HubSpotError | None, dict[str, str]]:
        """Count a request against the rolling and daily limits, or refuse it with HubSpot's 429."""
        with self.lock:
            clock = time.monotonic()
            while self.sent and clock - self.sent[0] >= self.window:
                self.sent.popleft()
            headers = {"X-HubSpot-RateLimit-Max": str(self.rate_limit),
                       "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window * 1000))}
            if self.daily_limit is not None and self.daily_count >= self.daily_limit:
                self.refused += 1
                return HubSpotError(429, "You have reached your daily limit.", "RATE_LIMITS", errorType="RATE_LIMIT",
                                    policyName="DAILY", groupName="publicapi:private-app"), headers
            if len(self.sent) >= self.rate_limit:
                self.refused += 1
                wait = max(1, int(self.window - (clock - self.sent[0]) + 0.999))
                headers["Retry-After"] = str(wait)
                headers["X-HubSpot-RateLimit-Remaining"] = "0"
                return HubSpotError(429, "You have reached your ten_secondly_rolling limit.", "RATE_LIMITS",
                                    errorType="RATE_LIMIT", policyName="TEN_SECONDLY_ROLLING",
                                    groupName="publicapi:private-app"), headers
            self.sent.append(clock)
            self.daily_count += 1
            headers["X-HubSpot-RateLimit-Remaining"] = str(self.rate_limit - len(self.sent))
            return None, headers

    # ---- objects --------------------------------------------------------------------------------------------

    def owner_ids(self) -> set[str]:
        """The ids an owner property accepts."""
        return {o["id"] for o in self.owners}

    def records(self, object_type: str) -> list[Record]:
        """Every object of a type, oldest first."""
        with self.lock:
            return sorted(self.objects[object_type].values(), key=lambda r: int(r.id))

    def visible(self, record: Record) -> bool:
        """Whether search (eventually consistent) sees the record yet."""
        return time.monotonic() >= record.indexed_after

    def validate(self, object_type: str, values: Any, *, creating: bool) -> dict[str, str | None]:
        """Property values checked against the portal's schema, normalised as HubSpot stores them."""
        if not isinstance(values, dict):
            raise HubSpotError(400, "Invalid input JSON: properties must be an object", "VALIDATION_ERROR")
        schema, problems, clean = self.schema[object_type], [], {}
        for name, value in values.items():
            prop = schema.get(name)
            if prop is None:
                message = f'Property "{name}" does not exist'
                problems.append({"isValid": False, "message": message, "error": "PROPERTY_DOESNT_EXIST", "name": name,
                                 "localizedErrorMessage": message})
                continue
            problem = check_value(object_type, name, prop, value, self.owner_ids())
            if problem:
                problems.append(problem)
                continue
            if value is None or value == "":
                clean[name] = None
            elif prop.type == "datetime":
                clean[name] = iso(parse_datetime(value))  # type: ignore[arg-type]
            else:
                clean[name] = str(value).lower() if name == "email" else str(value)
        if creating:
            for name in REQUIRED_ON_CREATE.get(object_type, []):
                if not clean.get(name):
                    message = f"{name} is required"
                    problems.append({"isValid": False, "message": message, "error": "REQUIRED_PROPERTY",
                                     "name": name, "localizedErrorMessage": message})
        if problems:
            raise invalid_properties(problems)
        return clean

    def email_owner(self, email: str | None, *, visible_only: bool = False) -> Record | None:
        """The contact with this email, if any."""
        if not email:
            return None
        for record in self.objects["contacts"].values():
            if (record.properties.get("email") or "") == email.lower():
                if not visible_only or self.visible(record):
                    return record
        return None

    def create(self, object_type: str, values: dict[str, str | None]) -> Record:
        """Store a new object (values already validated)."""
        now = self.now()
        record = Record(id=str(next(self._ids)), type=object_type, properties={}, created_at=now, updated_at=now,
                        indexed_after=time.monotonic() + self.index_lag)
        created, modified = MODIFIED.get(object_type, ("hs_createdate", "hs_lastmodifieddate"))
        record.properties[created] = iso(now)
        self.objects[object_type][record.id] = record
        self.write(record, values)
        return record

    def write(self, record: Record, values: dict[str, str | None], at: datetime | None = None) -> None:
        """Set property values, keeping each one's history and the modification time."""
        at = at or self.now()
        for name, value in values.items():
            if record.properties.get(name) != value or name not in record.history:
                record.history.setdefault(name, []).insert(0, (value, at))
            record.properties[name] = value
        if record.type == "deals":
            closed, won = stage_metadata(record.properties.get("dealstage"))
            record.properties["hs_is_closed"] = "true" if closed else "false"
            record.properties["hs_is_closed_won"] = "true" if won else "false"
        record.updated_at = at
        record.properties[MODIFIED.get(record.type, ("", "hs_lastmodifieddate"))[1]] = iso(at)

    def remove(self, object_type: str, object_id: str) -> None:
        """Take an object out of the portal with every association it had."""
        del self.objects[object_type][object_id]
        self.links = {link for link in self.links if (link[0], link[1]) != (object_type, object_id)
                      and (link[2], link[3]) != (object_type, object_id)}

    def link(self, from_type: str, from_id: str, contact_id: str) -> None:
        """Associate an engagement or deal with a contact, both ways."""
        self.links.add((from_type, from_id, "contacts", contact_id, TO_CONTACT[from_type]))
        self.links.add(("contacts", contact_id, from_type, from_id, FROM_CONTACT[from_type]))

    def link_company(self, deal_id: str, company_id: str) -> None:
        """Associate a deal with a company, both ways."""
        self.links.add(("deals", deal_id, "companies", company_id, DEAL_TO_COMPANY))
        self.links.add(("companies", company_id, "deals", deal_id, COMPANY_TO_DEAL))

    def associated(self, from_type: str, from_id: str, to_type: str) -> list[tuple[str, int]]:
        """(id, association type) of every `to_type` object associated with one object."""
        with self.lock:
            return sorted((t_id, type_id) for f_type, f_id, t_type, t_id, type_id in self.links
                          if (f_type, f_id, t_type) == (from_type, from_id, to_type))

    # ---- what reps do in HubSpot (test hooks) ---------------------------------------------------------------

    def rep_sets(self, contact_id: str, at: datetime | None = None, **values: str) -> None:
        """A rep edits a contact in the HubSpot UI; a change of lead status also queues its webhook event."""
        with self.lock:
            record = self.objects["contacts"][contact_id]
            at = at or self.now()
            self.write(record, dict(values), at)
            for name, value in values.items():
                self.webhooks.append(Webhook({
                    "eventId": next(self._ids), "subscriptionId": 4242, "portalId": self.portal_id, "appId": 777,
                    "occurredAt": int(at.timestamp() * 1000), "subscriptionType": "contact.propertyChange",
                    "attemptNumber": 0, "objectId": int(contact_id), "changeSource": "CRM_UI",
                    "propertyName": name, "propertyValue": value}))

    def rep_logs(self, object_type: str, contact_id: str, at: datetime | None = None, **values: str) -> Record:
        """A rep logs a call, email or meeting (or opens a deal) on a contact."""
        with self.lock:
            at = at or self.now()
            defaults = {"hs_timestamp": iso(at)} if object_type != "deals" else {}
            record = self.create(object_type, self.validate(object_type, defaults | values, creating=True))
            self.link(object_type, record.id, contact_id)
            if object_type == "deals":
                self.webhooks.append(Webhook({
                    "eventId": next(self._ids), "subscriptionId": 4243, "portalId": self.portal_id, "appId": 777,
                    "occurredAt": int(at.timestamp() * 1000), "subscriptionType": "deal.creation",
                    "attemptNumber": 0, "objectId": int(record.id), "changeSource": "CRM_UI"}))
            return record

    def past_deal(self, *, created: datetime, contacts: tuple[str, ...] = (), company: str | None = None,
                  **values: str) -> Record:
        """A deal made before leadpact was connected (its createdate in the past), on contacts and a company."""
        with self.lock:
            record = self.create("deals", self.validate("deals", values, creating=True))
            record.created_at = created
            record.properties["createdate"] = iso(created)
            for contact_id in contacts:
                self.link("deals", record.id, contact_id)
            if company is not None:
                self.link_company(record.id, company)
            return record

    def add(self, object_type: str, **values: str) -> Record:
        """A contact or company someone made in the HubSpot UI."""
        with self.lock:
            return self.create(object_type, self.validate(object_type, values, creating=True))
