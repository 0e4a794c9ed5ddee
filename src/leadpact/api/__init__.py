"""What every JSON API route shares: the request's database session, its principal (one alias per access rule),
error shapes."""

from leadpact.api.deps import (
    CRM_WEBHOOK,
    PROBES,
    TRACKING,
    AdminKey,
    AdminPrincipal,
    Anyone,
    DbSession,
    HandoffReader,
    InsightsReader,
    MarketingWork,
    OperationsReader,
    PactReader,
    PactSigner,
    PactSteward,
    PeopleReader,
    PersonWork,
    ReportsReader,
    RepWork,
    SignedInPrincipal,
    SiteFormKey,
    TeamLead,
    get_session,
)
from leadpact.api.routing import ApiRoute, ErrorDetail, api_router, errors

__all__ = [
    "CRM_WEBHOOK", "PROBES", "TRACKING", "AdminKey", "AdminPrincipal", "Anyone", "ApiRoute", "DbSession", "ErrorDetail",
    "HandoffReader", "InsightsReader", "MarketingWork", "OperationsReader", "PactReader", "PactSigner", "PactSteward",
    "PeopleReader", "PersonWork", "RepWork", "ReportsReader", "SignedInPrincipal", "SiteFormKey", "TeamLead",
    "api_router", "errors", "get_session",
]
