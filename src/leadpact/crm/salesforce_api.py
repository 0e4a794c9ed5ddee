"""The Salesforce calls leadpact makes, through `simple-salesforce`: error translation, SOQL, sObject Collections."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from leadpact.crm.base import (
    CrmAuthError,
    CrmConflict,
    CrmError,
    CrmInvalid,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
)
from leadpact.crm.retry import RetryPolicy, call_with_retries

T = TypeVar("T")
COLLECTION_LIMIT = 200  # records per sObject Collections request
# What a delete of a record that is already gone answers: nothing left to delete.
GONE = {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND", "INVALID_ID_FIELD"}
# Salesforce's API limit is a rolling 24 hours: there is no point holding a worker; come back later.
REQUEST_LIMIT_WAIT = 900.0


def _errors(content: Any) -> list[dict[str, Any]]:
    return [e for e in content if isinstance(e, dict)] if isinstance(content, list) else []


def describe_errors(content: Any) -> str:
    """Salesforce's error list as one line: `CODE: message (fields)`."""
    parts = [f"{e.get('errorCode') or e.get('statusCode')}: {e.get('message')}"
             + (f" ({', '.join(e['fields'])})" if e.get("fields") else "") for e in _errors(content)]
    return "; ".join(parts) or str(content)[:300]


def classify(error: Exception) -> CrmError | None:
    """Translate a simple-salesforce or requests exception into a leadpact CRM error."""
    if isinstance(error, requests.exceptions.SSLError):
        return CrmUnavailable(f"Salesforce TLS verification failed ({error}); check the CA bundle setting")
    if isinstance(error, requests.exceptions.RequestException):
        return CrmUnavailable(f"Salesforce could not be reached: {error}")
    if not isinstance(error, SalesforceError):
        return None
    codes = {e.get("errorCode") for e in _errors(error.content)}
    message = describe_errors(error.content)
    if error.status == 401:
        return CrmAuthError(f"Salesforce refused the session ({message}); connect again with a fresh token")
    if "REQUEST_LIMIT_EXCEEDED" in codes or error.status == 429:
        return CrmRateLimited(f"Salesforce API limit: {message}", retry_after=REQUEST_LIMIT_WAIT,
                              policy="REQUEST_LIMIT_EXCEEDED")
    if error.status == 403:
        return CrmAuthError(f"Salesforce refused the request (403): {message}")
    if error.status == 300:
        return CrmConflict(f"Salesforce: more than one record matches: {message}")
    if error.status == 404:
        return CrmNotFound(f"Salesforce: {message}")
    if error.status >= 500:
        return CrmUnavailable(f"Salesforce failed ({error.status}): {message}")
    return CrmInvalid(f"Salesforce refused the request ({error.status}): {message}")


def soql_time(moment: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_list(values: Sequence[str]) -> str:
    """A SOQL IN list of quoted, escaped strings."""
    return "(" + ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values) + ")"


def parse_sf_time(value: str | None) -> datetime | None:
    """A Salesforce datetime (`2026-10-01T09:00:00.000+0000`) or date, as aware UTC."""
    if not value:
        return None
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    text = value.replace("Z", "+0000")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


class SalesforceApi:
    """simple-salesforce behind a retry policy, with SOQL and sObject Collections calls."""

    def __init__(self, *, instance_url: str, token: str, version: str, session: requests.Session,
                 policy: RetryPolicy, timeout: float) -> None:
        self.client = Salesforce(instance_url=instance_url, session_id=token, version=version, session=session)
        self.policy, self.timeout = policy, timeout
        self.requests = 0

    def call(self, what: str, call: Callable[..., T], *args: Any, retry: bool = True, **kwargs: Any) -> T:
        """One retried call of the client."""
        def once() -> T:
            self.requests += 1
            return call(*args, **kwargs)

        return call_with_retries(once, classify=classify, policy=self.policy, what=f"Salesforce {what}",
                                 retry_unavailable=retry)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record a SOQL query returns (following nextRecordsUrl)."""
        return self.call("query", self.client.query_all, soql, timeout=self.timeout)["records"]

    def collection(self, method: str, path: str, records: list[dict[str, Any]], *, retry: bool = True,
                   all_or_none: bool = True) -> list[dict[str, Any]]:
        """Send records through sObject Collections; per-record failures raise CrmInvalid naming them."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(records), COLLECTION_LIMIT):
            part = records[start : start + COLLECTION_LIMIT]
            answer = self.call(f"{method} {path}", self.client.restful, path, method=method, retry=retry,
                               json={"allOrNone": all_or_none, "records": part}, timeout=self.timeout) or []
            failed = [(r, a) for r, a in zip(part, answer, strict=False) if not a.get("success")]
            real = [(r, a) for r, a in failed
                    if not all(e.get("statusCode") == "ALL_OR_NONE_OPERATION_ROLLED_BACK" for e in a["errors"])]
            if real:
                raise CrmInvalid("Salesforce refused " + "; ".join(
                    f"{r['attributes']['type']} {r.get('Id') or r.get('id') or ''}: {describe_errors(a['errors'])}"
                    for r, a in real))
            results += answer
        return results

    def delete(self, ids: Sequence[str]) -> int:
        """Delete records of any type by id through sObject Collections; return how many Salesforce deleted
        (records already gone are skipped, any other refusal raises CrmInvalid naming it)."""
        deleted = 0
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), COLLECTION_LIMIT):
            part = unique[start : start + COLLECTION_LIMIT]
            answer = self.call("DELETE composite/sobjects", self.client.restful, "composite/sobjects",
                               method="DELETE", params={"ids": ",".join(part), "allOrNone": "false"},
                               timeout=self.timeout) or []
            refused = [(record_id, a) for record_id, a in zip(part, answer, strict=False) if not a.get("success")
                       and not {e.get("statusCode") for e in a.get("errors") or []} <= GONE]
            if refused:
                raise CrmInvalid("Salesforce refused to delete " + "; ".join(
                    f"{record_id}: {describe_errors(a.get('errors'))}" for record_id, a in refused))
            deleted += sum(1 for a in answer if a.get("success"))
        return deleted
