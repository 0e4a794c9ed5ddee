"""People and accounts as the evaluator reads them, fetched as plain rows straight through the driver.

Live evaluation reads every person of every stored batch: loading them as ORM objects cost more than
evaluating them. These rows carry the attributes `person_facts` and `account_facts` read, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from leadpact.db import select_in
from leadpact.engine.inputs import ACCOUNT_COLUMNS, PERSON_COLUMNS
from leadpact.people.models import Account, Person

PERSON_FIELDS = ("id", "status", "account_id", "event_count", "traits", "company_name", *PERSON_COLUMNS)
ACCOUNT_FIELDS = ("id", "traits", "owner_rep_id", *ACCOUNT_COLUMNS)


class Row:
    """A stored row's columns as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def people_rows(session: Session, person_ids: Iterable[int]) -> list[Any]:
    """The people with these ids, in id order."""
    return _rows(session, Person.__table__, PERSON_FIELDS, person_ids)


def account_rows(session: Session, account_ids: Iterable[int]) -> dict[int, Any]:
    """The accounts with these ids, by id."""
    return {row.id: row for row in _rows(session, Account.__table__, ACCOUNT_FIELDS, account_ids)}


def _rows(session: Session, table: Any, fields: tuple[str, ...], ids: Iterable[int]) -> list[Any]:
    rows = select_in(session.connection(), table, fields, "id", ids)
    return [Row(dict(zip(fields, values, strict=True))) for values in rows]
