"""`crm pull --history`: a CRM's closed deals, stored as historic outcomes of their people and accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from leadpact.clock import get_clock
from leadpact.crm.base import CrmConnector
from leadpact.db import session_scope
from leadpact.feedback.history import HistoryRefused, record_deal


@dataclass
class HistoryReport:
    """What one history pull did: deals found, stored, updated, already leadpact's own, and those refused (why)."""

    crm: str
    deals: int = 0
    stored: int = 0
    updated: int = 0
    tracked: int = 0
    refused: list[str] = field(default_factory=list)
    won: int = 0
    lost: int = 0


def pull_history(*, connector: CrmConnector, since: datetime | None = None,
                 engine: Engine | None = None) -> HistoryReport:
    """Read every closed deal from the CRM and store each as history, in one transaction; return what happened."""
    deals = connector.pull_history(since)
    report = HistoryReport(crm=connector.name, deals=len(deals))
    now = get_clock().now()
    with session_scope(engine) as session:
        for deal in deals:
            try:
                with session.begin_nested():
                    result, _opportunity = record_deal(session=session, deal=deal, now=now)
            except HistoryRefused as error:
                report.refused.append(f"deal {deal.external_id}: {error}")
                continue
            report.stored += result == "stored"
            report.updated += result == "updated"
            report.tracked += result == "tracked"
            report.won += deal.stage == "won"
            report.lost += deal.stage == "lost"
    return report
