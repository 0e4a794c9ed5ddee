"""The outbox API under /api/v1/outbox: what is waiting, delivered or dead, and sending a dead row again; and the
notification channels under /api/v1/channels. No response carries a webhook URL or a signing secret: they are
masked (`https://hooks.slack.com/…/••••1a2b`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, status
from pydantic import BaseModel

from leadpact.api import AdminPrincipal, DbSession, OperationsReader, api_router, errors
from leadpact.clock import get_clock
from leadpact.outbox.operations import (
    OutboxError,
    channel_secrets,
    count_by_state,
    list_channels,
    list_messages,
    retry_message,
    shown_row,
)

router = api_router(prefix="/outbox", tags=["outbox"])
channels_router = api_router(prefix="/channels", tags=["outbox"])


class OutboxMessageOut(BaseModel):
    """One delivery: where, what, its state and attempts (a webhook's secret is never shown)."""

    id: int
    kind: str
    topic: str
    destination: str
    state: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    idempotency_key: str
    handoff_id: int | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class ChannelOut(BaseModel):
    """A notification channel: its kind, where it goes (a URL masked), whether it signs (the secret masked)."""

    id: int
    kind: str
    target: str
    signed: bool
    secret: str | None
    topics: list[str]
    rep: str | None
    is_active: bool
    created_at: datetime


class OutboxSummary(BaseModel):
    """How many rows are in each state, and the rows asked for."""

    counts: dict[str, int]
    messages: list[OutboxMessageOut]


@router.get("", response_model=OutboxSummary, responses=errors(401, 403, 422))
def get_outbox(
    session: DbSession,
    _: OperationsReader,
    state: Annotated[Literal["pending", "delivered", "dead"] | None, Query(description="Only rows in this state.")]
    = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """List outbox rows, newest first (`?state=dead` for the dead letters), with counts per state."""
    messages = list_messages(session=session, state=state, limit=limit)
    secrets = channel_secrets(session=session)
    return {"counts": count_by_state(session=session), "messages": [shown_row(m, secrets) for m in messages]}


@router.post("/{message_id}/retry", response_model=OutboxMessageOut, responses=errors(401, 403, 404, 409))
def post_retry(session: DbSession, _: AdminPrincipal, message_id: int) -> dict[str, Any]:
    """Make a dead (or waiting) row due now with a fresh set of attempts."""
    try:
        message = retry_message(session=session, message_id=message_id, now=get_clock().now())
    except OutboxError as error:
        code = status.HTTP_404_NOT_FOUND if "no outbox message" in str(error) else status.HTTP_409_CONFLICT
        raise HTTPException(code, str(error)) from None
    return shown_row(message, channel_secrets(session=session))


@channels_router.get("", response_model=list[ChannelOut], responses=errors(401, 403))
def get_channels(session: DbSession, _admin: AdminPrincipal) -> list[dict[str, Any]]:
    """List the notification channels, oldest first, URLs and secrets masked."""
    return list_channels(session=session)
