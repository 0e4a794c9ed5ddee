"""The rep's pages: the inbox and the handoff page (/handoffs/N) with its actions, and a manager's reassignment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact import feedback
from leadpact.clock import get_clock
from leadpact.handoff import HandoffNotFound, HandoffNotInYourTeam, ReassignRefused, reassign
from leadpact.handoff.models import Handoff
from leadpact.web.deps import DbSession, Reader, visible_to
from leadpact.web.pages.handoff import handoff_page
from leadpact.web.pages.inbox import STAGES, inbox
from leadpact.web.templating import page
from leadpact.web.views.common import FormProblem, done, notice, optional_float, refused
from leadpact.web.views.forms import Fields

router = APIRouter()
ACTIONS = ("contacted", "accept", "reject", "qualify", "opportunity", "won", "lost")


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """The handoffs still worked: the rep's own (a manager's team, everyone's for an admin), the SLA first."""
    rows = inbox(session=session, visible=visible_to(principal))
    return page(request, "inbox.html", principal=principal, rows=rows, stages=STAGES, notice=notice(request))


def _may_act(principal: Any) -> bool:
    return principal.role in ("rep", "manager", "admin")


def _visible(session: Session, principal: Any, handoff_id: int) -> bool:
    query = visible_to(principal)(select(Handoff.id).where(Handoff.id == handoff_id))
    return session.scalar(query) is not None


def _show(request: Request, session: Session, principal: Any, handoff_id: int, *, status_code: int = 200,
          errors: dict[str, str] | None = None, error: str = "", values: dict[str, str] | None = None,
          opened: str = "") -> HTMLResponse:
    may_reassign = principal.role in ("manager", "admin")
    data = handoff_page(session=session, handoff_id=handoff_id, may_reassign=may_reassign)
    return page(request, "handoff.html", principal=principal, status_code=status_code, p=data,
                may_act=_may_act(principal), errors=errors or {}, error=error, values=values or {},
                opened=opened, notice=notice(request))


def _exists(session: Session, handoff_id: int) -> bool:
    return session.get(Handoff, handoff_id) is not None


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_view(handoff_id: int, request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """One handoff: brief, why now, timeline, clocks, the audit trail, and the actions its state allows."""
    if not _exists(session, handoff_id):
        return refused(request, principal, 404, f"There is no handoff {handoff_id}.")
    if not _visible(session, principal, handoff_id):
        return refused(request, principal, 403, f"Handoff {handoff_id} is not yours to see.")
    return _show(request, session, principal, handoff_id)


def _act(session: Session, principal: Any, handoff: Handoff, action: str, fields: dict[str, str]) -> None:
    """Delegate one action to the feedback service, as the signed-in principal."""
    now, by = get_clock().now(), principal.email
    if action == "contacted":
        feedback.mark_contacted(session=session, handoff_id=handoff.id, by=by, now=now)
    elif action == "accept":
        feedback.accept(session=session, handoff_id=handoff.id, by=by, now=now)
    elif action == "reject":
        feedback.reject(session=session, handoff_id=handoff.id, by=by, reason=fields.get("reason"),
                        note=fields.get("note"), now=now)
    elif action == "qualify":
        answers = {name: fields.get(name) for name in feedback.BANT}
        feedback.qualify(session=session, handoff_id=handoff.id, by=by, answers=answers, now=now)
    elif action == "opportunity":
        feedback.open_opportunity(session=session, person_id=handoff.person_id, by=by, now=now,
                                  amount=optional_float(fields.get("amount"), "amount"))
    elif action == "won":
        feedback.win(session=session, person_id=handoff.person_id, by=by, now=now,
                     amount=optional_float(fields.get("amount"), "won_amount"))
    elif action == "lost":
        feedback.lose(session=session, person_id=handoff.person_id, by=by, reason=fields.get("lost_reason"),
                      now=now)


# Declared before the actions, whose route would otherwise take "reassign" for an action.
@router.post("/handoffs/{handoff_id}/reassign", response_class=HTMLResponse, name="reassign_handoff")
def reassign_view(handoff_id: int, request: Request, session: DbSession, principal: Reader,
                  fields: Fields) -> Response:
    """Give the handoff to another rep of its team (a manager for their teams, an admin for any)."""
    if not _exists(session, handoff_id):
        return refused(request, principal, 404, f"There is no handoff {handoff_id}.")
    if principal.role not in ("manager", "admin") or not _visible(session, principal, handoff_id):
        return refused(request, principal, 403, f"You cannot reassign handoff {handoff_id}.")
    team_ids = principal.team_ids if principal.role == "manager" else None
    try:
        to_rep = int(fields.get("rep_id") or "")
    except ValueError:
        return _show(request, session, principal, handoff_id, status_code=422,
                     errors={"rep_id": "choose the rep to give this handoff to"}, opened="reassign")
    try:
        reassign(session=session, handoff_id=handoff_id, to_rep_id=to_rep, by=principal.label,
                 now=get_clock().now(), team_ids=team_ids)
    except ReassignRefused as problem:
        session.rollback()
        return _show(request, session, principal, handoff_id, status_code=422, errors={"rep_id": str(problem)},
                     opened="reassign")
    except (HandoffNotInYourTeam, HandoffNotFound) as problem:
        session.rollback()
        return refused(request, principal, 403, str(problem))
    return done(f"/handoffs/{handoff_id}", "reassign")


# Which form field a service's complaint is about, by action.
FIELD_OF = {"reject": "reason", "lost": "lost_reason", "opportunity": "amount", "won": "won_amount"}


@router.post("/handoffs/{handoff_id}/{action}", response_class=HTMLResponse)
def handoff_action(handoff_id: int, action: str, request: Request, session: DbSession, principal: Reader,
                   fields: Fields) -> Response:
    """Mark contacted, accept, reject (with a reason), qualify, open an opportunity, won or lost."""
    if action not in ACTIONS:
        return refused(request, principal, 404, f"There is no action {action!r}; use one of {', '.join(ACTIONS)}.")
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        return refused(request, principal, 404, f"There is no handoff {handoff_id}.")
    if not _visible(session, principal, handoff_id) or not _may_act(principal):
        return refused(request, principal, 403, f"You cannot act on handoff {handoff_id}.")
    try:
        _act(session, principal, handoff, action, fields)
    except (feedback.InvalidFeedback, FormProblem) as problem:
        session.rollback()
        field = problem.field if isinstance(problem, FormProblem) else FIELD_OF.get(action, action)
        return _show(request, session, principal, handoff_id, status_code=422, errors={field: str(problem)},
                     values=fields, opened=action)
    except feedback.FeedbackRefused as problem:
        session.rollback()
        return _show(request, session, principal, handoff_id, status_code=409, error=str(problem))
    except feedback.NotPermitted as problem:
        session.rollback()
        return refused(request, principal, 403, str(problem))
    return done(f"/handoffs/{handoff_id}", action)
