"""The SQL side of the metrics: row-level facts read once per report into Polars frames.

Every reader takes the people it is about as a subquery (so PostgreSQL and SQLite plan it as a join, with no
parameter-count limit) and an `until` moment: anything recorded after it is left out or masked, so a report
`--as-of` a past date shows what was known then."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from leadpact.handoff.models import Handoff, Opportunity
from leadpact.lifecycle.models import Transition
from leadpact.org.models import Rep, Team, User
from leadpact.pact.models import Evaluation
from leadpact.people.models import Account, Person

TIME = pl.Datetime("us", "UTC")
QUALIFIED = ("mql", "hot")
HANDOFF_COLUMNS = ("id", "person_id", "created_at", "tier", "state", "pact_version", "sla_due_at", "first_touch_at",
                   "sla_breached_at", "escalated_at", "feedback_due_at", "disposition_at", "rejection_reason",
                   "rejection_note", "criteria")
# A person reaching SQL may skip the sql state (accepted → opportunity), so later states count as reaching it.
PROGRESS = ("sql", "opportunity", "won", "lost")


def frame(rows: Iterable[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    """Return rows as a frame with a fixed schema (so an empty result still has its columns)."""
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def known(value: datetime | None, until: datetime) -> datetime | None:
    """Return a timestamp only if it had happened by `until`."""
    return value if value is not None and value <= until else None


def version_label(version: int | None) -> str | None:
    """Return a pact version as reports print it (`v3`)."""
    return None if version is None else f"v{version}"


def _rows(session: Session, query: Executable, build: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    return [build(row) for row in session.execute(query)]


def qualifications(session: Session, people: Select[Any], until: datetime) -> pl.DataFrame:
    """Return each entry into mql or hot (a new MQL; mql → hot is the same one), with the evaluation that moved it."""
    query = (select(Transition.id, Transition.person_id, Transition.to_status, Transition.at,
                    Transition.pact_version, Transition.reasons)
             .where(Transition.to_status.in_(QUALIFIED), Transition.from_status.not_in(QUALIFIED),
                    Transition.at <= until, Transition.person_id.in_(people)))

    def build(row: Any) -> dict[str, Any]:
        reasons = row.reasons or {}
        matched = [str(m["id"]) for m in reasons.get("matched") or [] if isinstance(m, dict) and m.get("id")]
        return {"mql_id": row.id, "person_id": row.person_id, "mql_at": row.at, "mql_tier": row.to_status,
                "mql_version": version_label(row.pact_version), "mql_persona": reasons.get("persona"),
                "mql_grade": reasons.get("grade"), "mql_fit": reasons.get("fit_score"),
                "mql_engagement": reasons.get("engagement_score"), "mql_criteria": ", ".join(matched) or None}

    return frame(_rows(session, query, build), {
        "mql_id": pl.Int64, "person_id": pl.Int64, "mql_at": TIME, "mql_tier": pl.String, "mql_version": pl.String,
        "mql_persona": pl.String, "mql_grade": pl.String, "mql_fit": pl.Float64, "mql_engagement": pl.Float64,
        "mql_criteria": pl.String})


def people(session: Session, ids: Select[Any]) -> pl.DataFrame:
    """Return who each person is: name, company, first-touch channel, firmographics and latest evaluation."""
    query = (select(Person.id, Person.first_name, Person.last_name, Person.email, Person.company_name,
                    Person.first_touch_channel, Person.first_touch_source, Person.first_touch_medium,
                    Account.name.label("account_name"), Account.industry, Account.employees,
                    Evaluation.persona, Evaluation.grade, Evaluation.fit_score, Evaluation.engagement_score)
             .outerjoin(Account, Account.id == Person.account_id)
             .outerjoin(Evaluation, Evaluation.person_id == Person.id)
             .where(Person.id.in_(ids)))

    def build(row: Any) -> dict[str, Any]:
        name = " ".join(part for part in (row.first_name, row.last_name) if part) or row.email or f"Person {row.id}"
        return {"person_id": row.id, "name": name, "email": row.email,
                "company": row.account_name or row.company_name, "channel": row.first_touch_channel,
                "source": row.first_touch_source, "medium": row.first_touch_medium, "industry": row.industry,
                "employees": row.employees, "eval_persona": row.persona, "eval_grade": row.grade,
                "eval_fit": row.fit_score, "eval_engagement": row.engagement_score}

    return frame(_rows(session, query, build), {
        "person_id": pl.Int64, "name": pl.String, "email": pl.String, "company": pl.String, "channel": pl.String,
        "source": pl.String, "medium": pl.String, "industry": pl.String, "employees": pl.Int64,
        "eval_persona": pl.String, "eval_grade": pl.String, "eval_fit": pl.Float64, "eval_engagement": pl.Float64})


def handoffs(session: Session, ids: Select[Any], until: datetime) -> pl.DataFrame:
    """Return the people's handoffs made by `until`, with rep and team names and the disposition known then."""
    # Named columns only: the brief, its facts and the timeline are large JSON documents no metric reads.
    columns = [getattr(Handoff, name) for name in HANDOFF_COLUMNS]
    query = (select(*columns, User.name.label("rep_name"), User.email.label("rep_email"), Team.key.label("team_key"))
             .outerjoin(Rep, Rep.id == Handoff.rep_id).outerjoin(User, User.id == Rep.user_id)
             .outerjoin(Team, Team.id == Handoff.team_id)
             .where(Handoff.person_id.in_(ids), Handoff.created_at <= until))

    def build(row: Any) -> dict[str, Any]:
        decided = known(row.disposition_at, until)
        # A handoff decided after `until` was still open then; a closed one never had a disposition.
        disposition = row.state if decided is not None and row.state in ("accepted", "rejected") else None
        labels = [c.get("label") or c.get("id") for c in (row.criteria or {}).get("criteria") or []
                  if isinstance(c, dict)]
        return {"handoff_id": row.id, "person_id": row.person_id, "handed_off_at": row.created_at,
                "handoff_tier": row.tier, "handoff_version": version_label(row.pact_version),
                "rep": row.rep_name or row.rep_email, "rep_email": row.rep_email, "team": row.team_key,
                "sla_due_at": row.sla_due_at, "first_touch_at": known(row.first_touch_at, until),
                "sla_breached_at": known(row.sla_breached_at, until),
                "escalated_at": known(row.escalated_at, until), "feedback_due_at": row.feedback_due_at,
                "disposition_at": decided if disposition else None, "disposition": disposition,
                "closed": row.state == "closed",
                "rejection_reason": row.rejection_reason if disposition == "rejected" else None,
                "rejection_note": row.rejection_note if disposition == "rejected" else None,
                "fired": ", ".join(str(label) for label in labels if label) or None}

    return frame(_rows(session, query, build), {
        "handoff_id": pl.Int64, "person_id": pl.Int64, "handed_off_at": TIME, "handoff_tier": pl.String,
        "handoff_version": pl.String, "rep": pl.String, "rep_email": pl.String, "team": pl.String,
        "sla_due_at": TIME, "first_touch_at": TIME, "sla_breached_at": TIME, "escalated_at": TIME,
        "feedback_due_at": TIME, "disposition_at": TIME, "disposition": pl.String, "closed": pl.Boolean,
        "rejection_reason": pl.String, "rejection_note": pl.String, "fired": pl.String})


def progress(session: Session, ids: Select[Any], until: datetime) -> pl.DataFrame:
    """Return the people's moves into sql, opportunity, won and lost made by `until`."""
    query = (select(Transition.person_id, Transition.to_status, Transition.at)
             .where(Transition.to_status.in_(PROGRESS), Transition.at <= until, Transition.person_id.in_(ids)))
    return frame(_rows(session, query, lambda row: {"person_id": row.person_id, "to_status": row.to_status,
                                                     "moved_at": row.at}),
                 {"person_id": pl.Int64, "to_status": pl.String, "moved_at": TIME})


def opportunities(session: Session, ids: Select[Any], until: datetime) -> pl.DataFrame:
    """Return the people's opportunities opened by `until`, with their stage as it stood then."""
    query = select(Opportunity).where(Opportunity.person_id.in_(ids), Opportunity.opened_at <= until)

    def build(row: Any) -> dict[str, Any]:
        opportunity: Opportunity = row.Opportunity
        closed = known(opportunity.closed_at, until)
        stage = opportunity.stage if closed is not None else "open"
        return {"person_id": opportunity.person_id, "opportunity_id": opportunity.id,
                "opened_at": opportunity.opened_at, "opportunity_stage": stage, "amount": opportunity.amount,
                "lost_reason": opportunity.lost_reason if stage == "lost" else None}

    return frame(_rows(session, query, build), {
        "person_id": pl.Int64, "opportunity_id": pl.Int64, "opened_at": TIME, "opportunity_stage": pl.String,
        "amount": pl.Float64, "lost_reason": pl.String})
