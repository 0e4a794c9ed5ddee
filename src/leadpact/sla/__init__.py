"""SLA clocks: deadlines in business hours, timers that fire once, escalation and speed-to-lead figures.

Other domains call `start_clocks` when a handoff is created, `record_first_touch` when a rep first reaches the
person and `record_disposition` on accept or reject; workers fire due timers (`leadpact.sla.timers`)."""

from leadpact.sla.clocks import cancel_timers, due_at, record_disposition, record_first_touch, start_clocks
from leadpact.sla.metrics import SpeedToLead, speed_to_lead, speed_to_lead_by
from leadpact.sla.models import Timer

__all__ = [
    "SpeedToLead",
    "Timer",
    "cancel_timers",
    "due_at",
    "record_disposition",
    "record_first_touch",
    "speed_to_lead",
    "speed_to_lead_by",
    "start_clocks",
]
