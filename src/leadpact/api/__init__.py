"""What every JSON API route shares: the request's database session, API key authentication, error shapes."""

from leadpact.api.deps import AdminKey, DbSession, ReadKey, get_session, require_scope
from leadpact.api.routing import ApiRoute, ErrorDetail, api_router, errors

__all__ = [
    "AdminKey", "ApiRoute", "DbSession", "ErrorDetail", "ReadKey", "api_router", "errors", "get_session",
    "require_scope",
]
