"""The account page (/accounts/N) and the person page (/people/N), reachable from every handoff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadpact.access import require_person
from leadpact.people.models import Account
from leadpact.web.deps import DbSession, PeopleReader, visible_to
from leadpact.web.pages.people import account_page, may_see_account, person_page
from leadpact.web.templating import page
from leadpact.web.views.common import refused

router = APIRouter()


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_view(account_id: int, request: Request, session: DbSession, principal: PeopleReader) -> HTMLResponse:
    """One view of an account: its people, their combined engagement and reading, handoffs, outcomes, owner."""
    account = session.get(Account, account_id)
    if account is None:
        return refused(request, principal, 404, f"There is no account {account_id}.")
    visible = visible_to(principal)
    if principal.role in ("rep", "manager") and not may_see_account(
            session=session, account_id=account_id, visible=visible, rep_id=principal.rep_id):
        return refused(request, principal, 403, "None of this account's handoffs is yours to see.")
    data = account_page(session=session, account=account, visible=visible)
    return page(request, "account.html", principal=principal, a=data, notice="")


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_view(person_id: int, request: Request, session: DbSession, principal: PeopleReader) -> HTMLResponse:
    """A person: identity, evaluation with matched criteria and points, missing context, the audit trail."""
    person = require_person(session=session, principal=principal, person_id=person_id)
    data = person_page(session=session, person=person, visible=visible_to(principal))
    return page(request, "person.html", principal=principal, p=data, notice="")
