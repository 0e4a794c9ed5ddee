"""CRM connectors (SPEC §11): HubSpot and Salesforce behind one capability base class, pushed through the
outbox and pulled back as feedback, first touches and outcomes.

Other domains import from here only. The composition root wires `deliver` as the outbox's `crm` transport and
`enqueue_handoff_pushes` as a listener to new handoffs.
"""

from leadpact.crm.base import (
    ConnectionReport,
    CrmAuthError,
    CrmChange,
    CrmConflict,
    CrmConnector,
    CrmErasure,
    CrmError,
    CrmInvalid,
    CrmNote,
    CrmNotFound,
    CrmPerson,
    CrmRateLimited,
    CrmTask,
    CrmUnavailable,
    PullResult,
    Upserted,
)
from leadpact.crm.delivery import (
    KIND,
    PushReport,
    deliver,
    deliver_due_pushes,
    enqueue_handoff_pushes,
    enqueue_push,
    on_handoff_opened,
)
from leadpact.crm.erasure import KIND as ERASURE_KIND
from leadpact.crm.erasure import deliver_erasure, enqueue_erasures
from leadpact.crm.mapping import CrmMapping, MappingError, load_mapping
from leadpact.crm.models import CrmConnection, CrmLink
from leadpact.crm.push import push_handoff, push_handoffs
from leadpact.crm.settings import CrmSettings, connector_for, get_crm_settings
from leadpact.crm.sync import apply_changes, pull

__all__ = [
    "ERASURE_KIND",
    "KIND",
    "PushReport",
    "ConnectionReport", "CrmAuthError", "CrmChange", "CrmConflict", "CrmConnection", "CrmConnector", "CrmErasure",
    "CrmError", "CrmInvalid", "CrmLink", "CrmMapping", "CrmNotFound", "CrmNote", "CrmPerson", "CrmRateLimited",
    "CrmSettings", "CrmTask", "CrmUnavailable", "MappingError", "PullResult", "Upserted", "apply_changes",
    "connector_for", "deliver", "deliver_due_pushes", "deliver_erasure", "enqueue_erasures",
    "enqueue_handoff_pushes", "enqueue_push", "get_crm_settings", "load_mapping", "on_handoff_opened", "pull",
    "push_handoff", "push_handoffs",
]
