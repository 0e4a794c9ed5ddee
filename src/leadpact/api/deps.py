"""Annotated dependencies for the JSON API: `DbSession`, and one alias per access rule, each giving the request's
`Principal` (see `leadpact.access.rules`). Every route takes exactly one of the access aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from leadpact.access import Principal, allow, rules
from leadpact.db import session_scope


def get_session() -> Iterator[Session]:
    """Yield a session whose request owns the transaction: commit on success, roll back on any error."""
    with session_scope() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is never reported as success.
DbSession = Annotated[Session, Depends(get_session, scope="function")]

Anyone = Annotated[Principal, Depends(allow(rules.PUBLIC))]
SignedInPrincipal = Annotated[Principal, Depends(allow(rules.SIGNED_IN))]
SiteFormKey = Annotated[Principal, Depends(allow(rules.SITE_FORM))]
PactReader = Annotated[Principal, Depends(allow(rules.READER))]
HandoffReader = Annotated[Principal, Depends(allow(rules.HANDOFF_READER))]
RepWork = Annotated[Principal, Depends(allow(rules.HANDOFF_WORK))]
PeopleReader = Annotated[Principal, Depends(allow(rules.PEOPLE_READER))]
PersonWork = Annotated[Principal, Depends(allow(rules.PERSON_WORK))]
TeamLead = Annotated[Principal, Depends(allow(rules.TEAM_LEAD))]
MarketingWork = Annotated[Principal, Depends(allow(rules.MARKETING))]
PactSigner = Annotated[Principal, Depends(allow(rules.PACT_SIGNATURE))]
PactSteward = Annotated[Principal, Depends(allow(rules.PACT_STEWARD))]
InsightsReader = Annotated[Principal, Depends(allow(rules.INSIGHTS))]
ReportsReader = Annotated[Principal, Depends(allow(rules.REPORTS))]
OperationsReader = Annotated[Principal, Depends(allow(rules.OPERATIONS))]
AdminPrincipal = Annotated[Principal, Depends(allow(rules.ADMIN))]
# Kept for routes written before access rules: an admin key then is an admin principal now (rule Admin).
AdminKey = AdminPrincipal

# For routers whose routes check their own credentials (include_router(..., dependencies=[...])).
TRACKING = Depends(allow(rules.TRACKING))
# The probes a load balancer and Prometheus call (aggregates only, no personal data).
PROBES = Depends(allow(rules.PUBLIC))
CRM_WEBHOOK = Depends(allow(rules.CRM_WEBHOOK))
