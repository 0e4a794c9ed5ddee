"""The rep's pages: the inbox and the handoff page (/handoffs/N) with its actions, and a manager's reassignment.

Each action goes through the same service as the API and writes the same audit entry (action names as the API's)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from leadpact import feedback
from leadpact.access import Principal, acting_as, require_handoff, require_person
from leadpact.audit import record
from leadpact.clock import get_clock
from leadpact.feedback.reassign import ReassignRefused, reassign_to
from leadpact.handoff.models import Handoff
from leadpact.web.deps import DbSession, HandoffReader, HandoffWork, TeamLead, visible_to
from leadpact.web.pages.handoff import handoff_page
from leadpact.web.pages.inbox import STAGES, inbox
from leadpact.web.templating import page
from leadpact.web.views.common import FormProblem, done, notice, optional_float
from leadpact.web.views.forms import Fields

router = APIRouter()
Act = Callable[[Session, Handoff, str, dict[str, str]], None]


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: DbSession, principal: HandoffReader) -> HTMLResponse:
    """The handoffs still worked: the rep's own (a manager's teams', everyone's for marketing and admins)."""
    rows = inbox(session=session, visible=visible_to(principal))
    return page(request, "inbox.html", principal=principal, rows=rows, stages=STAGES, notice=notice(request))


def _may_act(principal: Principal) -> bool:
    return principal.role in ("rep", "manager", "admin")


def _show(request: Request, session: Session, principal: Principal, handoff_id: int, *, status_code: int = 200,
          errors: dict[str, str] | None = None, error: str = "", values: dict[str, str] | None = None,
          opened: str = "") -> HTMLResponse:
    may_reassign = principal.role in ("manager", "admin")
    data = handoff_page(session=session, handoff_id=handoff_id, may_reassign=may_reassign)
    return page(request, "handoff.html", principal=principal, status_code=status_code, p=data,
                may_act=_may_act(principal), errors=errors or {}, error=error, values=values or {},
                opened=opened, notice=notice(request))


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
def handoff_view(handoff_id: int, request: Request, session: DbSession, principal: HandoffReader) -> HTMLResponse:
    """One handoff: brief, why now, timeline, clocks, the audit trail, and the actions its state allows."""
    require_handoff(session=session, principal=principal, handoff_id=handoff_id)
    return _show(request, session, principal, handoff_id)


def _audit(session: Session, principal: Principal, action: str, subject: str) -> None:
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action=action, subject=subject, at=get_clock().now())


def _contacted(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.mark_contacted(session=session, handoff_id=handoff.id, by=by, now=get_clock().now())


def _accept(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.accept(session=session, handoff_id=handoff.id, by=by, now=get_clock().now())


def _reject(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.reject(session=session, handoff_id=handoff.id, by=by, reason=fields.get("reason"),
                    note=fields.get("note"), now=get_clock().now())


def _qualify(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    answers = {name: fields.get(name) for name in feedback.BANT}
    feedback.qualify(session=session, handoff_id=handoff.id, by=by, answers=answers, now=get_clock().now())


def _opportunity(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.open_opportunity(session=session, person_id=handoff.person_id, by=by, now=get_clock().now(),
                              amount=optional_float(fields.get("amount"), "amount"))


def _won(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.win(session=session, person_id=handoff.person_id, by=by, now=get_clock().now(),
                 amount=optional_float(fields.get("amount"), "won_amount"))


def _lost(session: Session, handoff: Handoff, by: str, fields: dict[str, str]) -> None:
    feedback.lose(session=session, person_id=handoff.person_id, by=by, reason=fields.get("lost_reason"),
                  now=get_clock().now())


# Each action: what it does, the audit entry the API writes for it, whether it is about the person (outcomes) or
# the handoff, and the form field its complaints are about.
ACTIONS: dict[str, tuple[Act, str, bool, str]] = {
    "contacted": (_contacted, "handoff.contacted", False, "contacted"),
    "accept": (_accept, "handoff.accepted", False, "accept"),
    "reject": (_reject, "handoff.rejected", False, "reason"),
    "qualify": (_qualify, "handoff.qualified", False, "qualify"),
    "opportunity": (_opportunity, "person.opportunity", True, "amount"),
    "won": (_won, "person.won", True, "won_amount"),
    "lost": (_lost, "person.lost", True, "lost_reason"),
}


def _act(action: str, handoff_id: int, request: Request, session: Session, principal: Principal,
         fields: dict[str, str]) -> Response:
    """Do one action as the signed-in principal; bad input re-renders the page with the message by its field."""
    do, audited, on_person, field = ACTIONS[action]
    handoff = require_handoff(session=session, principal=principal, handoff_id=handoff_id, act=True)
    if on_person:
        require_person(session=session, principal=principal, person_id=handoff.person_id, act=True)
    acting = acting_as(principal, None)
    try:
        do(session, handoff, acting.email, fields)
    except (feedback.InvalidFeedback, FormProblem) as problem:
        session.rollback()
        return _show(request, session, principal, handoff_id, status_code=422, values=fields, opened=action,
                     errors={problem.field if isinstance(problem, FormProblem) else field: str(problem)})
    except feedback.FeedbackRefused as problem:
        session.rollback()
        return _show(request, session, principal, handoff_id, status_code=409, error=str(problem))
    subject = f"person:{handoff.person_id}" if on_person else f"handoff:{handoff_id}"
    _audit(session, principal, audited, subject)
    return done(f"/handoffs/{handoff_id}", action)


@router.post("/handoffs/{handoff_id}/contacted", response_class=HTMLResponse)
def contacted(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork,
              fields: Fields) -> Response:
    """Mark the first touch: the SLA clock stops."""
    return _act("contacted", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/accept", response_class=HTMLResponse)
def accept(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork,
           fields: Fields) -> Response:
    """Accept the handoff."""
    return _act("accept", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/reject", response_class=HTMLResponse)
def reject(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork,
           fields: Fields) -> Response:
    """Reject the handoff with exactly one reason from the pact (refused without one), and an optional note."""
    return _act("reject", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/qualify", response_class=HTMLResponse)
def qualify(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork,
            fields: Fields) -> Response:
    """Qualify an accepted lead to SQL, with optional BANT answers."""
    return _act("qualify", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/opportunity", response_class=HTMLResponse)
def opportunity(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork,
                fields: Fields) -> Response:
    """Open an opportunity for the handoff's person."""
    return _act("opportunity", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/won", response_class=HTMLResponse)
def won(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork, fields: Fields) -> Response:
    """Close the person's opportunity as won."""
    return _act("won", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/lost", response_class=HTMLResponse)
def lost(handoff_id: int, request: Request, session: DbSession, principal: HandoffWork, fields: Fields) -> Response:
    """Record the person as lost, with a reason."""
    return _act("lost", handoff_id, request, session, principal, fields)


@router.post("/handoffs/{handoff_id}/reassign", response_class=HTMLResponse)
def reassign_view(handoff_id: int, request: Request, session: DbSession, principal: TeamLead,
                  fields: Fields) -> Response:
    """Give the handoff to another rep of the team (a manager within their teams, an admin to anyone)."""
    require_handoff(session=session, principal=principal, handoff_id=handoff_id, act=True)
    rep_email = fields.get("rep_email", "").strip()
    if not rep_email:
        return _show(request, session, principal, handoff_id, status_code=422, opened="reassign",
                     errors={"rep_email": "choose the rep to give this handoff to"})
    now = get_clock().now()
    try:
        previous, rep = reassign_to(session=session, handoff_id=handoff_id, rep_email=rep_email, now=now,
                                    within_teams=None if principal.is_admin else principal.team_ids)
    except ReassignRefused as problem:
        session.rollback()
        return _show(request, session, principal, handoff_id, status_code=422, opened="reassign",
                     errors={"rep_email": str(problem)})
    record(session=session, actor=principal.label, actor_user_id=principal.user_id, actor_key_id=principal.key_id,
           action="handoff.reassigned", subject=f"handoff:{handoff_id}", at=now,
           details={"from_rep_id": previous, "to_rep_id": rep})
    return done(f"/handoffs/{handoff_id}", "reassign")


__all__ = ["ACTIONS", "router"]
