"""Every table, imported in one place so migrations and tests see the whole schema."""

from leadpact.access.models import InstallationSecret, SignInFailure, UserSession
from leadpact.audit.models import AuditEntry
from leadpact.crm.models import CrmConnection, CrmLink, CrmWebhookSignature
from leadpact.db import Base
from leadpact.enrichment.models import AccountEnrichment, Firmographic
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.keys.models import ApiKey
from leadpact.lifecycle.models import Transition
from leadpact.org.models import Rep, Team, User
from leadpact.outbox.models import NotificationChannel, OutboxMessage
from leadpact.pact.models import Evaluation, PactActivation, PactApproval, PactVersion
from leadpact.people.models import Account, ContentAsset, Identity, Person
from leadpact.privacy.models import Erasure
from leadpact.sla.models import Timer

__all__ = [
    "Account",
    "AccountEnrichment",
    "AuditEntry",
    "InstallationSecret",
    "SignInFailure",
    "UserSession",
    "CrmConnection",
    "CrmLink",
    "CrmWebhookSignature",
    "ApiKey",
    "Base",
    "ContentAsset",
    "Erasure",
    "Evaluation",
    "Event",
    "Firmographic",
    "Handoff",
    "Identity",
    "NotificationChannel",
    "Opportunity",
    "OutboxMessage",
    "PactActivation",
    "PactApproval",
    "PactVersion",
    "Person",
    "Rep",
    "Team",
    "Timer",
    "Transition",
    "User",
]
