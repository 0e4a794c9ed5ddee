"""The handoff: a qualified lead routed to a rep with a brief, on the SLA clock (SPEC §7).

Other domains import from here only.
"""

from leadpact.handoff.brief import Brief, write_brief
from leadpact.handoff.closing import close_left_handoffs
from leadpact.handoff.flows import HEARD, HandoffOpened, hand_off, on_person_moved, publish_missing
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.handoff.routing import Assignment, route
from leadpact.handoff.service import (
    STATES,
    TIERS,
    HandoffNotFound,
    HandoffView,
    describe,
    get_handoff,
    latest_handoff,
    list_handoffs,
    missing_context,
    open_handoff,
    person_by_email,
    readiness_items,
)

__all__ = [
    "HEARD", "STATES", "TIERS", "Assignment", "Brief", "Handoff", "HandoffNotFound", "HandoffOpened", "HandoffView",
    "Opportunity",
    "close_left_handoffs", "describe", "get_handoff", "hand_off", "latest_handoff", "list_handoffs",
    "missing_context", "on_person_moved", "open_handoff", "person_by_email", "publish_missing", "readiness_items",
    "route", "write_brief",
]
