"""Inbound CRM webhooks: HubSpot posts signed (v3) events here; each is verified, then applied as feedback. And the
CRM connections, as an admin sees them: tokens and webhook secrets masked, never in the clear."""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import HTTPException, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from leadpact.api import CRM_WEBHOOK, AdminPrincipal, DbSession, api_router, errors
from leadpact.clock import get_clock
from leadpact.crm.base import CrmError
from leadpact.crm.hubspot_pull import WEBHOOK_WINDOW
from leadpact.crm.mapping import CRMS
from leadpact.crm.replays import first_receipt
from leadpact.crm.settings import connector_for, get_crm_settings, shown_connection
from leadpact.crm.sync import apply_changes
from leadpact.db import session_scope

log = logging.getLogger("leadpact.crm")
router = api_router(prefix="/crm", tags=["crm"])


class ConnectionOut(BaseModel):
    """A CRM connection: where it points, whether a token and a webhook secret are set (masked), the last pull."""

    crm: str
    base_url: str | None
    token: str | None
    webhook_secret: str | None
    last_pull_at: datetime | None
    last_pull_changes: int
    last_error: str | None


@router.get("/connections", response_model=list[ConnectionOut], responses=errors(401, 403))
def get_connections(session: DbSession, _admin: AdminPrincipal) -> list[dict[str, object]]:
    """Each CRM's connection, tokens and secrets masked (`••••1a2b`)."""
    return [shown_connection(session=session, crm=crm) for crm in CRMS]


class WebhookReceipt(BaseModel):
    """What leadpact did with a webhook's events."""

    changes: int
    applied: int
    skipped: int


@router.post("/hubspot/webhook", response_model=WebhookReceipt, dependencies=[CRM_WEBHOOK],
             responses={401: {"description": "The v3 signature is missing, malformed, wrong, older than five "
                                             "minutes, or already received (a replay)"},
                        503: {"description": "HubSpot is not connected or could not be read: HubSpot retries"}})
async def hubspot_webhook(request: Request) -> WebhookReceipt:
    """Receive HubSpot webhook events (v3 signature checked), apply lead status and deal changes, and say how many."""
    body = await request.body()
    # HubSpot signs the URL it called; behind a proxy that is the configured public URL, not the one we see.
    uri = get_crm_settings().hubspot_webhook_url or str(request.url)
    # Reading the contacts behind the events calls HubSpot: keep that off the event loop.
    return await run_in_threadpool(receive, method=request.method, uri=uri, body=body, headers=dict(request.headers))


def receive(*, method: str, uri: str, body: bytes, headers: dict[str, str]) -> WebhookReceipt:
    """Verify, parse and apply one HubSpot webhook delivery."""
    try:
        with session_scope() as session:
            connector = connector_for("hubspot", session=session)
    except CrmError as error:
        log.error("HubSpot webhook refused: %s", error)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"HubSpot is not connected: {error}") from None
    now = get_clock().now()
    refused = connector.webhook_refusal(method=method, uri=uri, body=body, headers=headers, now=now)
    if refused:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid or expired X-HubSpot-Signature-v3: {refused}")
    signature = next(value for key, value in headers.items() if key.lower() == "x-hubspot-signature-v3")
    with session_scope() as session:
        fresh = first_receipt(session=session, crm="hubspot", signature=signature, window=WEBHOOK_WINDOW, now=now)
    if not fresh:
        log.warning("HubSpot webhook refused: a replay of a request already received (%s %s)", method, uri)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "invalid X-HubSpot-Signature-v3: this signed request was already received (a replay)")
    try:
        changes = connector.parse_webhook(body)
    except CrmError as error:
        code = status.HTTP_503_SERVICE_UNAVAILABLE if error.retryable else status.HTTP_400_BAD_REQUEST
        raise HTTPException(code, str(error)) from None
    with session_scope() as session:
        report = apply_changes(session=session, changes=changes)
    return WebhookReceipt(changes=len(changes), applied=len(report.applied), skipped=len(report.skipped))
