"""The API's shapes for handoffs and held leads, and how a handoff row becomes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from leadpact.handoff.brief import full_name
from leadpact.handoff.service import HandoffView


class PersonRef(BaseModel):
    """The person handed off."""

    id: int
    email: str | None
    name: str
    title: str | None
    status: str


class RepRef(BaseModel):
    """The rep who has the handoff."""

    id: int
    email: str
    name: str


class HandoffOut(BaseModel):
    """A handoff as listed: who, to whom and why, the brief, the tier, the clocks and the disposition."""

    id: int
    link: str = Field(description="The handoff page (brief and timeline).")
    person: PersonRef
    company: str | None
    account_id: int | None
    rep: RepRef | None
    team: str | None
    tier: str
    state: str
    pact_version: int | None
    routing_rule: int | None = Field(description="0-based position of the pact routing rule; null for fallback.")
    routing_reason: str
    brief: str
    created_at: datetime
    sla_due_at: datetime | None
    first_touch_at: datetime | None
    first_touch_source: str | None
    sla_breached_at: datetime | None
    escalated_at: datetime | None
    feedback_due_at: datetime | None
    disposition_at: datetime | None
    disposition_actor: str | None
    rejection_reason: str | None
    rejection_note: str | None
    qualification: dict[str, Any]


class HandoffDetail(HandoffOut):
    """A handoff with the structured answers its brief was written from, the pact criteria and the timeline."""

    brief_facts: dict[str, Any]
    criteria: dict[str, Any]
    timeline: list[dict[str, Any]]


class MissingItem(BaseModel):
    """A readiness item that cannot be answered yet, and the form field that can ask for it (null: none can)."""

    item: str
    label: str
    form_field: str | None


class MissingOut(BaseModel):
    """What keeps a person from being handed off."""

    person_id: int
    email: str | None
    status: str
    pact_version: int | None
    evaluated_at: str | None
    missing: list[MissingItem]


def handoff_out(view: HandoffView, model: type[HandoffOut] = HandoffOut) -> Any:
    """Return a handoff with its rows as the API gives it (HandoffOut or HandoffDetail)."""
    h, person = view.handoff, view.person
    extra: dict[str, Any] = {}
    if model is HandoffDetail:
        extra = {"brief_facts": h.brief_facts or {}, "criteria": h.criteria or {},
                 "timeline": (h.timeline or {}).get("events", [])}
    return model(
        id=h.id, link=f"/handoffs/{h.id}",
        person=PersonRef(id=person.id, email=person.email, name=full_name(person), title=person.title,
                         status=person.status),
        company=(view.account.name if view.account else None) or person.company_name, account_id=h.account_id,
        rep=RepRef(id=view.rep.id, email=view.rep_user.email, name=view.rep_user.name)
        if view.rep is not None and view.rep_user is not None else None,
        team=view.team.key if view.team else None, tier=h.tier, state=h.state, pact_version=h.pact_version,
        routing_rule=h.routing_rule, routing_reason=h.routing_reason, brief=h.brief, created_at=h.created_at,
        sla_due_at=h.sla_due_at, first_touch_at=h.first_touch_at, first_touch_source=h.first_touch_source,
        sla_breached_at=h.sla_breached_at, escalated_at=h.escalated_at, feedback_due_at=h.feedback_due_at,
        disposition_at=h.disposition_at, disposition_actor=h.disposition_actor, rejection_reason=h.rejection_reason,
        rejection_note=h.rejection_note, qualification=h.qualification or {}, **extra,
    )
