"""HubSpot to leadpact: polling by modification time, v3-signed webhooks, and the connection check."""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hubspot.crm.properties import PropertyCreate
from hubspot.utils.signature import Signature

from leadpact.clock import parse_time
from leadpact.crm.base import ConnectionReport, CrmChange, CrmInvalid, PullResult, status_change
from leadpact.crm.hubspot_api import SEARCH_CAP

if TYPE_CHECKING:
    from leadpact.crm.hubspot import HubSpotConnector

log = logging.getLogger("leadpact.crm")
WEBHOOK_WINDOW = timedelta(minutes=5)
TOUCHES = (("calls", "call"), ("emails", "email"), ("meetings", "meeting"))
# Emails a rep sent; replies from the lead (INCOMING_EMAIL) are not a touch.
OUTGOING_EMAIL = "EMAIL"
NUMERIC = ("fit_score", "engagement_score")


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if not value:
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    return parse_time(text)


def pull(connector: HubSpotConnector, since: datetime) -> PullResult:
    """Every status change, touch and deal modified after `since`, with the newest modification time seen."""
    result = PullResult(cursor=since)
    capped: list[datetime] = []

    def seen(found: list[Any], modified: str) -> list[Any]:
        times = [t for t in (_time(o.properties.get(modified)) for o in found) if t]
        if times:
            result.cursor = max(result.cursor or since, *times)
            if len(found) >= SEARCH_CAP:
                capped.append(max(times))
        return found

    result.changes += _statuses(connector, seen(_search_contacts(connector, since), "lastmodifieddate"))
    for object_type, activity in TOUCHES:
        extra = ["hs_createdate"] + (["hs_email_direction"] if object_type == "emails" else [])
        found = seen(connector.api.search_modified(object_type, "hs_lastmodifieddate", since,
                                                   ["hs_timestamp", *extra]), "hs_lastmodifieddate")
        result.changes += _touches(connector, object_type, activity, found)
    deals = seen(connector.api.search_modified("deals", "hs_lastmodifieddate", since, _deal_fields(connector)),
                 "hs_lastmodifieddate")
    result.changes += _deals(connector, deals)
    if capped:
        result.cursor = min(capped)  # a capped search resumes from where its page ran out
    result.changes.sort(key=lambda change: change.at)
    return result


def _contact_fields(connector: HubSpotConnector) -> list[str]:
    fields = connector.mapping.fields
    return ["email", "hs_lead_status", *(f for f in (fields.get("key"), fields.get("rejection_reason")) if f)]


def _deal_fields(connector: HubSpotConnector) -> list[str]:
    lost = connector.mapping.fields.get("lost_reason")
    return ["dealstage", "amount", "closedate", *([lost] if lost else [])]


def _search_contacts(connector: HubSpotConnector, since: datetime) -> list[Any]:
    return connector.api.search_modified("contacts", "lastmodifieddate", since, _contact_fields(connector))


def _statuses(connector: HubSpotConnector, contacts: list[Any],
              at: dict[str, datetime] | None = None) -> list[CrmChange]:
    """A status change for each contact with a lead status, timed by when that status was set."""
    contacts = [c for c in contacts if c.properties.get("hs_lead_status")]
    if at is None:
        # Search says only that the contact changed; the property's history says when the status was set.
        at = {}
        for contact in connector.api.read("contacts", [str(c.id) for c in contacts], ["hs_lead_status"],
                                          history=["hs_lead_status"]):
            history = (contact.properties_with_history or {}).get("hs_lead_status") or []
            if history:
                at[str(contact.id)] = max(_time(h.timestamp) or datetime.min.replace(tzinfo=UTC) for h in history)
    fields = connector.mapping.fields
    changes = []
    for contact in contacts:
        props = contact.properties
        when = at.get(str(contact.id)) or _time(props.get("lastmodifieddate")) or _time(contact.updated_at)
        changes.append(status_change(
            connector.mapping, status=props["hs_lead_status"], at=when,  # type: ignore[arg-type]
            reason_value=props.get(fields.get("rejection_reason") or ""), crm_person_id=str(contact.id),
            email=(props.get("email") or "").lower() or None, person_key=props.get(fields.get("key") or ""),
            source_id=f"contact:{contact.id}"))
    return changes


def _touches(connector: HubSpotConnector, object_type: str, activity: str, found: list[Any]) -> list[CrmChange]:
    """A touch for each call, sent email or meeting, on every contact it is associated with."""
    if object_type == "emails":
        found = [o for o in found if o.properties.get("hs_email_direction") == OUTGOING_EMAIL]
    linked = connector.api.associated(object_type, "contacts", [str(o.id) for o in found]) if found else {}
    changes = []
    for engagement in found:
        # A call logged late carries its real time in hs_timestamp; a meeting booked ahead was a touch when booked.
        times = [t for t in (_time(engagement.properties.get(p)) for p in ("hs_timestamp", "hs_createdate")) if t]
        if not times:
            continue
        for contact_id in linked.get(str(engagement.id), []):
            changes.append(CrmChange(crm="hubspot", kind="touch", at=min(times), crm_person_id=contact_id,
                                     touch=True, activity=activity, source_id=f"{object_type}:{engagement.id}"))
    return changes


def _deals(connector: HubSpotConnector, deals: list[Any]) -> list[CrmChange]:
    """A deal change (open, won or lost, with amount) for every contact on each deal."""
    linked = connector.api.associated("deals", "contacts", [str(d.id) for d in deals]) if deals else {}
    lost_field = connector.mapping.fields.get("lost_reason") or ""
    changes = []
    for deal in deals:
        props = deal.properties
        stage = connector.mapping.deal_stage(props.get("dealstage"))
        closed = _time(props.get("closedate")) if stage != "open" else None
        at = closed or _time(props.get("hs_lastmodifieddate")) or _time(deal.updated_at)
        amount = float(props["amount"]) if props.get("amount") else None
        for contact_id in linked.get(str(deal.id), []):
            changes.append(CrmChange(crm="hubspot", kind="deal", at=at, crm_person_id=contact_id,  # type: ignore[arg-type]
                                     deal_id=str(deal.id), deal_stage=stage, amount=amount,
                                     lost_reason=props.get(lost_field) or None, source_id=f"deals:{deal.id}"))
    return changes


# HubSpot signs the URI with these percent-encodings decoded (and only these).
DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(",
           "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}
ENCODED = re.compile("|".join(DECODED), re.IGNORECASE)


def signed_uri(uri: str) -> str:
    """The URI as HubSpot signs it: its percent-encoded reserved characters decoded."""
    return ENCODED.sub(lambda found: DECODED[found.group(0).upper()], uri)


def refusal(secret: str | None, *, method: str, uri: str, body: bytes, headers: Mapping[str, str],
            now: datetime) -> str | None:
    """Why a webhook is refused (its v3 signature missing, malformed, wrong, or not made within five minutes of
    `now`), or None when it is authentic and fresh; refusals are logged."""
    lower = {key.lower(): value for key, value in headers.items()}
    signature, timestamp = lower.get("x-hubspot-signature-v3"), lower.get("x-hubspot-request-timestamp")
    if not secret:
        log.error("HubSpot webhook refused: no app secret is configured (crm connect --webhook-secret)")
        return "no HubSpot app secret is configured here, so no signature can be checked"
    if not signature or not timestamp:
        log.warning("HubSpot webhook refused: no X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
        return "X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are both required"
    # int() reads any Unicode digits and compare_digest refuses non-ASCII text with a TypeError: check both first
    try:
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise ValueError(timestamp)
        sent = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        log.warning("HubSpot webhook refused: timestamp %r is not epoch milliseconds", timestamp)
        return "X-HubSpot-Request-Timestamp must be epoch milliseconds"
    if abs(now - sent) > WEBHOOK_WINDOW:
        log.warning("HubSpot webhook refused: timestamp %s is more than 5 minutes from now (%s)", sent, now)
        return "X-HubSpot-Request-Timestamp is more than 5 minutes from now"
    if not signature.isascii():
        log.warning("HubSpot webhook refused: the signature is not ASCII (%s %s)", method, uri)
        return "X-HubSpot-Signature-v3 must be base64 (ASCII) text"
    expected = Signature.get_signature(secret, body.decode("utf-8", "replace"), "v3", http_uri=signed_uri(uri),
                                       http_method=method.upper(), timestamp=timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        log.warning("HubSpot webhook refused: signature does not match (%s %s)", method, uri)
        return "X-HubSpot-Signature-v3 does not match this request"
    return None


def verify(secret: str | None, *, method: str, uri: str, body: bytes, headers: Mapping[str, str],
           now: datetime) -> bool:
    """Whether a webhook carries a valid v3 signature made within five minutes of `now`; refusals are logged."""
    return refusal(secret, method=method, uri=uri, body=body, headers=headers, now=now) is None


def parse_events(connector: HubSpotConnector, body: bytes) -> list[CrmChange]:
    """Changes from a webhook's events: lead status changes, and deals created or moved."""
    try:
        events = json.loads(body)
    except ValueError:
        raise CrmInvalid("HubSpot webhook body is not JSON") from None
    if not isinstance(events, list):
        raise CrmInvalid("HubSpot webhook body is not a JSON array of events")
    statuses = [e for e in events if isinstance(e, dict) and e.get("subscriptionType") == "contact.propertyChange"
                and e.get("propertyName") == "hs_lead_status" and e.get("propertyValue")]
    deal_ids = sorted({str(e["objectId"]) for e in events if isinstance(e, dict) and "objectId" in e
                       and e.get("subscriptionType") in ("deal.creation", "deal.propertyChange")})
    changes: list[CrmChange] = []
    if statuses:
        # The event carries the new value and its time; the email, key and rejection reason are on the contact.
        contacts = connector.api.read("contacts", sorted({str(e["objectId"]) for e in statuses}),
                                      _contact_fields(connector))
        by_id = {str(c.id): c for c in contacts}
        for event in statuses:
            contact = by_id.get(str(event["objectId"]))
            if contact is None:
                continue
            contact.properties["hs_lead_status"] = event["propertyValue"]
            at = {str(contact.id): _time(event.get("occurredAt")) or datetime.now(UTC)}
            [change] = _statuses(connector, [contact], at)
            changes.append(replace(change, source_id=f"event:{event.get('eventId')}"))
    if deal_ids:
        changes += _deals(connector, connector.api.read("deals", deal_ids, _deal_fields(connector) +
                                                        ["hs_lastmodifieddate"]))
    return sorted(changes, key=lambda change: change.at)


def check(connector: HubSpotConnector, *, create_missing: bool) -> ConnectionReport:
    """Owners, and the custom properties and option values the mapping relies on (created when asked)."""
    api, mapping = connector.api, connector.mapping
    owners: dict[str, str] = {}
    after = None
    while True:
        page = api.call("owners", api.owners.get_page, limit=100, after=after)
        owners |= {(o.email or "").lower(): str(o.id) for o in page.results or [] if o.email}
        after = page.paging.next.after if page.paging and page.paging.next else None
        if not after:
            break
    properties = {p.name: p for p in api.call("contact properties", api.properties.get_all, "contacts").results}
    report = ConnectionReport(crm="hubspot", ok=True, owners=owners,
                              detail=f"{len(owners)} owners, {len(properties)} contact properties")
    for role in ("key", "fit_score", "grade", "engagement_score", "rejection_reason"):
        name = mapping.fields.get(role)
        if not name or name in properties:
            continue
        if not create_missing:
            report.missing.append(f"contact property {name}")
            continue
        number = role in NUMERIC
        api.call("create property", api.properties.create, "contacts", PropertyCreate(
            name=name, label=f"leadpact {role.replace('_', ' ')}", type="number" if number else "string",
            field_type="number" if number else "text", group_name="contactinformation"))
        report.created.append(f"contact property {name}")
    for property_name, wanted in (("lifecyclestage", set(mapping.lifecycle.values())),
                                  ("hs_lead_status", {*mapping.statuses, mapping.new_status})):
        prop = properties.get(property_name)
        options = {o.value for o in (prop.options or [])} if prop else set()
        report.missing += [f"{property_name} option {value}" for value in sorted(wanted - options)]
    return report
