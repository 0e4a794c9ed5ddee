"""Routing: from the pact's first rule that held to one rep, falling through rules that cannot assign, with why.

Order (SPEC §7): account owner first (one account, one rep), then territory or segment teams in turn (weighted,
skipping reps who are away or at capacity), then any available rep. Every assignment says why in words.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from leadpact.db import session_rows
from leadpact.handoff.models import Handoff
from leadpact.org.availability import is_away
from leadpact.org.models import Rep, Team, User
from leadpact.pact import Catalog, CompiledPact, Evaluation, evaluate
from leadpact.people.models import Account, Person

# Handoffs a rep is still working for the account: the states that make "one account, one rep" hold.
ACTIVE_STATES = ("open", "accepted")
# The rep of the latest active handoff of a colleague (same account, another person), on the driver's cursor: asked
# for every handoff, and SQLAlchemy's building and setup of the statement cost several times running it. By the
# people's account (indexed), then their handoffs (indexed by person): handoffs have no account index.
COLLEAGUES_REP = (
    "SELECT handoffs.rep_id, people.first_name, people.last_name, people.email "
    "FROM handoffs JOIN people ON people.id = handoffs.person_id "
    "WHERE people.account_id = {mark} AND handoffs.person_id != {mark} AND handoffs.rep_id IS NOT NULL "
    f"AND handoffs.state IN ({', '.join(['{mark}'] * len(ACTIVE_STATES))}) "
    "ORDER BY handoffs.created_at DESC, handoffs.id DESC LIMIT 1"
)


@dataclass(frozen=True)
class Assignment:
    """Who gets the handoff: the rep (None when nobody is available), their team, the rule, and why."""

    rep: Rep | None
    team: Team | None
    rule: int | None  # 0-based position of the pact routing rule; None for the fallback
    reason: str


@dataclass(frozen=True)
class Candidate:
    """A rep who might be assigned, with the figures the choice is made on."""

    rep: Rep
    user: User
    open_handoffs: int
    assignments: int

    @property
    def name(self) -> str:
        """The rep's name as people read it."""
        return self.user.name


class CannotAssign(Exception):
    """A rule that held but cannot assign (no owner, nobody available); the message says why."""


def route(
    *, session: Session, person: Person, account: Account | None, evaluation: Evaluation, compiled: CompiledPact,
    events: Sequence[Mapping[str, Any]], catalog: Catalog, person_facts: Mapping[str, Any],
    account_facts: Mapping[str, Any] | None,
) -> Assignment:
    """Return the assignment for a qualified person under the pact's routing rules (see the module docstring)."""
    skipped: list[str] = []
    rules = _rules_that_hold(compiled, evaluation, events, catalog, person_facts, account_facts)
    for position, assign in rules:
        try:
            rep, team, why = _apply(session, person, account, assign)
        except CannotAssign as refusal:
            skipped.append(f"rule {position + 1} could not assign ({refusal})")
            continue
        return Assignment(rep, team, position, _with_skipped(why, skipped))
    return _fallback(session, skipped)


def _rules_that_hold(
    compiled: CompiledPact, evaluation: Evaluation, events: Sequence[Mapping[str, Any]], catalog: Catalog,
    person_facts: Mapping[str, Any], account_facts: Mapping[str, Any] | None,
) -> Iterator[tuple[int, Any]]:
    """Yield (position, assign) of each routing rule that holds, in order; later ones are found only when asked."""
    found = evaluation.route
    offset = 0
    while found is not None:
        yield offset + found.rule, found.assign
        offset += found.rule + 1
        rest = compiled.routing[offset:]
        if not rest:
            return
        # The pure evaluator decides which rule holds next: the same semantics as the first choice.
        again = evaluate(replace(compiled, routing=rest), person=person_facts, account=account_facts, events=events,
                         content=catalog, as_of=evaluation.as_of)
        found = again.route


def _apply(session: Session, person: Person, account: Account | None, assign: Any) -> tuple[Rep, Team | None, str]:
    if assign == "account_owner":
        return _account_owner(session, person, account)
    if isinstance(assign, Mapping) and "rep" in assign:
        return _named_rep(session, str(assign["rep"]))
    if isinstance(assign, Mapping) and "team" in assign:
        colleague = _colleagues_rep(session, person, account)
        if colleague is not None:
            return colleague[0], colleague[1], colleague[2][0].upper() + colleague[2][1:]
        return _round_robin(session, str(assign["team"]), weighted=assign.get("method") == "weighted_round_robin")
    raise CannotAssign(f"unknown assignment {assign!r}")


def _account_owner(session: Session, person: Person, account: Account | None) -> tuple[Rep, Team | None, str]:
    if account is None:
        raise CannotAssign("the person has no account")
    company = account.name or account.domain or f"account {account.id}"
    if account.owner_rep_id is not None:
        owner = _candidates(session, "rep", account.owner_rep_id)
        if owner and not is_away(owner[0].rep) and owner[0].user.is_active:
            return owner[0].rep, _team_of(session, owner[0].rep), f"Account owner: {owner[0].name} owns {company}"
        state = "is away" if owner and is_away(owner[0].rep) else "is not an active rep"
        absent = f"{owner[0].name} owns {company} but {state}" if owner else f"{company}'s owner is not a rep"
    else:
        absent = f"{company} has no owner"
    colleague = _colleagues_rep(session, person, account)
    if colleague is not None:
        return colleague[0], colleague[1], f"{absent}; {colleague[2]}"
    raise CannotAssign(absent)


def _colleagues_rep(session: Session, person: Person, account: Account | None) -> tuple[Rep, Team | None, str] | None:
    """The rep already working a colleague from the same account, when they are not away (one account, one rep)."""
    if account is None:
        return None
    rows = session_rows(session, COLLEAGUES_REP, (account.id, person.id, *ACTIVE_STATES))
    if not rows:
        return None
    rep_id, first_name, last_name, email = rows[0]
    found = _candidates(session, "rep", rep_id)
    if not found or is_away(found[0].rep) or not found[0].user.is_active:
        return None
    colleague = " ".join(p for p in (first_name, last_name) if p) or email or "a colleague"
    company = account.name or account.domain or f"account {account.id}"
    why = f"one account, one rep: {found[0].name} already works {colleague}'s handoff from {company}"
    return found[0].rep, _team_of(session, found[0].rep), why


def _named_rep(session: Session, email: str) -> tuple[Rep, Team | None, str]:
    found = _candidates(session, "email", email.strip().lower())
    if not found:
        raise CannotAssign(f"no rep with email {email}")
    candidate = found[0]
    unavailable = _unavailable(candidate)
    if unavailable:
        raise CannotAssign(f"{candidate.name} {unavailable}")
    return candidate.rep, _team_of(session, candidate.rep), f"Named rep: the pact routes this lead to {candidate.name}"


def _round_robin(session: Session, key: str, *, weighted: bool) -> tuple[Rep, Team | None, str]:
    # Locked so two handoffs assigned at once queue here and each sees the other's count (PostgreSQL; SQLite has
    # one writer already and ignores FOR UPDATE).
    team = session.scalar(select(Team).where(Team.key == key).with_for_update())
    if team is None:
        raise CannotAssign(f"there is no team {key!r}")
    candidates = _candidates(session, "team", team.id)
    method = f"{team.key} round robin" + (" (weighted)" if weighted else "")
    chosen, why = _fewest(candidates, weighted=weighted, pool=f"the {team.key} team")
    return chosen.rep, team, f"{method}: {why}"


def _fallback(session: Session, skipped: list[str]) -> Assignment:
    candidates = _candidates(session, "all")
    try:
        chosen, why = _fewest(candidates, weighted=True, pool="all reps")
    except CannotAssign as refusal:
        return Assignment(None, None, None, _with_skipped(f"Unassigned: {refusal}", skipped))
    return Assignment(chosen.rep, _team_of(session, chosen.rep), None, _with_skipped(f"Fallback: {why}", skipped))


def _fewest(candidates: list[Candidate], *, weighted: bool, pool: str) -> tuple[Candidate, str]:
    """The available rep with the fewest assignments per unit of weight (ties by id), and the choice in words."""
    available = [c for c in candidates if not _unavailable(c) and (not weighted or c.rep.weight > 0)]
    left_out = [f"{c.name} ({_unavailable(c) or 'weight 0'})" for c in candidates if c not in available]
    if not available:
        detail = f": {', '.join(left_out)}" if left_out else ""
        raise CannotAssign(f"no rep in {pool} is available{detail}")

    def load(c: Candidate) -> Fraction:
        return Fraction(c.assignments, c.rep.weight if weighted else 1)

    chosen = min(available, key=lambda c: (load(c), c.rep.id))
    if weighted:
        why = (f"{chosen.name} had {chosen.assignments} assignment(s) at weight {chosen.rep.weight}, "
               f"{_figure(load(chosen))} per unit of weight")
    else:
        why = f"{chosen.name} had {chosen.assignments} assignment(s)"
    why += f", the fewest of {len(available)} available rep(s)"
    others = [c for c in available if c is not chosen]
    if others:
        why += " (" + ", ".join(f"{c.name} {_figure(load(c))}" for c in others) + ")"
    if left_out:
        why += "; skipped " + ", ".join(left_out)
    return chosen, why


def _unavailable(candidate: Candidate) -> str:
    """Why a rep cannot take a new handoff now, or '' when they can."""
    if not candidate.user.is_active:
        return "inactive"
    if is_away(candidate.rep):
        return "away"
    capacity = candidate.rep.capacity
    if capacity is not None and candidate.open_handoffs >= capacity:
        return f"at capacity, {candidate.open_handoffs} of {capacity} open"
    return ""


def _candidates(session: Session, by: str, value: Any = None) -> list[Candidate]:
    """Reps chosen `by` rep id, team id, email or all, with their users, open handoffs and assignments so far."""
    query = _candidates_query(by)
    rows = session.execute(query, {"value": value}).all() if by != "all" else session.execute(query).all()
    return [Candidate(rep, user, open_count or 0, total or 0) for rep, user, open_count, total in rows]


@functools.cache
def _candidates_query(by: str) -> Select[Any]:
    # Built once per kind: building it (two subqueries) cost more than running it, on every handoff.
    where = {"rep": Rep.id == bindparam("value"), "team": Rep.team_id == bindparam("value"),
             "email": User.email == bindparam("value"), "all": Rep.id.is_not(None)}[by]
    # Counted for these reps only, through the (rep_id, state) index: never a scan of every handoff.
    reps = select(Rep.id).join(User, User.id == Rep.user_id).where(where)
    opened = (select(Handoff.rep_id, func.count().label("n")).where(Handoff.rep_id.in_(reps), Handoff.state == "open")
              .group_by(Handoff.rep_id).subquery())
    assigned = (select(Handoff.rep_id, func.count().label("n")).where(Handoff.rep_id.in_(reps))
                .group_by(Handoff.rep_id).subquery())
    return (
        select(Rep, User, opened.c.n, assigned.c.n)
        .join(User, User.id == Rep.user_id)
        .outerjoin(opened, opened.c.rep_id == Rep.id)
        .outerjoin(assigned, assigned.c.rep_id == Rep.id)
        .where(where)
        .order_by(Rep.id)
    )


def _team_of(session: Session, rep: Rep) -> Team | None:
    return session.get(Team, rep.team_id) if rep.team_id is not None else None


def _figure(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):.2f}".rstrip("0")


def _with_skipped(why: str, skipped: list[str]) -> str:
    return why if not skipped else f"{why} ({'; '.join(skipped)})"
