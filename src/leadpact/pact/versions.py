"""Stored pact versions: draft → approved → active → retired, with two sign-offs and one active version.

Services flush and never commit: the command or request owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.audit import entries, record
from leadpact.db import session_rows
from leadpact.org.models import User
from leadpact.pact.load import InvalidPact, validate_pact
from leadpact.pact.models import PactActivation, PactApproval, PactVersion

__all__ = [
    "SIDES", "Approval", "InvalidPact", "PactStateError", "VersionNotFound", "activate", "activations_of",
    "active_version", "add_draft", "approvals_of", "approve", "get_version", "list_versions", "retire",
    "signatures_of",
]

# Which side of the pact each role signs for.
SIDES = {"marketing": "marketing", "manager": "sales"}
SIDE_WORDS = {"marketing": "Marketing", "sales": "Sales"}
# Who may put a version into force or withdraw one: not reps, who live under the pact rather than set it.
STEWARDS = ("admin", "marketing", "manager")


class PactStateError(ValueError):
    """A lifecycle step the version's state or the user's role does not allow, with the reason in words."""


class VersionNotFound(LookupError):
    """No stored pact version has this number."""

    def __init__(self, version: int) -> None:
        super().__init__(f"no pact version {version}")
        self.version = version


class Approval(NamedTuple):
    """A sign-off as the document shows it."""

    role: str
    name: str
    at: datetime


def get_version(*, session: Session, version: int) -> PactVersion | None:
    """Return the stored version with this number, or None."""
    return session.scalar(select(PactVersion).where(PactVersion.version == version))


def _require(session: Session, version: int, *, lock: bool = False) -> PactVersion:
    query = select(PactVersion).where(PactVersion.version == version)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise VersionNotFound(version)
    return row


def list_versions(*, session: Session) -> list[PactVersion]:
    """Return every stored version, oldest first."""
    return list(session.scalars(select(PactVersion).order_by(PactVersion.version)))


def active_version(*, session: Session) -> PactVersion | None:
    """Return the version in force, or None before any has been activated."""
    return session.scalars(
        select(PactVersion).where(PactVersion.state == "active").order_by(PactVersion.version.desc())
    ).first()


def active_version_fields(*, session: Session, columns: str) -> Any:
    """Some columns of the version in force (e.g. "version, source"), or None: `active_version` on the driver's
    cursor, for the callers that ask for every batch or every piece of feedback, where SQLAlchemy's setup of the
    statement costs many times the query."""
    rows = session_rows(session, f"SELECT {columns} FROM {PactVersion.__tablename__} "
                                 "WHERE state = 'active' ORDER BY version DESC LIMIT 1")
    return rows[0] if rows else None


def add_draft(*, session: Session, source: str, author: str, now: datetime, note: str | None = None) -> PactVersion:
    """Store valid pact YAML as the next draft version and return it; raise InvalidPact (storing nothing) when
    the pact has any problem."""
    pact, errors = validate_pact(source)
    if pact is None:
        raise InvalidPact(errors)
    # The unique constraint on `version` turns a concurrent add into an error rather than a duplicate number.
    number = (session.scalar(select(func.max(PactVersion.version))) or 0) + 1
    row = PactVersion(version=number, name=pact.name, source=source, state="draft", note=note or None,
                      created_by=author, created_at=now)
    session.add(row)
    session.flush()
    return row


def _signatures(session: Session, row: PactVersion) -> list[PactApproval]:
    return list(session.scalars(
        select(PactApproval).where(PactApproval.pact_version_id == row.id).order_by(PactApproval.at, PactApproval.id)
    ))


def approve(
    *, session: Session, version: int, user: User, now: datetime, recorded_by: str | None = None
) -> PactApproval:
    """Sign a draft for the user's side (marketing user → marketing, manager → sales) and return the sign-off;
    the version becomes approved once both sides have signed, by two different people. The signature goes into the
    audit trail, which the document reads; `recorded_by` names who entered it when not the user themselves (the
    operator of the command line)."""
    row = _require(session, version, lock=True)
    side = SIDES.get(user.role)
    if side is None:
        raise PactStateError(f"{user.email} is a {user.role}: a pact is signed by one marketing user "
                             "(marketing side) and one sales manager (sales side)")
    if not user.is_active:
        raise PactStateError(f"{user.email} is deactivated and cannot sign a pact")
    if row.state != "draft":
        raise PactStateError(f"pact version {version} is {row.state}: only a draft can be approved")
    signed = {a.side: a for a in _signatures(session, row)}
    if side in signed:
        earlier = signed[side]
        raise PactStateError(f"the {side} side of pact version {version} is already signed by {earlier.user_name} "
                             f"<{earlier.user_email}> at {earlier.at:%Y-%m-%d %H:%M} UTC")
    for other in signed.values():
        if other.user_id == user.id:
            raise PactStateError(f"{user.email} already signed the {other.side} side of pact version {version}: "
                                 "the two signatures must come from two different people")
    approval = PactApproval(pact_version_id=row.id, side=side, user_id=user.id, user_name=user.name,
                            user_email=user.email, at=now)
    session.add(approval)
    record(session=session, actor=recorded_by or user.email, actor_user_id=None if recorded_by else user.id,
           on_behalf_of=user.email if recorded_by else None, action="pact.signed", subject=f"pact:{version}", at=now,
           details={"side": side, "name": user.name, "email": user.email, "user_id": user.id})
    if set(signed) | {side} == set(SIDES.values()):
        row.state = "approved"
        row.approved_at = now
    session.flush()
    return approval


def _missing_sides(session: Session, row: PactVersion) -> str:
    signed = {a.side for a in _signatures(session, row)}
    return " and ".join(f"the {s} side" for s in SIDES.values() if s not in signed)


def _check_steward(user: User | str, doing: str) -> str:
    # A string is an automation key's label: the route's access rule admitted it; a user's role is checked here.
    if isinstance(user, str):
        return user
    if user.role not in STEWARDS:
        raise PactStateError(f"{user.email} is a {user.role}: only an admin, marketing user or manager can {doing}")
    return user.email


def activate(*, session: Session, version: int, actor: User | str, now: datetime) -> PactActivation:
    """Put an approved version into force: retire the one active before, re-evaluate every open person under
    it, and return the activation record with how many people were evaluated and moved. `actor` is a user (whose
    role must allow it) or the label of an admin key."""
    # Imported here: the engine builds on the pact package, and only activation needs it loaded.
    from leadpact.engine import reevaluate_all

    actor_label = _check_steward(actor, "activate a pact version")
    # Lock every version row (a handful): two activations at once then queue, and exactly one stays active.
    session.scalars(select(PactVersion.id).order_by(PactVersion.id).with_for_update()).all()
    row = _require(session, version)
    if row.state == "active":
        raise PactStateError(f"pact version {version} is already active")
    if row.state == "draft":
        raise PactStateError(f"pact version {version} is a draft: it needs {_missing_sides(session, row)} "
                             "signed before it can be activated")
    if row.state == "retired":
        raise PactStateError(f"pact version {version} is retired and cannot be activated again; "
                             "add its YAML as a new draft to bring it back")
    previous = active_version(session=session)
    if previous is not None:
        previous.state = "retired"
        previous.retired_at = now
    row.state = "active"
    row.activated_at = now
    session.flush()  # the engine reads the active version from the database
    summary = reevaluate_all(session=session, version=row, now=now)
    activation = PactActivation(
        pact_version_id=row.id, previous_version=previous.version if previous else None, actor=actor_label, at=now,
        people_evaluated=int(summary.get("people_evaluated", 0)), people_moved=int(summary.get("people_moved", 0)),
        moves=dict(summary.get("moves", {})), seconds=float(summary.get("seconds", 0.0)),
    )
    session.add(activation)
    record(session=session, actor=actor_label, action="pact.activated", subject=f"pact:{version}", at=now,
           details={"previous_version": activation.previous_version})
    session.flush()
    return activation


def retire(*, session: Session, version: int, actor: User | str, now: datetime) -> PactVersion:
    """Withdraw a draft or approved version that will not be activated and return it; the active version is
    replaced only by activating another, so that one version is always in force."""
    actor_label = _check_steward(actor, "retire a pact version")
    row = _require(session, version, lock=True)
    if row.state == "active":
        raise PactStateError(f"pact version {version} is active: activate another version to replace it "
                             "(one version is always in force)")
    if row.state == "retired":
        raise PactStateError(f"pact version {version} is already retired")
    row.state = "retired"
    row.retired_at = now
    record(session=session, actor=actor_label, action="pact.retired", subject=f"pact:{version}", at=now)
    session.flush()
    return row


def approvals_of(*, session: Session, version: int) -> list[Approval]:
    """Return the version's sign-offs as (role, name, at), in the order they were given, from the audit trail."""
    _require(session, version)
    return [Approval(SIDE_WORDS.get(e.details.get("side", ""), e.details.get("side", "")), e.details.get("name", ""),
                     e.at) for e in entries(session=session, subject=f"pact:{version}", action="pact.signed")]


def signatures_of(*, session: Session, version: int) -> list[PactApproval]:
    """Return the version's sign-off rows (side, user name and email, time), in the order they were given."""
    return _signatures(session, _require(session, version))


def activations_of(*, session: Session, version: int) -> list[PactActivation]:
    """Return the activation records of a version (normally one), oldest first."""
    row = _require(session, version)
    return list(session.scalars(
        select(PactActivation).where(PactActivation.pact_version_id == row.id).order_by(PactActivation.id)
    ))
