"""The company is reproducible, sized as asked, internally consistent and in time order."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from leadpact.clock import parse_time
from leadpact.demo import DemoCompany, generate_company
from leadpact.demo.chunks import plan_chunks
from leadpact.demo.firms import firm_word
from leadpact.demo.vocabulary import COMPETITORS, FIRM_EXTRAS, FIRM_PREFIXES, FIRM_SUFFIXES
from tests.demo.conftest import SMALL


def test_same_seed_gives_identical_company(small_events: list[dict[str, Any]]) -> None:
    again = generate_company(**SMALL)
    assert list(again.iter_events()) == small_events
    assert [p.to_dict() for p in again.people] == [p.to_dict() for p in generate_company(**SMALL).people]


def test_another_seed_gives_another_company(small_events: list[dict[str, Any]]) -> None:
    other = generate_company(**{**SMALL, "seed": SMALL["seed"] + 1})
    assert [m["messageId"] for m in other.iter_events()][:50] != [m["messageId"] for m in small_events][:50]
    assert [a.domain for a in other.accounts] != [a.domain for a in generate_company(**SMALL).accounts]


def test_population_does_not_depend_on_generating_events(small_company: DemoCompany) -> None:
    chunk = next(small_company.iter_chunks())
    assert [p.to_dict() for p in chunk.people] == [p.to_dict() for p in small_company.people[: len(chunk.people)]]


def test_sizes_and_unique_ids(small_company: DemoCompany) -> None:
    assert len(small_company.accounts) == SMALL["accounts"]
    assert len(small_company.people) == SMALL["people"]
    for values in ([a.id for a in small_company.accounts], [a.domain for a in small_company.accounts],
                   [p.id for p in small_company.people], [p.email for p in small_company.people],
                   [i.user_id for i in small_company.identities.values()]):
        assert len(values) == len(set(values))
    assert set(small_company.truth.people) == {p.id for p in small_company.people}
    assert set(small_company.truth.accounts) == {a.id for a in small_company.accounts}


def test_firm_names_are_unique_across_the_whole_grid() -> None:
    capacity = len(FIRM_PREFIXES) * len(FIRM_SUFFIXES) * (1 + len(FIRM_EXTRAS))
    words = {firm_word(index, seed=7)[0] for index in range(capacity)}
    assert len(words) == capacity
    assert not words & {domain.split(".")[0] for _, domain in COMPETITORS}


def test_messages_are_sorted_and_inside_the_window(small_company: DemoCompany,
                                                   small_events: list[dict[str, Any]]) -> None:
    stamps = [m["timestamp"] for m in small_events]
    assert stamps == sorted(stamps)
    assert parse_time(stamps[0]) >= small_company.start
    assert parse_time(stamps[-1]) < small_company.end
    assert len({m["messageId"] for m in small_events}) == len(small_events)


def test_each_person_sees_strictly_increasing_time(small_company: DemoCompany,
                                                   small_events: list[dict[str, Any]]) -> None:
    index = small_company.person_by_identifier
    last: dict[str, str] = {}
    for message in small_events:
        person = index.get(message["userId"]) or index.get(message["anonymousId"])
        if person is None:
            continue
        assert message["timestamp"] > last.get(person, ""), message
        last[person] = message["timestamp"]


def test_default_sizes_are_modest() -> None:
    company = generate_company()
    assert company.sizes == {"accounts": 2500, "people": 10_000, "visitors": 3000}
    assert (company.start.isoformat(), company.end.isoformat()) == ("2026-04-30T00:00:00+00:00",
                                                                   "2026-10-31T00:00:00+00:00")
    assert len(company.content) in range(40, 81)
    teams = Counter(rep.team for rep in company.sales_reps)
    assert set(teams) == {team.id for team in company.teams} and all(3 <= n <= 6 for n in teams.values())


@pytest.mark.parametrize(("accounts", "people"), [(1, 0), (10, 5), (2500, 10_000), (250_000, 1_000_000)])
def test_chunks_cover_every_index_once(accounts: int, people: int) -> None:
    plans = plan_chunks(accounts=accounts, people=people, visitors=people // 3)
    for attribute, total in (("accounts", accounts), ("people", people), ("visitors", people // 3)):
        covered = [i for plan in plans for i in getattr(plan, attribute)]
        assert covered == list(range(total))
    assert max(len(plan.people) for plan in plans) <= 2000


def test_tiny_companies_still_generate() -> None:
    company = generate_company(seed=1, accounts=3, people=5)
    events = list(company.iter_events())
    assert len(company.people) == 5 and events
    assert all(p.account_id in {a.id for a in company.accounts} | {None} for p in company.people)
