"""The audit trail of who did what through leadpact's interfaces: append-only, one row per act."""

from leadpact.audit.models import AuditEntry
from leadpact.audit.service import entries, record

__all__ = ["AuditEntry", "entries", "record"]
