"""The handoff page (/handoffs/N, the link every notification carries): brief, why now, timeline, clocks,
the person's audit trail and what can be done next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.feedback import BANT, allowed_reasons
from leadpact.handoff import HandoffView, describe
from leadpact.handoff.brief import full_name
from leadpact.handoff.models import Opportunity
from leadpact.lifecycle import history
from leadpact.lifecycle.models import Transition
from leadpact.org.availability import is_away
from leadpact.org.models import Rep, User

# What can be done next, by the person's lifecycle status and the handoff's state.
ACTIONS_BY_STATUS = {
    "handed_off": ("contacted", "accept", "reject"),
    "accepted": ("contacted", "reject", "qualify", "opportunity", "lost"),
    "sql": ("opportunity", "lost"),
    "opportunity": ("won", "lost"),
}


@dataclass(frozen=True)
class HandoffPage:
    """Everything the handoff page shows."""

    view: HandoffView
    name: str
    sentences: list[str]
    criteria: list[dict[str, Any]]
    why: dict[str, Any]
    timeline: list[dict[str, Any]]
    trail: list[Transition]
    opportunities: list[Opportunity]
    reasons: list[str]
    actions: tuple[str, ...]
    reassign_to: list[tuple[str, str]] = field(default_factory=list)
    bant: tuple[str, ...] = BANT


def actions_for(view: HandoffView) -> tuple[str, ...]:
    """Return the actions the handoff's state and its person's status allow now."""
    if view.handoff.state not in ("open", "accepted"):
        return ()
    allowed = ACTIONS_BY_STATUS.get(view.person.status, ())
    if view.handoff.first_touch_at is not None:
        allowed = tuple(a for a in allowed if a != "contacted")
    return allowed


def reassign_choices(*, session: Session, view: HandoffView) -> list[tuple[str, str]]:
    """Return (email, name) of the other reps of the handoff's team who are available, by name (an open handoff
    only: a decided one stays with whoever decided it)."""
    team_id = view.handoff.team_id or (view.rep.team_id if view.rep is not None else None)
    if team_id is None or view.handoff.state != "open":
        return []
    rows = session.execute(select(Rep, User).join(User, User.id == Rep.user_id)
                           .where(Rep.team_id == team_id, User.is_active.is_(True)).order_by(User.name))
    return [(user.email, user.name) for rep, user in rows if rep.id != view.handoff.rep_id and not is_away(rep)]


def handoff_page(*, session: Session, handoff_id: int, may_reassign: bool) -> HandoffPage:
    """Return what the page of this handoff shows (raises HandoffNotFound when there is none)."""
    view = describe(session=session, handoff_id=handoff_id)
    handoff = view.handoff
    facts = handoff.brief_facts or {}
    # Every key the page reads, whatever the handoff was stored with (older or imported ones carry less).
    why = {"pact_version": handoff.pact_version, "fit_score": None, "grade": None, "engagement_score": None,
           "criteria": [], **(handoff.criteria or facts.get("why_now") or {})}
    opportunities = list(session.scalars(select(Opportunity).where(Opportunity.person_id == view.person.id)
                                         .order_by(Opportunity.id)))
    return HandoffPage(
        view=view, name=full_name(view.person),
        sentences=list(facts.get("sentences") or [handoff.brief]),
        criteria=list(why.get("criteria") or []), why=why,
        timeline=list((handoff.timeline or {}).get("events") or []),
        trail=history(session=session, person_id=view.person.id),
        opportunities=opportunities, reasons=allowed_reasons(session=session), actions=actions_for(view),
        reassign_to=reassign_choices(session=session, view=view) if may_reassign else [],
    )
