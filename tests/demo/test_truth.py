"""The hidden truth: realistic shares, kept apart from observable data, and outcomes that follow from it."""

from __future__ import annotations

import json
import random
from collections import Counter
from statistics import mean
from typing import Any

import pytest

from leadpact.demo import NOISE_KINDS, REJECTION_REASONS, DemoCompany, generate_company
from leadpact.demo.truth import size_fit

TRUTH_WORDS = ("in_market", "buying_role", "noise_kind", "intent", "timing_start", "timing_end",
               "already_solved", "response_pace", "duplicate_of", "competitor", "economic_buyer", "champion",
               "job_seeker", "acceptance_probability", "win_probability")


@pytest.fixture(scope="module")
def default_company() -> DemoCompany:
    """The default-size company (population only is cheap; events are not generated here)."""
    return generate_company()


def test_noise_kinds_have_realistic_shares(default_company: DemoCompany) -> None:
    kinds = Counter(person.noise_kind for person in default_company.truth.people.values())
    assert set(kinds) == set(NOISE_KINDS)
    shares = {kind: count / len(default_company.people) for kind, count in kinds.items()}
    assert 0.55 < shares["none"] < 0.8
    for kind in ("student", "job_seeker", "consultant", "freemail"):
        assert 0.03 < shares[kind] < 0.15, kind
    assert 0.01 < shares["competitor"] < 0.06
    duplicates = sum(1 for p in default_company.truth.people.values() if p.duplicate_of)
    assert 0.005 < duplicates / len(default_company.people) < 0.03


def test_market_and_roles_are_plausible(default_company: DemoCompany) -> None:
    truth = default_company.truth
    in_market = [a for a in truth.accounts.values() if a.in_market]
    assert 0.08 < len(in_market) / len(truth.accounts) < 0.3
    assert all(a.timing_start < a.timing_end and a.problem for a in in_market)
    assert any(a.timing_start <= default_company.end <= a.timing_end for a in in_market)  # live committees
    roles = Counter(p.buying_role for p in truth.people.values() if p.noise_kind == "none")
    assert roles["economic_buyer"] and roles["champion"] and roles["influencer"] and roles["none"]
    employees = [a.employees for a in truth.accounts.values()]
    assert min(employees) >= 1 and max(employees) <= 50_000
    assert 0.25 < sum(100 <= e <= 5000 for e in employees) / len(employees) < 0.6
    observed = default_company.accounts
    assert 0.05 < sum(a.industry is None for a in observed) / len(observed) < 0.25
    assert 0.05 < sum(a.employees is None for a in observed) / len(observed) < 0.25


def test_truth_is_absent_from_observable_records(small_company: DemoCompany,
                                                 small_events: list[dict[str, Any]]) -> None:
    records = [*small_company.accounts, *small_company.people, *small_company.content, *small_company.teams,
               *small_company.reps, *small_company.identities.values()]
    text = json.dumps([r.to_dict() for r in records])
    events = json.dumps(small_events)
    for word in TRUTH_WORDS:
        assert word not in text, word
        assert word not in events, word


def test_acceptance_follows_fit_role_and_noise(default_company: DemoCompany) -> None:
    truth = default_company.truth
    accept = {pid: truth.acceptance_probability(pid) for pid in truth.people}
    assert all(0 <= p <= 1 for p in accept.values())
    assert all(0 <= truth.win_probability(pid) <= 1 for pid in truth.people)

    def mean_of(test: Any) -> float:
        return mean(accept[pid] for pid, person in truth.people.items() if test(person))

    noise = mean_of(lambda p: p.noise_kind in ("student", "job_seeker", "competitor"))
    buyers = mean_of(lambda p: p.intent == "evaluating" and p.buying_role in ("economic_buyer", "champion"))
    bystanders = mean_of(lambda p: p.noise_kind == "none" and p.buying_role == "none")
    assert noise < 0.05 < bystanders < 0.2 < buyers
    ideal = [pid for pid, p in truth.people.items() if p.intent == "evaluating" and truth.fit(pid) == 1]
    tiny = [pid for pid, p in truth.people.items()
            if p.intent == "evaluating" and truth.account_of(pid).employees < 20]
    assert mean(accept[p] for p in ideal) > 2 * mean(accept[p] for p in tiny)


def test_timing_matters_when_given(default_company: DemoCompany) -> None:
    truth = default_company.truth
    person_id = next(pid for pid, p in truth.people.items()
                     if p.intent == "evaluating" and truth.account_of(pid).in_market)
    window = truth.account_of(person_id)
    inside = truth.acceptance_probability(person_id, at=window.timing_start)
    long_after = truth.acceptance_probability(person_id, at=window.timing_end.replace(year=2030))
    assert inside > long_after
    assert truth.win_probability(person_id, at=window.timing_start) > truth.win_probability(
        person_id, at=window.timing_end.replace(year=2030))


def test_rejection_reasons_come_from_the_vocabulary_and_the_truth(default_company: DemoCompany) -> None:
    truth, rng = default_company.truth, random.Random(5)
    reasons = {pid: truth.likely_rejection_reason(pid, rng) for pid in truth.people}
    assert set(reasons.values()) <= set(REJECTION_REASONS)
    assert set(reasons.values()) >= set(REJECTION_REASONS) - {"wrong_timing"}  # timing needs `at`
    by_kind: dict[str, Counter[str]] = {}
    for pid, reason in reasons.items():
        by_kind.setdefault(truth.people[pid].noise_kind, Counter())[reason] += 1
    assert by_kind["competitor"].most_common(1)[0][0] == "competitor"
    assert by_kind["student"].most_common(1)[0][0] == "student_or_job_seeker"
    small = Counter(reason for pid, reason in reasons.items()
                    if truth.people[pid].noise_kind == "none" and not truth.people[pid].duplicate_of
                    and size_fit(truth.account_of(pid).employees) < 0.1)
    assert small.most_common(1)[0][0] == "wrong_company_size"
    late = [pid for pid, p in truth.people.items() if p.noise_kind == "none" and not p.duplicate_of
            and truth.account_of(pid).in_market]
    after = [truth.likely_rejection_reason(pid, rng, at=truth.account_of(pid).timing_end.replace(year=2030))
             for pid in late]
    assert "wrong_timing" in after


def test_rep_response_times_follow_each_reps_pace(default_company: DemoCompany) -> None:
    truth, rng = default_company.truth, random.Random(3)
    assert set(truth.rep_response_pace) == {rep.id for rep in default_company.reps}
    slow = max(truth.rep_response_pace, key=truth.rep_response_pace.get)
    fast = min(truth.rep_response_pace, key=truth.rep_response_pace.get)
    slow_times = [truth.rep_response_minutes(slow, rng) for _ in range(200)]
    fast_times = [truth.rep_response_minutes(fast, rng) for _ in range(200)]
    assert min(slow_times + fast_times) > 0
    assert sorted(slow_times)[100] > 5 * sorted(fast_times)[100]
    assert sum(pace > 120 for pace in truth.rep_response_pace.values()) >= 2  # some reps let leads sit
