"""When enrichment is asked for: a lead held in needs_context because its company, industry or size is unknown
has its account looked up, so that it is released as soon as the provider answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.enrichment.delivery import request_enrichment
from leadpact.lifecycle import Status
from leadpact.pact import Evaluation
from leadpact.people.models import Account, Person

# The engine's moves `on_held` hears of (wired by the composition root).
HELD = frozenset({Status.needs_context.value})
# Readiness items an account's firmographics answer (SPEC §4: company = account name, company_size = employees).
ANSWERED = frozenset({"company", "industry", "company_size"})


def on_held(session: Session, person: Person, source: str, target: str, evaluation: Evaluation,
            now: datetime) -> None:
    """The engine's listener: a lead held for what enrichment knows has its account looked up."""
    if person.account_id is None or not ANSWERED & set(evaluation.missing):
        return
    account = session.get(Account, person.account_id)
    if account is not None:
        request_enrichment(session=session, account=account, now=now)

