"""The pact versions API under /api/v1/pacts: store, read, render, compare, approve and activate versions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from leadpact.access import Principal
from leadpact.api import DbSession, MarketingWork, PactReader, PactSigner, PactSteward, api_router, errors
from leadpact.clock import get_clock
from leadpact.org.models import User
from leadpact.org.service import OrgError
from leadpact.pact import versions
from leadpact.pact.diff import diff
from leadpact.pact.load import InvalidPact, load_pact
from leadpact.pact.models import PactActivation, PactVersion
from leadpact.pact.render import render_html, render_markdown
from leadpact.pact.versions import PactStateError, VersionNotFound

router = api_router(prefix="/pacts", tags=["pacts"])


class ApprovalOut(BaseModel):
    """One sign-off: which side, by whom, when."""

    side: Literal["marketing", "sales"]
    name: str
    email: str
    at: datetime


class ActivationOut(BaseModel):
    """The record of putting a version into force and what re-evaluating everyone did."""

    version: int
    previous_version: int | None
    actor: str
    at: datetime
    people_evaluated: int
    people_moved: int
    moves: dict[str, int] = Field(description='People moved, by move, e.g. {"known→mql": 12}.')
    seconds: float


class VersionOut(BaseModel):
    """A stored pact version and where it stands."""

    version: int
    name: str
    state: Literal["draft", "approved", "active", "retired"]
    note: str | None
    created_by: str
    created_at: datetime
    approved_at: datetime | None
    activated_at: datetime | None
    retired_at: datetime | None
    approvals: list[ApprovalOut]


class VersionDetail(VersionOut):
    """A stored version with its YAML and its activations."""

    source: str
    activations: list[ActivationOut]


class NewVersion(BaseModel):
    """A pact to store as the next draft."""

    source: str = Field(description="The pact YAML, format 1.")
    note: str | None = Field(None, description="What this version changes and why.")


class ApprovalIn(BaseModel):
    """Nothing to send: the signed-in user signs, for their side (marketing user: marketing; manager: sales)."""

    model_config = ConfigDict(extra="forbid")


class PactProblem(BaseModel):
    """One problem in a pact, at a 1-based line and column of its YAML."""

    line: int
    column: int
    message: str


class InvalidPactOut(BaseModel):
    """Every problem that kept a pact from being stored."""

    detail: str
    errors: list[PactProblem]


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the lifecycle's refusals into HTTP errors that say what is wrong."""
    try:
        yield
    except VersionNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except PactStateError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except OrgError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


def _version_out(session: Session, row: PactVersion, model: type[VersionOut] = VersionOut, **extra: Any) -> Any:
    approvals = [ApprovalOut(side=a.side, name=a.user_name, email=a.user_email, at=a.at)  # type: ignore[arg-type]
                 for a in versions.signatures_of(session=session, version=row.version)]
    return model(version=row.version, name=row.name, state=row.state, note=row.note,  # type: ignore[arg-type]
                 created_by=row.created_by, created_at=row.created_at, approved_at=row.approved_at,
                 activated_at=row.activated_at, retired_at=row.retired_at, approvals=approvals, **extra)


def _activation_out(row: PactActivation, version: int) -> ActivationOut:
    return ActivationOut(version=version, previous_version=row.previous_version, actor=row.actor, at=row.at,
                         people_evaluated=row.people_evaluated, people_moved=row.people_moved,
                         moves=dict(row.moves), seconds=row.seconds)


def _signed_in_user(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    if user is None:  # the rule admits only signed-in users; a user deleted meanwhile is refused all the same
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a pact is signed by a signed-in user")
    return user


def _actor(session: Session, principal: Principal) -> User | str:
    # A signed-in user acts as themselves (their role is checked again by the service); a key as its label.
    return _signed_in_user(session, principal) if principal.is_user else principal.label


def _stored(session: Session, version: int) -> PactVersion:
    row = versions.get_version(session=session, version=version)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no pact version {version}")
    return row


@router.get("", response_model=list[VersionOut], responses=errors(401, 403))
def list_pacts(session: DbSession, _: PactReader) -> list[VersionOut]:
    """List every stored version, oldest first, with its state and sign-offs."""
    return [_version_out(session, row) for row in versions.list_versions(session=session)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VersionOut,
             responses={**errors(401, 403), 422: {"model": InvalidPactOut, "description": "The pact is invalid"}})
def add_pact(body: NewVersion, session: DbSession, principal: MarketingWork) -> Any:
    """Store a pact as the next draft version; an invalid pact is refused with every problem's line and column
    and nothing is stored."""
    try:
        row = versions.add_draft(session=session, source=body.source, author=principal.label, note=body.note,
                                 now=get_clock().now())
    except InvalidPact as error:
        problems = [PactProblem(line=e.line, column=e.column, message=e.message) for e in error.errors]
        detail = f"the pact is invalid ({len(problems)} problem(s)): " + "; ".join(
            f"line {p.line}, column {p.column}: {p.message}" for p in problems)
        return JSONResponse(InvalidPactOut(detail=detail, errors=problems).model_dump(),
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _version_out(session, row)


# Declared before /{version}, which would otherwise claim "diff" and refuse it as a number.
@router.get("/diff", response_model=list[str], responses=errors(401, 403, 404))
def diff_pacts(
    session: DbSession,
    _: PactReader,
    from_version: Annotated[int, Query(alias="from", description="The earlier version.")],
    to_version: Annotated[int, Query(alias="to", description="The later version.")],
) -> list[str]:
    """Say, one sentence each, what changed from one stored version to another."""
    old, new = _stored(session, from_version), _stored(session, to_version)
    return diff(load_pact(old.source), load_pact(new.source))


@router.get("/{version}", response_model=VersionDetail, responses=errors(401, 403, 404))
def get_pact(version: int, session: DbSession, _: PactReader) -> Any:
    """Give one stored version: state, sign-offs, YAML and activations."""
    row = _stored(session, version)
    activations = [_activation_out(a, row.version) for a in versions.activations_of(session=session, version=version)]
    return _version_out(session, row, VersionDetail, source=row.source, activations=activations)


@router.get("/{version}/document", response_class=Response, responses={
    **errors(401, 403, 404),
    200: {"content": {"text/markdown": {}, "text/html": {}}, "description": "The document both teams sign"},
})
def get_document(
    version: int, session: DbSession, _: PactReader,
    format: Annotated[Literal["md", "html"], Query(description="md (Markdown) or html (self-contained page).")] = "md",
) -> Response:
    """Render a stored version as the document both teams sign, with its approvals."""
    row = _stored(session, version)
    approvals = versions.approvals_of(session=session, version=version)
    if format == "html":
        return Response(render_html(load_pact(row.source), approvals), media_type="text/html; charset=utf-8")
    return Response(render_markdown(load_pact(row.source), approvals), media_type="text/markdown; charset=utf-8")


@router.post("/{version}/approvals", status_code=status.HTTP_201_CREATED, response_model=VersionOut,
             responses=errors(401, 403, 404, 409, 422))
def approve_pact(version: int, session: DbSession, principal: PactSigner, body: ApprovalIn | None = None) -> Any:
    """Sign a draft as the signed-in user, for their side; once a marketing user and a sales manager (two different
    people) have signed it is approved."""
    _stored(session, version)  # an unknown version is a 404 whoever asks
    with refusals():
        versions.approve(session=session, version=version, user=_signed_in_user(session, principal),
                         now=get_clock().now())
    return _version_out(session, _stored(session, version))


@router.post("/{version}/activate", response_model=ActivationOut, responses=errors(401, 403, 404, 409, 422))
def activate_pact(version: int, session: DbSession, principal: PactSteward) -> ActivationOut:
    """Put an approved version into force, retire the one before and re-evaluate every open person."""
    _stored(session, version)  # an unknown version is a 404 whoever asks
    with refusals():
        activation = versions.activate(session=session, version=version, actor=_actor(session, principal),
                                       now=get_clock().now())
    return _activation_out(activation, version)


@router.post("/{version}/retire", response_model=VersionOut, responses=errors(401, 403, 404, 409, 422))
def retire_pact(version: int, session: DbSession, principal: PactSteward) -> Any:
    """Withdraw a draft or approved version; the active one is replaced by activating another."""
    _stored(session, version)  # an unknown version is a 404 whoever asks
    with refusals():
        row = versions.retire(session=session, version=version, actor=_actor(session, principal),
                              now=get_clock().now())
    return _version_out(session, row)
