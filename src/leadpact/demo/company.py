"""The demo company: observable records, hidden truth, and its months of Segment-shape events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadpact.demo.catalog import CatalogIndex, build_catalog
from leadpact.demo.chunks import ChunkPlan, CompanyChunk, CompanyShape, event_order, generate_chunk, plan_chunks
from leadpact.demo.records import Account, ContentAsset, Person, PersonIdentities, Rep, Team
from leadpact.demo.sales import build_sales_org
from leadpact.demo.truth import GroundTruth

if TYPE_CHECKING:
    from leadpact.demo.output import WriteSummary

DEFAULT_END = datetime(2026, 10, 31, tzinfo=UTC)
VISITOR_SHARE = 0.3  # anonymous-only visitors per person: they browse and never identify


class DemoCompany:
    """A synthetic B2B software company's funnel; records and truth are built on first use, events on demand."""

    def __init__(self, *, seed: int, accounts: int, people: int, visitors: int, start: datetime,
                 end: datetime) -> None:
        self.seed, self.start, self.end = seed, start, end
        self.sizes = {"accounts": accounts, "people": people, "visitors": visitors}
        self.content: list[ContentAsset] = build_catalog()
        self.catalog = CatalogIndex(self.content)
        self.teams: list[Team]
        self.teams, self.reps, pace = build_sales_org(seed)
        self.shape = CompanyShape(seed, accounts, people, start, end, tuple(self.teams), tuple(self.reps),
                                  tuple(pace.items()))
        self.plans: list[ChunkPlan] = plan_chunks(accounts=accounts, people=people, visitors=visitors)

    # -- streaming ---------------------------------------------------------------------------------

    def iter_chunks(self, *, with_events: bool = True, sort_events: bool = True) -> Iterator[CompanyChunk]:
        """Yield the company chunk by chunk (records, truth and time-sorted events of each), in bounded memory."""
        for plan in self.plans:
            yield generate_chunk(self.shape, plan, self.catalog, with_events=with_events, sort_events=sort_events)

    def iter_event_chunks(self) -> Iterator[list[dict[str, Any]]]:
        """Yield each chunk's events, sorted by time within the chunk (not across chunks)."""
        for chunk in self.iter_chunks():
            yield chunk.events

    def iter_events(self) -> Iterator[dict[str, Any]]:
        """Yield every message in timestamp order (holds all events in memory: meant for modest sizes)."""
        events: list[dict[str, Any]] = []
        for chunk in self.iter_chunks(sort_events=False):  # one global sort below is enough
            events += chunk.events
        events.sort(key=event_order)
        yield from events

    def write_jsonl(self, directory: Path | str, **options: Any) -> WriteSummary:
        """Write every file as JSON lines under `directory` (see `write_company`) and return the summary."""
        from leadpact.demo.output import write_company  # output builds on this module

        return write_company(self, Path(directory), fmt="jsonl", **options)

    def write_parquet(self, directory: Path | str, **options: Any) -> WriteSummary:
        """Write every file as Parquet under `directory` (see `write_company`) and return the summary."""
        from leadpact.demo.output import write_company

        return write_company(self, Path(directory), fmt="parquet", **options)

    # -- records and truth (materialised on first use) ----------------------------------------------

    @cached_property
    def _population(self) -> tuple[list[Account], list[Person], list[PersonIdentities], GroundTruth]:
        accounts: list[Account] = []
        people: list[Person] = []
        identities: list[PersonIdentities] = []
        truth = GroundTruth()
        for chunk in self.iter_chunks(with_events=False):
            accounts += chunk.accounts
            people += chunk.people
            identities += chunk.identities
            truth.merge(chunk.truth)
        return accounts, people, identities, truth

    @property
    def accounts(self) -> list[Account]:
        """Return every account (observable firmographics)."""
        return self._population[0]

    @property
    def people(self) -> list[Person]:
        """Return every person who identifies at some point (observable fields only)."""
        return self._population[1]

    @property
    def truth(self) -> GroundTruth:
        """Return the hidden ground truth (in market, timing, buying roles, noise, rep pace)."""
        return self._population[3]

    @cached_property
    def identities(self) -> dict[str, PersonIdentities]:
        """Return each person's identifiers (user id, email, anonymous ids), by person id."""
        return {identity.person_id: identity for identity in self._population[2]}

    @cached_property
    def person_by_identifier(self) -> dict[str, str]:
        """Return person id by any identifier their events carry: user id, email or anonymous id."""
        index: dict[str, str] = {}
        for identity in self._population[2]:
            index[identity.user_id] = identity.person_id
            index[identity.email] = identity.person_id
            for anonymous_id in identity.anonymous_ids:
                index[anonymous_id] = identity.person_id
        return index

    @property
    def sales_reps(self) -> list[Rep]:
        """Return the reps who take handoffs (the managers excluded)."""
        return [rep for rep in self.reps if rep.role == "rep"]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"DemoCompany(seed={self.seed}, {sizes}, {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d})"


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same day-of-month `months` earlier (clamped to the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                           31, 31, 30, 31, 30, 31][month])
    return moment.replace(year=year, month=month + 1, day=day)


def generate_company(*, seed: int = 7, accounts: int = 2500, people: int = 10_000, end: datetime = DEFAULT_END,
                     months: int = 6, visitors: int | None = None) -> DemoCompany:
    """Return the demo company for a seed and sizes; the same arguments always give the same company."""
    if accounts < 1 or people < 0 or months < 1:
        raise ValueError("accounts must be >= 1, people >= 0 and months >= 1")
    end = end.astimezone(UTC) if end.tzinfo else end.replace(tzinfo=UTC)
    visitors = round(people * VISITOR_SHARE) if visitors is None else visitors
    return DemoCompany(seed=seed, accounts=accounts, people=people, visitors=visitors,
                       start=months_before(end, months), end=end)
