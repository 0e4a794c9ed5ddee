"""The pact pages: versions, a version's signed document, diff in words, new drafts, sign-offs, activation,
proposals from the evidence and backtests side by side."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from leadpact.access import Principal
from leadpact.clock import get_clock
from leadpact.insights.backtest.window import BacktestWindowError, compare_sources, window
from leadpact.insights.proposals.service import NothingToPropose, propose_next_pact
from leadpact.org.models import User
from leadpact.pact import diff, stored_pact
from leadpact.pact.load import InvalidPact
from leadpact.pact.versions import PactStateError, activate, active_version, add_draft, approve, get_version
from leadpact.web.deps import DbSession, Insights, Marketing, PactReader, PactSigner, PactSteward
from leadpact.web.pages.pacts import AUTHORS, side_by_side, version_page, versions
from leadpact.web.templating import page
from leadpact.web.views.common import FormProblem, done, notice, optional_date, refused
from leadpact.web.views.forms import Fields

router = APIRouter()


@router.get("/pacts", response_class=HTMLResponse)
def pacts_page(request: Request, session: DbSession, principal: PactReader) -> HTMLResponse:
    """Every version with its state and sign-offs; compare any two."""
    rows = versions(session=session)
    return page(request, "pacts.html", principal=principal, rows=rows, may_write=principal.role in AUTHORS,
                notice=notice(request))


@router.get("/pacts/diff", response_class=HTMLResponse)
def diff_page(request: Request, session: DbSession, principal: PactReader,
              from_version: Annotated[str | None, Query(alias="from")] = None,
              to_version: Annotated[str | None, Query(alias="to")] = None) -> Response:
    """What changed, in words, from one version to another (without both: back to the versions, to pick two)."""
    if not from_version or not to_version:
        return RedirectResponse("/pacts", status_code=303)
    if not (from_version.isdigit() and to_version.isdigit()):
        return refused(request, principal, 422, f"Versions are numbers: {from_version!r} → {to_version!r}.")
    old = get_version(session=session, version=int(from_version))
    new = get_version(session=session, version=int(to_version))
    if old is None or new is None:
        missing = from_version if old is None else to_version
        return refused(request, principal, 404, f"There is no pact version {missing}.")
    changes = diff(stored_pact(old.source), stored_pact(new.source))
    return page(request, "pact_diff.html", principal=principal, old=old, new=new, changes=changes, notice="")


def _draft_form(request: Request, principal: Principal, source: str, note: str, *, status_code: int = 200,
                problems: list[Any] | None = None) -> HTMLResponse:
    return page(request, "pact_new.html", principal=principal, status_code=status_code, source=source, note=note,
                problems=problems or [], notice="")


@router.get("/pacts/new", response_class=HTMLResponse)
def new_draft_page(request: Request, session: DbSession, principal: Marketing,
                   base: Annotated[int | None, Query(alias="from")] = None) -> HTMLResponse:
    """A new draft, starting from a stored version (default: the active one)."""
    row = get_version(session=session, version=base) if base is not None else active_version(session=session)
    return _draft_form(request, principal, row.source if row is not None else "", "")


@router.post("/pacts", response_class=HTMLResponse)
def add_draft_view(request: Request, session: DbSession, principal: Marketing, fields: Fields) -> Response:
    """Store a pact as the next draft; an invalid one comes back with each problem's line and column."""
    source, note = fields.get("source", ""), fields.get("note", "")
    if not source.strip():
        return _draft_form(request, principal, source, note, status_code=422,
                           problems=[{"line": 1, "column": 1, "message": "the pact is empty: write its YAML"}])
    try:
        row = add_draft(session=session, source=source, author=principal.label, note=note.strip() or None,
                        now=get_clock().now())
    except InvalidPact as invalid:
        session.rollback()
        return _draft_form(request, principal, source, note, status_code=422, problems=invalid.errors)
    return done(f"/pacts/{row.version}", "draft")


def _show(request: Request, session: Session, principal: Principal, version: int, *, status_code: int = 200,
          error: str = "", backtest: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None) -> HTMLResponse:
    row = get_version(session=session, version=version)
    if row is None:
        return refused(request, principal, 404, f"There is no pact version {version}.")
    data = version_page(session=session, row=row, role=principal.role)
    return page(request, "pact.html", principal=principal, status_code=status_code, v=data, error=error,
                backtest=backtest, errors=errors or {}, values=values or {}, notice=notice(request))


@router.get("/pacts/{version}", response_class=HTMLResponse)
def version_view(version: int, request: Request, session: DbSession, principal: PactReader) -> HTMLResponse:
    """One version: the document both teams sign, its sign-offs, what changes against the active version."""
    return _show(request, session, principal, version)


def _acting_user(session: Session, principal: Principal) -> User | None:
    return session.get(User, principal.user_id) if principal.user_id is not None else None


@router.post("/pacts/{version}/approve", response_class=HTMLResponse)
def approve_view(version: int, request: Request, session: DbSession, principal: PactSigner) -> Response:
    """Sign a draft for the reader's side: a marketing user for marketing, a sales manager for sales."""
    user = _acting_user(session, principal)
    if user is None:
        return refused(request, principal, 403, "A pact is signed by a signed-in marketing user or sales manager.")
    if get_version(session=session, version=version) is None:
        return refused(request, principal, 404, f"There is no pact version {version}.")
    try:
        approve(session=session, version=version, user=user, now=get_clock().now())
    except PactStateError as problem:
        session.rollback()
        return _show(request, session, principal, version, status_code=409, error=str(problem))
    return done(f"/pacts/{version}", "approve")


@router.post("/pacts/{version}/activate", response_class=HTMLResponse)
def activate_view(version: int, request: Request, session: DbSession, principal: PactSteward) -> Response:
    """Put an approved version into force; everyone open is re-evaluated under it."""
    user = _acting_user(session, principal)
    if get_version(session=session, version=version) is None:
        return refused(request, principal, 404, f"There is no pact version {version}.")
    try:
        activate(session=session, version=version, actor=user if user is not None else principal.label,
                 now=get_clock().now())
    except PactStateError as problem:
        session.rollback()
        return _show(request, session, principal, version, status_code=409, error=str(problem))
    return done(f"/pacts/{version}", "activate")


@router.post("/pacts/{version}/backtest", response_class=HTMLResponse)
def backtest_view(version: int, request: Request, session: DbSession, principal: Insights,
                  fields: Fields) -> Response:
    """Replay stored history under this version beside the active one over a chosen window."""
    row = get_version(session=session, version=version)
    if row is None:
        return refused(request, principal, 404, f"There is no pact version {version}.")
    try:
        start = optional_date(fields.get("start"), "start")
        end = optional_date(fields.get("end"), "end")
        first, last = window(session=session, start=start.date() if start else None,
                             end=end.date() if end else None)
    except (FormProblem, BacktestWindowError) as problem:
        return _show(request, session, principal, version, status_code=422, errors={problem.field: str(problem)},
                     values=fields)
    active = active_version(session=session)
    against = (f"v{active.version} (active)", active.source) if active and active.version != version else None
    report = compare_sources(session=session, candidate=(f"v{version}", row.source), against=against,
                             start=first, end=last)
    return _show(request, session, principal, version, backtest=side_by_side(report), values=fields)


@router.post("/pacts/propose", response_class=HTMLResponse)
def propose_view(request: Request, session: DbSession, principal: Marketing) -> Response:
    """Propose the next pact from sales' feedback, stored as a draft, with its backtests side by side."""
    try:
        proposal = propose_next_pact(session=session, author=principal.label, now=get_clock().now())
    except NothingToPropose as problem:
        return refused(request, principal, 409, str(problem))
    except InvalidPact as invalid:
        # A proposed pact that fails its own written-down examples is not stored: say which, and why.
        session.rollback()
        return refused(request, principal, 409, f"The proposed pact fails validation, so it was not stored: {invalid}")
    history = proposal["backtest"].get("side_by_side")
    return page(request, "proposal.html", principal=principal, proposal=proposal,
                history=side_by_side(history) if history else None, notice="")
