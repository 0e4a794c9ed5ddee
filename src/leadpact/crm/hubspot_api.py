"""The HubSpot calls leadpact makes, through the official client: error translation and batched object calls."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import PublicGdprDeleteInput
from hubspot.crm.objects import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Configuration,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
    SimplePublicObjectInputForCreate,
)

from leadpact.crm.base import (
    CrmAuthError,
    CrmConflict,
    CrmError,
    CrmInvalid,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
)
from leadpact.crm.retry import RequestPacer, RetryPolicy, call_with_retries

T = TypeVar("T")
HUBSPOT_API = "https://api.hubapi.com"
EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")
SEARCH_PAGE = 100
# HubSpot refuses paging past 10,000 search results; a longer backlog is read over several pulls.
SEARCH_CAP = 10_000


def classify(error: Exception) -> CrmError | None:
    """Translate a client exception into a leadpact CRM error (None: not a CRM failure, let it raise)."""
    status = getattr(error, "status", None)
    if not isinstance(status, int) or not hasattr(error, "body"):
        if isinstance(error, urllib3.exceptions.HTTPError | OSError):
            return CrmUnavailable(f"HubSpot could not be reached: {error}")
        return None
    body = _json(getattr(error, "body", None))
    message = str(body.get("message") or getattr(error, "reason", "") or "no message")
    headers = {k.lower(): v for k, v in dict(getattr(error, "headers", None) or {}).items()}
    if status == 0:
        return CrmUnavailable(f"HubSpot could not be reached: {error.reason}")  # type: ignore[attr-defined]
    if status == 429:
        policy = body.get("policyName")
        return CrmRateLimited(f"HubSpot rate limit {policy or ''}: {message}".strip(),
                              retry_after=_retry_after(headers.get("retry-after"), policy), policy=policy)
    if status in (401, 403):
        return CrmAuthError(f"HubSpot refused the access token ({status} {body.get('category', '')}): {message}; "
                            "check the private app's token and its crm.objects scopes")
    if status == 409:
        found = EXISTING_ID.search(message)
        return CrmConflict(f"HubSpot: {message}", existing_id=found.group(1) if found else None)
    if status == 404:
        return CrmNotFound(f"HubSpot: {message}")
    if status >= 500:
        return CrmUnavailable(f"HubSpot failed ({status}): {message}")
    return CrmInvalid(f"HubSpot refused the request ({status} {body.get('category', '')}): {message}")


def _json(body: Any) -> dict[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _retry_after(header: str | None, policy: str | None) -> float:
    try:
        return max(0.0, float(header)) if header else _policy_wait(policy)
    except ValueError:
        return _policy_wait(policy)


def _policy_wait(policy: str | None) -> float:
    if policy == "DAILY":
        # The daily cap resets at midnight (the portal's zone, which we do not know): wait for UTC midnight.
        now = datetime.now(UTC)
        return (datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) - now).total_seconds()
    return 10.0  # the rolling window is ten seconds long


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class HubSpotApi:
    """The official client behind a pacer and a retry policy, with the handful of calls the connector needs."""

    def __init__(self, *, token: str, base_url: str, policy: RetryPolicy, pacer: RequestPacer | None,
                 search_pacer: RequestPacer | None, timeout: float) -> None:
        self.client = HubSpot(access_token=token, host=base_url.rstrip("/"))
        self.policy, self.pacer, self.search_pacer, self.timeout = policy, pacer, search_pacer, timeout
        self.requests = 0
        # Each request model otherwise builds its own Configuration (and resets logging): share one.
        self.models = Configuration()

    # Each discovery attribute builds a new API client (and connection pool): build each one once.
    @cached_property
    def contacts(self) -> Any:
        """The contacts batch API."""
        return self.client.crm.contacts.batch_api

    @cached_property
    def contacts_basic(self) -> Any:
        """The contacts basic API (the GDPR delete lives there)."""
        return self.client.crm.contacts.basic_api

    @cached_property
    def objects(self) -> Any:
        """The generic objects batch API (notes, tasks, deals, …)."""
        return self.client.crm.objects.batch_api

    @cached_property
    def search(self) -> Any:
        """The generic objects search API."""
        return self.client.crm.objects.search_api

    @cached_property
    def associations(self) -> Any:
        """The v4 associations batch API."""
        return self.client.crm.associations.v4.batch_api

    @cached_property
    def owners(self) -> Any:
        """The owners API."""
        return self.client.crm.owners.owners_api

    @cached_property
    def properties(self) -> Any:
        """The properties API."""
        return self.client.crm.properties.core_api

    def call(self, what: str, call: Callable[..., T], *args: Any, search: bool = False, retry: bool = True,
             **kwargs: Any) -> T:
        """One paced, retried call of the client."""
        def once() -> T:
            if self.pacer:
                self.pacer.acquire()
            if search and self.search_pacer:
                self.search_pacer.acquire()
            self.requests += 1
            return call(*args, _request_timeout=self.timeout, **kwargs)

        return call_with_retries(once, classify=classify, policy=self.policy, what=f"HubSpot {what}",
                                 retry_unavailable=retry)

    def read(self, object_type: str, ids: Sequence[str], properties: list[str], *, id_property: str | None = None,
             history: list[str] | None = None) -> list[Any]:
        """Batch-read objects by id (or by a unique property); missing ones are simply absent."""
        found: list[Any] = []
        for part in chunks(list(ids), 100):
            request = BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=i, local_vars_configuration=self.models) for i in part],
                properties=properties, properties_with_history=history or [], id_property=id_property,
                local_vars_configuration=self.models)
            api = self.contacts if object_type == "contacts" else self.objects
            args = (request,) if object_type == "contacts" else (object_type, request)
            found += self.call(f"{object_type} batch read", api.read, *args).results or []
        return found

    def create(self, object_type: str, inputs: list[tuple[dict[str, str], list[tuple[str, int]]]]) -> list[Any]:
        """Batch-create objects, each with its properties and (to id, association type) pairs."""
        config = self.models
        request = BatchInputSimplePublicObjectBatchInputForCreate(local_vars_configuration=config, inputs=[
            SimplePublicObjectInputForCreate(local_vars_configuration=config, properties=props, associations=[
                PublicAssociationsForObject(
                    local_vars_configuration=config, to=PublicObjectId(id=to, local_vars_configuration=config),
                    types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id,
                                           local_vars_configuration=config)])
                for to, type_id in links])
            for props, links in inputs])
        if object_type == "contacts":
            # Safe to resend: a contact that was created after all answers 409 with its id.
            return self.call("contacts batch create", self.contacts.create, request).results
        # A 5xx may hide a success: the push records the attempt and looks before creating again.
        return self.call(f"{object_type} batch create", self.objects.create, object_type, request,
                         retry=False).results

    def update(self, object_type: str, updates: list[tuple[str, dict[str, str]]]) -> list[Any]:
        """Batch-update objects by id."""
        request = BatchInputSimplePublicObjectBatchInput(local_vars_configuration=self.models, inputs=[
            SimplePublicObjectBatchInput(id=i, properties=props, local_vars_configuration=self.models)
            for i, props in updates])
        if object_type == "contacts":
            return self.call("contacts batch update", self.contacts.update, request).results
        return self.call(f"{object_type} batch update", self.objects.update, object_type, request).results

    def archive(self, object_type: str, ids: Sequence[str]) -> None:
        """Batch-archive objects by id (ids HubSpot no longer has are ignored, as HubSpot does)."""
        for part in chunks(list(ids), 100):
            request = BatchInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=i, local_vars_configuration=self.models) for i in part],
                local_vars_configuration=self.models)
            self.call(f"{object_type} batch archive", self.objects.archive, object_type, request)

    def gdpr_delete(self, object_id: str, *, by_email: bool = False) -> bool:
        """Permanently delete a contact (and its associations) the GDPR way, by id or by email; False when HubSpot
        has no such contact (by email, HubSpot then blocklists the address instead)."""
        request = PublicGdprDeleteInput(object_id=object_id, id_property="email" if by_email else None,
                                        local_vars_configuration=self.models)
        try:
            self.call("contact GDPR delete", self.contacts_basic.purge, request)
        except CrmNotFound:
            return False
        return True

    def associated(self, from_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[str]]:
        """For each `from_type` id, the ids of its associated `to_type` objects (v4 batch read)."""
        linked: dict[str, list[str]] = {}
        for part in chunks(list(dict.fromkeys(ids)), 1000):
            request = BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in part])
            response = self.call(f"{from_type}→{to_type} associations", self.associations.get_page, from_type,
                                 to_type, request)
            for result in response.results or []:
                linked.setdefault(str(result._from.id), []).extend(str(t.to_object_id) for t in result.to)
        return linked

    def search_modified(self, object_type: str, modified: str, since: datetime, properties: list[str],
                        extra: list[Filter] | None = None) -> list[Any]:
        """Every object of a type modified after `since`, oldest first (up to HubSpot's paging cap)."""
        filters = [Filter(property_name=modified, operator="GT", value=str(int(since.timestamp() * 1000))),
                   *(extra or [])]
        found: list[Any] = []
        after: str | None = None
        while len(found) < SEARCH_CAP:
            request = PublicObjectSearchRequest(
                filter_groups=[FilterGroup(filters=filters)], properties=[modified, *properties], limit=SEARCH_PAGE,
                sorts=[{"propertyName": modified, "direction": "ASCENDING"}], after=after)
            page = self.call(f"{object_type} search", self.search.do_search, object_type, request, search=True)
            found += page.results or []
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                break
        return found
