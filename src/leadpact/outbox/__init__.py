"""The transactional outbox: notifications and CRM pushes written with the change that causes them, delivered
after commit by workers with retries, leases and idempotency keys (at-least-once delivery, exactly-once effect)."""

from leadpact.outbox.delivery import record_outcome, worker_leases
from leadpact.outbox.leases import Leases
from leadpact.outbox.models import NotificationChannel, OutboxMessage
from leadpact.outbox.payloads import handoff_payload
from leadpact.outbox.service import MANAGER_TOPICS, REP_TOPICS, TOPICS, delivery_key, enqueue, notify, recipients
from leadpact.outbox.transports import NOTIFICATION_TRANSPORTS, Delivery, DeliveryError, Transport

__all__ = [
    "MANAGER_TOPICS",
    "NOTIFICATION_TRANSPORTS",
    "REP_TOPICS",
    "TOPICS",
    "Delivery",
    "DeliveryError",
    "Leases",
    "NotificationChannel",
    "OutboxMessage",
    "Transport",
    "delivery_key",
    "enqueue",
    "handoff_payload",
    "notify",
    "recipients",
    "record_outcome",
    "worker_leases",
]
