"""Who is acting: principals, the access rules every route declares, sessions and sign-in, rows a principal sees.

Other domains import from here: `from leadpact.access import Principal, allow, rules, visible_handoffs, ...`.
"""

from leadpact.access import rules
from leadpact.access.accounts import disable_user, make_personal_token, set_password
from leadpact.access.acting import Acting, acting_as
from leadpact.access.errors import AccessDenied, NotFound, NotSignedIn, SignInRefused
from leadpact.access.guard import (
    CSRF_FIELD,
    CSRF_HEADER,
    RefuseUndeclaredRoutes,
    allow,
    app_routes,
    authenticate,
    declare,
    declare_path,
    rule_of,
    rules_of,
)
from leadpact.access.models import InstallationSecret, SignInFailure, UserSession
from leadpact.access.passwords import PasswordRejected, hash_password, verify_password
from leadpact.access.principal import ANONYMOUS, Principal
from leadpact.access.rows import (
    handoff_clause,
    person_clause,
    require_handoff,
    require_person,
    visible_handoffs,
    visible_people,
)
from leadpact.access.rules import Rule
from leadpact.access.sessions import (
    COOKIE,
    SignIn,
    csrf_token_for,
    end_sessions,
    live_sessions,
    principal_for_cookie,
    sign_in,
    sign_out,
)

__all__ = [
    "ANONYMOUS", "COOKIE", "CSRF_FIELD", "CSRF_HEADER", "AccessDenied", "Acting", "InstallationSecret", "NotFound",
    "NotSignedIn", "PasswordRejected", "Principal", "RefuseUndeclaredRoutes", "Rule", "SignIn", "SignInFailure",
    "SignInRefused", "UserSession", "acting_as", "allow", "app_routes", "authenticate", "csrf_token_for", "declare",
    "declare_path", "disable_user", "end_sessions", "handoff_clause", "hash_password", "live_sessions",
    "make_personal_token", "person_clause", "principal_for_cookie", "require_handoff", "require_person", "rule_of",
    "rules", "rules_of", "set_password", "sign_in", "sign_out", "verify_password", "visible_handoffs",
    "visible_people",
]
