"""Rotating the secrets key: every sealed value re-sealed under the newest key, in one transaction.

With LEADPACT_SECRETS_KEY: put the new key first and the old one after it (`NEW,OLD`) on every process, run
`leadpact secrets rotate`, then drop the old key. With the generated key file: `rotate` writes a new key in front of
the old one, re-seals everything, then leaves only the new key in the file (a crash in between leaves both, which
still opens everything)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

import leadpact.models  # noqa: F401 - every model, so every sealed attribute is registered
from leadpact.config import Settings
from leadpact.crm.erasure import KIND as ERASURE_KIND
from leadpact.crm.erasure import SEALED
from leadpact.db import session_scope
from leadpact.outbox.models import OutboxMessage
from leadpact.sealing import KeyRing, key_file, key_ring, new_key, reseal, sealed_attributes, write_key_file


@dataclass
class RotationReport:
    """What a rotation re-sealed, where the new key lives, and which key sources were used."""

    resealed: dict[str, int] = field(default_factory=dict)
    source: str = ""
    new_key_written: bool = False

    @property
    def total(self) -> int:
        """How many values were re-sealed."""
        return sum(self.resealed.values())


def reseal_all(*, engine: Engine, ring: KeyRing) -> dict[str, int]:
    """Re-seal every sealed column value and every sealed outbox request under `ring`'s newest key, in one
    transaction (a value no key of `ring` opens stops it: nothing is changed). Return counts per column."""
    counts: dict[str, int] = {}
    with session_scope(engine) as session:
        for model, _name, column in sealed_attributes():
            attribute = getattr(model, column)
            table = model.__table__  # type: ignore[attr-defined]
            rows = session.execute(select(table.c.id, attribute).where(attribute.is_not(None))).all()
            for row_id, stored in rows:
                session.execute(update(model).where(table.c.id == row_id).values({column: reseal(stored, ring=ring)}))
            counts[f"{table.name}.{attribute.property.columns[0].name}"] = len(rows)
        requests = 0
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ERASURE_KIND)):
            payload = dict(message.payload or {})
            if isinstance(payload.get(SEALED), str):
                payload[SEALED] = reseal(payload[SEALED], ring=ring)
                message.payload = payload
                requests += 1
        counts["outbox.crm_erase requests"] = requests
    return counts


def rotate(*, engine: Engine) -> RotationReport:
    """Re-seal every stored secret under a newer key: the first of LEADPACT_SECRETS_KEY, or a fresh key written to
    the key file (which keeps only it once everything is re-sealed)."""
    settings = Settings()
    if settings.secrets_key:
        ring = key_ring()
        return RotationReport(resealed=reseal_all(engine=engine, ring=ring), source=ring.source)
    path = key_file(settings)
    old = key_ring().keys  # generates the file when there was none: the first rotation then has nothing old
    fresh = new_key()
    write_key_file(path, [fresh, *old])
    resealed = reseal_all(engine=engine, ring=KeyRing((fresh, *old), str(path.resolve())))
    write_key_file(path, [fresh])
    return RotationReport(resealed=resealed, source=str(path.resolve()), new_key_written=True)
