"""The company is generated in independent chunks, so any size streams in bounded memory.

A chunk owns a slice of the accounts, people and anonymous visitors (by global index) and draws from
generators seeded by (seed, chunk index) alone: the output depends on the seed and the sizes, never on
how many chunks were generated before or in which process.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from leadpact.demo.catalog import CatalogIndex
from leadpact.demo.firms import build_accounts
from leadpact.demo.journey import ChunkContext, Journey
from leadpact.demo.messages import MessageFactory, seeded_uuid, to_ms
from leadpact.demo.population import PeopleBuilder, PersonDraft
from leadpact.demo.records import Account, Person, PersonIdentities, Rep, Team
from leadpact.demo.schedule import email_schedule
from leadpact.demo.truth import GroundTruth
from leadpact.demo.vocabulary import COUNTRIES

# Fixed, so that the output does not depend on anything but the seed and the sizes.
ACCOUNTS_PER_CHUNK = 500
PEOPLE_PER_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """The global index ranges one chunk generates."""

    index: int
    accounts: range
    people: range
    visitors: range


@dataclass
class CompanyChunk:
    """One chunk's records, truth and (optionally) its events sorted by time."""

    index: int
    accounts: list[Account]
    people: list[Person]
    identities: list[PersonIdentities]
    truth: GroundTruth
    events: list[dict[str, Any]] = field(default_factory=list)
    visitor_ids: list[str] = field(default_factory=list)


def plan_chunks(*, accounts: int, people: int, visitors: int) -> list[ChunkPlan]:
    """Split the global index ranges into chunks of at most ~500 accounts and ~2,000 people."""
    count = max(1, math.ceil(accounts / ACCOUNTS_PER_CHUNK), math.ceil(people / PEOPLE_PER_CHUNK))

    def cut(total: int, k: int) -> range:
        """The k-th of `count` near-equal slices of range(total)."""
        return range(total * k // count, total * (k + 1) // count)

    return [ChunkPlan(k, cut(accounts, k), cut(people, k), cut(visitors, k)) for k in range(count)]


@dataclass(frozen=True)
class CompanyShape:
    """Everything a chunk needs besides its plan (picklable, so chunks can run in worker processes)."""

    seed: int
    accounts: int
    people: int
    start: datetime
    end: datetime
    teams: tuple[Team, ...]
    reps: tuple[Rep, ...]
    rep_pace: tuple[tuple[str, float], ...]


def generate_chunk(shape: CompanyShape, plan: ChunkPlan, catalog: CatalogIndex, *,
                   with_events: bool = True, sort_events: bool = True) -> CompanyChunk:
    """Return one chunk of the company; its population is the same whether or not events are generated.

    Writers sort by (timestamp, messageId) themselves and pass `sort_events=False` to skip a second sort.
    """
    rng = random.Random(f"{shape.seed}:population:{plan.index}")
    accounts, account_truths = build_accounts(
        rng, seed=shape.seed, indices=plan.accounts, total_accounts=shape.accounts, start=shape.start,
        end=shape.end, teams=list(shape.teams), reps=list(shape.reps))
    builder = PeopleBuilder(rng, seed=shape.seed, accounts=accounts, account_truths=account_truths,
                            total_accounts=shape.accounts, total_people=shape.people)
    drafts = builder.build(plan.people)
    truth = GroundTruth(accounts={t.account_id: t for t in account_truths},
                        people={d.truth.person_id: d.truth for d in drafts}, rep_response_pace=dict(shape.rep_pace))
    chunk = CompanyChunk(plan.index, accounts, [d.person for d in drafts], [d.identities for d in drafts], truth)
    if with_events:
        _add_events(chunk, shape, plan, catalog, drafts, builder.accounts)
        if sort_events:
            chunk.events.sort(key=event_order)
    return chunk


def _add_events(chunk: CompanyChunk, shape: CompanyShape, plan: ChunkPlan, catalog: CatalogIndex,
                drafts: list[PersonDraft], accounts: dict[str, Account]) -> None:
    # Events draw from their own generator: the population must not depend on whether events were made.
    rng = random.Random(f"{shape.seed}:events:{plan.index}")
    start_ms, end_ms = to_ms(shape.start), to_ms(shape.end)
    ctx = ChunkContext(rng, MessageFactory(rng), catalog, start_ms, end_ms,
                       email_schedule(start_ms, end_ms, catalog))
    events: list[dict[str, Any]] = []
    for draft in drafts:
        person, truth = draft.person, draft.truth
        account = accounts.get(person.account_id) if person.account_id else None
        events += Journey(ctx, anonymous_ids=draft.identities.anonymous_ids, country=person.country,
                          identities=draft.identities, traits=base_traits(person, account), truth=truth,
                          account=account, account_truth=chunk.truth.accounts.get(truth.account_id or "")).run()
    countries, weights = list(COUNTRIES), [c[0] for c in COUNTRIES.values()]
    for _ in plan.visitors:
        anonymous_id = seeded_uuid(rng)
        chunk.visitor_ids.append(anonymous_id)
        events += Journey(ctx, anonymous_ids=(anonymous_id,), country=rng.choices(countries, weights)[0]).run()
    chunk.events = events


# Sort key of messages: timestamp, then message id (a person's own messages never share a timestamp).
event_order = itemgetter("timestamp", "messageId")


def base_traits(person: Person, account: Account | None) -> dict[str, Any]:
    """Return every trait a form could capture about a person; each identify sends a subset."""
    traits: dict[str, Any] = {"email": person.email, "firstName": person.first_name, "lastName": person.last_name}
    for key, value in (("title", person.title), ("seniority", person.seniority),
                       ("department", person.department), ("country", person.country), ("phone", person.phone)):
        if value is not None:
            traits[key] = value
    if person.company_name:
        company: dict[str, Any] = {"name": person.company_name}
        if account is not None and account.industry is not None:
            company["industry"] = account.industry
        if account is not None and account.employees is not None:
            company["employee_count"] = account.employees
        traits["company"] = company
    return traits
