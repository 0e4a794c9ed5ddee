"""Erasure in the CRMs: the matching delete (HubSpot's GDPR delete, Salesforce's delete) queued in the outbox with
the erasure, delivered by the worker with the outbox's retries.

The request names the person's CRM records and email, which are personal data: it travels sealed (`_sealed`, under
the secrets key) so the outbox holds nothing readable about the person, and the CRM links are dropped at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from leadpact.crm.base import CrmErasure, CrmError
from leadpact.crm.delivery import connected_crms, delivery_error
from leadpact.crm.models import CrmLink
from leadpact.crm.push import person_key
from leadpact.crm.settings import connector_for
from leadpact.db import session_scope
from leadpact.outbox import Delivery, DeliveryError, enqueue
from leadpact.sealing import SecretsKeyError, seal, unseal

KIND = "crm_erase"
TOPIC = "person.erased"
SEALED = "_sealed"


def enqueue_erasures(*, session: Session, people: dict[int, str | None], handoff_ids: Sequence[int],
                     erasure_key: str, now: datetime) -> list[str]:
    """Queue, for every connected CRM and every CRM holding records of these people (person id → email), the
    delete of their records and of the notes and tasks of their handoffs; drop the links. Return the CRMs asked.
    `erasure_key` tells this erasure's rows apart from any other's (it must hold no personal data)."""
    links = list(session.scalars(select(CrmLink).where(or_(
        (CrmLink.kind == "person") & CrmLink.local_id.in_(list(people)),
        CrmLink.kind.in_(("note", "task")) & CrmLink.local_id.in_(list(handoff_ids))))))
    records: dict[tuple[str, str], list[str]] = defaultdict(list)
    for link in links:
        if link.crm_id:
            records[(link.crm, link.kind)].append(link.crm_id)
    crms = sorted(set(connected_crms(session=session)) | {link.crm for link in links})
    for crm in crms:
        for number, (person_id, email) in enumerate(sorted(people.items())):
            own = [link.crm_id for link in links if link.crm == crm and link.kind == "person"
                   and link.local_id == person_id and link.crm_id]
            # The notes and tasks go with the first request: they belong to the handoffs, not to one person row.
            request = {"key": person_key(person_id), "email": email, "person_ids": own,
                       "note_ids": records[(crm, "note")] if number == 0 else [],
                       "task_ids": records[(crm, "task")] if number == 0 else []}
            enqueue(session=session, kind=KIND, topic=TOPIC, destination=crm,
                    payload={SEALED: seal(orjson.dumps(request).decode())},
                    idempotency_key=f"{KIND}:{crm}:{erasure_key}:{number}"[:200], now=now)
    if links:
        session.execute(delete(CrmLink).where(CrmLink.id.in_([link.id for link in links])))
    return crms


def erasure_request(payload: dict[str, Any]) -> CrmErasure:
    """The delete a queued row asks for, unsealed (raise SecretsKeyError when the key cannot open it)."""
    request = orjson.loads(unseal(str(payload[SEALED])))
    return CrmErasure(key=request["key"], email=request.get("email"), person_ids=tuple(request["person_ids"]),
                      note_ids=tuple(request["note_ids"]), task_ids=tuple(request["task_ids"]))


def deliver_erasure(delivery: Delivery) -> None:
    """The outbox's `crm_erase` transport: ask the CRM the row names to delete the person's records."""
    if SEALED not in delivery.payload:
        raise DeliveryError(f"crm erasure #{delivery.id} carries no request", permanent=True)
    try:
        request = erasure_request(delivery.payload)
    except SecretsKeyError as error:
        raise DeliveryError(str(error), retry_after=900.0) from None
    try:
        with session_scope() as session:
            connector = connector_for(delivery.destination, session=session)
        connector.erase_person(request)
    except CrmError as error:
        raise delivery_error(error) from error

