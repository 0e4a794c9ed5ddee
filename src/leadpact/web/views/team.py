"""The manager's view (/team): each team's compliance, risks, breaches, feedback overdue and reps, with the form
that sets a rep away (until a return date), their capacity and routing weight."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from leadpact.access import Principal
from leadpact.clock import get_clock
from leadpact.org.availability import InvalidAvailability, NotYourTeam, set_availability
from leadpact.web.deps import DbSession, TeamLead, visible_to
from leadpact.web.pages.team import team_view, teams_of
from leadpact.web.templating import page
from leadpact.web.views.common import FormProblem, done, notice, optional_date, optional_int, refused
from leadpact.web.views.forms import Fields

router = APIRouter()


def _team_ids(principal: Principal) -> frozenset[int] | None:
    return None if principal.is_admin else frozenset(principal.team_ids)


def _show(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
          errors: dict[int, dict[str, str]] | None = None, values: dict[int, dict[str, str]] | None = None
          ) -> HTMLResponse:
    now = get_clock().now()
    views = [team_view(session=session, team=team, visible=visible_to(principal), now=now)
             for team in teams_of(session=session, team_ids=_team_ids(principal))]
    return page(request, "team.html", principal=principal, status_code=status_code, teams=views,
                errors=errors or {}, values=values or {}, notice=notice(request))


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, session: DbSession, principal: TeamLead) -> HTMLResponse:
    """My teams: SLA compliance by rep, open risks, breaches and escalations, feedback overdue, availability."""
    return _show(request, session, principal)


@router.post("/team/availability", response_class=HTMLResponse)
def availability(request: Request, session: DbSession, principal: TeamLead, fields: Fields) -> Response:
    """Set a rep (form field rep_id) away with a return date, or back, and their capacity and routing weight."""
    try:
        rep_id = optional_int(fields.get("rep_id"), "rep_id")
    except FormProblem:
        rep_id = None
    if rep_id is None:
        return refused(request, principal, 422, "Say which rep: the form has no rep_id.")
    try:
        weight = optional_int(fields.get("weight"), "weight")
        set_availability(
            session=session, rep_id=rep_id, away=fields.get("away") == "on",
            away_until=optional_date(fields.get("away_until"), "away_until"),
            capacity=optional_int(fields.get("capacity"), "capacity"), weight=1 if weight is None else weight,
            by=principal.label, by_user_id=principal.user_id, now=get_clock().now(), team_ids=_team_ids(principal))
    except (InvalidAvailability, FormProblem) as problem:
        session.rollback()
        return _show(request, session, principal, status_code=422, errors={rep_id: {problem.field: str(problem)}},
                     values={rep_id: fields})
    except NotYourTeam as problem:
        session.rollback()
        return refused(request, principal, 403, str(problem))
    return done("/team", "availability")
