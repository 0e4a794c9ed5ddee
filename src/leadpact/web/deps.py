"""What every page shares: the request's database session, the principal its access rule admits (one alias per
rule, as the JSON API has), and the principal's row filter for handoff queries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from leadpact.access import Principal, allow, rules, visible_handoffs
from leadpact.access import csrf_token_for as session_csrf_token
from leadpact.api import DbSession, get_session

__all__ = [
    "Admin", "Anyone", "DbSession", "HandoffReader", "HandoffWork", "Insights", "Marketing", "PactReader",
    "PactSigner", "PactSteward", "PeopleReader", "Reports", "SignedIn", "TeamLead", "csrf_token_for", "get_session",
    "visible_to",
]

Anyone = Annotated[Principal, Depends(allow(rules.PUBLIC))]
SignedIn = Annotated[Principal, Depends(allow(rules.SIGNED_IN))]
HandoffReader = Annotated[Principal, Depends(allow(rules.HANDOFF_READER))]
HandoffWork = Annotated[Principal, Depends(allow(rules.HANDOFF_WORK))]
PeopleReader = Annotated[Principal, Depends(allow(rules.PEOPLE_READER))]
TeamLead = Annotated[Principal, Depends(allow(rules.TEAM_LEAD))]
Marketing = Annotated[Principal, Depends(allow(rules.MARKETING))]
PactReader = Annotated[Principal, Depends(allow(rules.READER))]
PactSigner = Annotated[Principal, Depends(allow(rules.PACT_SIGNATURE))]
PactSteward = Annotated[Principal, Depends(allow(rules.PACT_STEWARD))]
Insights = Annotated[Principal, Depends(allow(rules.INSIGHTS))]
Reports = Annotated[Principal, Depends(allow(rules.REPORTS))]
Admin = Annotated[Principal, Depends(allow(rules.ADMIN))]


def csrf_token_for(principal: Principal) -> str:
    """The CSRF token the principal's forms carry ('' for a request without a session)."""
    return session_csrf_token(principal) or ""


def visible_to(principal: Principal) -> Any:
    """The principal's row filter for handoff queries: a rep their own, a manager their teams', others all."""

    def limit(statement: Any) -> Any:
        return visible_handoffs(statement, principal)

    return limit
