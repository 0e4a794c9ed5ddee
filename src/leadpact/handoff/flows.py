"""The handoff flow: a lead that qualifies with its context complete is routed, briefed, moved to handed_off, put
on the SLA clock and announced, all in the transaction that qualified it; a lead held in needs_context publishes
what is missing so forms can ask for it next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadpact import outbox, sla
from leadpact.clock import isoformat
from leadpact.db import session_rows
from leadpact.engine import live_engine
from leadpact.engine.inputs import account_facts, load_histories, person_facts
from leadpact.handoff.brief import full_name, write_brief
from leadpact.handoff.models import Handoff
from leadpact.handoff.routing import route
from leadpact.handoff.service import open_handoff, readiness_items
from leadpact.lifecycle import SYSTEM, Status, move
from leadpact.org.models import Rep, Team, User
from leadpact.pact import Evaluation
from leadpact.people.models import Account, Person
from leadpact.wiring import installed

QUALIFIED = (Status.mql.value, Status.hot.value)
# The statuses whose entry the handoff hears of from the engine (`on_person_moved`, wired by the composition root).
HEARD = frozenset((*QUALIFIED, Status.needs_context.value))
# Called with (session, handoff id, now) in the transaction that created the handoff: the CRM queues its pushes
# here (the installed wiring's `handoff_opened`), as the handoff cannot import the CRM that builds on it.
HandoffOpened = Callable[[Session, int, datetime], None]


def on_person_moved(session: Session, person: Person, source: str, target: str, evaluation: Evaluation,
                    now: datetime) -> None:
    """The engine's listener: hand off a person entering mql or hot (or left there without a handoff); publish what
    is missing on entering needs_context."""
    if target in QUALIFIED and not evaluation.missing:
        hand_off(session=session, person=person, evaluation=evaluation, now=now)
    elif target == Status.needs_context.value and source != target:
        publish_missing(session=session, person=person, missing=list(evaluation.missing), now=now)


def hand_off(*, session: Session, person: Person, evaluation: Evaluation, now: datetime) -> Handoff | None:
    """Create the person's handoff (routed, briefed, on the clock, announced) and move them to handed_off; return
    it, or the open one when they already have one, or None when no pact is active."""
    engine = live_engine(session)
    active = engine.pact.get(session)
    if active is None:
        return None
    version, compiled = active
    tier = person.status if person.status in QUALIFIED else evaluation.status
    existing = open_handoff(session=session, person_id=person.id)
    if existing is not None:
        # One open handoff per person: the rep who has it keeps it.
        _move(session, person, existing, version, now)
        return existing
    account = session.get(Account, person.account_id) if person.account_id is not None else None
    events = load_histories(session, [person.id])[person.id]
    catalog = engine.catalog.get(session)
    facts_person, facts_account = person_facts(person), account_facts(account)
    assignment = route(session=session, person=person, account=account, evaluation=evaluation, compiled=compiled,
                       events=events, catalog=catalog, person_facts=facts_person, account_facts=facts_account)
    brief = write_brief(person=person, account=account, events=events, catalog=catalog, evaluation=evaluation,
                        compiled=compiled, tier=tier, pact_version=version, now=now)
    handoff = Handoff(
        person_id=person.id, account_id=account.id if account else None,
        rep_id=assignment.rep.id if assignment.rep else None, team_id=assignment.team.id if assignment.team else None,
        tier=tier, state="open", pact_version=version, routing_rule=assignment.rule,
        routing_reason=assignment.reason, brief=brief.text, brief_facts=brief.facts,
        timeline={"events": brief.timeline}, criteria=brief.facts["why_now"], created_at=now,
    )
    session.add(handoff)
    session.flush()
    _move(session, person, handoff, version, now)
    rules = compiled.pact.sla
    timezone = assignment.rep.timezone if assignment.rep else (assignment.team.timezone if assignment.team else None)
    sla.start_clocks(session=session, handoff=handoff, tier=getattr(rules, tier, None) if rules else None,
                     feedback_within=rules.feedback_within if rules else None, timezone=timezone, now=now)
    outbox.notify(session=session, topic="handoff.created", payload=created_payload(session, handoff, person, account),
                  now=now, key=f"handoff.created:{handoff.id}", rep_id=handoff.rep_id, handoff_id=handoff.id)
    for listener in installed().handoff_opened:
        listener(session, handoff.id, now)
    return handoff


def _move(session: Session, person: Person, handoff: Handoff, version: int, now: datetime) -> None:
    move(session=session, person=person, to=Status.handed_off, at=now, actor=SYSTEM, pact_version=version,
         reasons={"handoff_id": handoff.id, "tier": handoff.tier, "rep_id": handoff.rep_id,
                  "routing_reason": handoff.routing_reason})


def created_payload(session: Session, handoff: Handoff, person: Person, account: Account | None) -> dict[str, Any]:
    """What a `handoff.created` notification carries: the brief, the timeline link, the SLA deadline, who and where."""
    # On the driver's cursor: every handoff asks, and loading the rep, their user and the team through the ORM cost
    # more than writing the rest of the payload.
    rep_user = team = None
    if handoff.rep_id is not None:
        found = session_rows(session, f"SELECT users.email, users.name FROM {Rep.__tablename__} reps JOIN "
                                      f"{User.__tablename__} users ON users.id = reps.user_id WHERE reps.id = {{mark}}",
                             (handoff.rep_id,))
        rep_user = found[0] if found else None
    if handoff.team_id is not None:
        found = session_rows(session, f"SELECT key FROM {Team.__tablename__} WHERE id = {{mark}}", (handoff.team_id,))
        team = found[0][0] if found else None
    return {
        "handoff_id": handoff.id,
        "tier": handoff.tier,
        "brief": handoff.brief,
        "timeline_link": f"/handoffs/{handoff.id}",
        "sla_due_at": isoformat(handoff.sla_due_at) if handoff.sla_due_at else None,
        "feedback_due_at": isoformat(handoff.feedback_due_at) if handoff.feedback_due_at else None,
        "person": {"id": person.id, "email": person.email, "name": full_name(person), "title": person.title,
                   "phone": person.phone},
        "company": {"id": account.id if account else None, "name": handoff.brief_facts["company"]["name"],
                    "domain": account.domain if account else None, "industry": account.industry if account else None,
                    "employees": account.employees if account else None},
        "rep": None if rep_user is None else {"id": handoff.rep_id, "email": rep_user[0], "name": rep_user[1]},
        "team": team,
        "routing_reason": handoff.routing_reason,
        "pact_version": handoff.pact_version,
    }


def publish_missing(*, session: Session, person: Person, missing: list[str], now: datetime) -> None:
    """Publish `readiness.missing`: the person and the readiness items a form should ask for next."""
    payload = {
        "person": {"id": person.id, "email": person.email, "name": full_name(person)},
        "status": person.status,
        "missing": readiness_items(missing),
        "link": f"/api/v1/people/{person.id}/missing",
    }
    outbox.notify(session=session, topic="readiness.missing", payload=payload, now=now,
                  key=f"readiness.missing:{person.id}:{'+'.join(missing)}:{isoformat(now)}")
