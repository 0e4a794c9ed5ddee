"""The hidden ground truth of the demo company, kept apart from everything observable.

Who is in market, with which problem and when; who holds a buying role and who is noise; how fast each
rep responds. The simulation asks it whether a rep accepts a handoff and whether the deal is won. Both
follow from fit, role, being in market and timing, never from how much content someone consumed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadpact.demo.records import plain_dict
from leadpact.demo.vocabulary import STRONG_INDUSTRIES

BUYING_ROLES = ("economic_buyer", "champion", "influencer", "none")
NOISE_KINDS = ("student", "job_seeker", "consultant", "competitor", "freemail", "none")
INTENTS = ("evaluating", "researching", "none")
REJECTION_REASONS = ("wrong_company_size", "wrong_role", "no_budget", "wrong_timing", "already_solved",
                     "unreachable", "duplicate", "student_or_job_seeker", "competitor")

# A committee is still reachable a little before and after its active window.
TIMING_SLACK = timedelta(days=14)
_ROLE_WEIGHT = {"economic_buyer": 1.0, "champion": 0.85, "influencer": 0.45, "none": 0.12}
_INTENT_WEIGHT = {"evaluating": 1.0, "researching": 0.8, "none": 0.6}
# Noise is accepted almost never, whatever it read: these are absolute acceptance probabilities.
_NOISE_ACCEPTANCE = {"student": 0.02, "job_seeker": 0.02, "competitor": 0.01, "consultant": 0.08,
                     "freemail": 0.1}


@dataclass(frozen=True, slots=True)
class AccountTruth:
    """What is really going on at an account."""

    account_id: str
    industry: str  # the true industry, even where the observable record lacks it
    employees: int  # the true headcount, likewise
    problem: str | None
    in_market: bool
    timing_start: datetime | None  # the window in which the buying committee is active
    timing_end: datetime | None
    already_solved: bool = False
    competitor: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the account truth as a plain dict."""
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class PersonTruth:
    """What is really true of a person."""

    person_id: str
    account_id: str | None  # the true employer, even when they signed up with a free-mail address
    buying_role: str
    noise_kind: str
    intent: str  # evaluating: will reach for demo or pricing in the window; researching; none
    seniority: str | None
    department: str | None
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the person truth as a plain dict."""
        return plain_dict(self)


def size_fit(employees: int | None) -> float:
    """Return how well a headcount fits the ideal customer (1 = 100-5,000 people)."""
    if employees is None:
        return 0.3
    if 100 <= employees <= 5000:
        return 1.0
    if 50 <= employees < 100 or 5000 < employees <= 15000:
        return 0.5
    if 20 <= employees < 50 or employees > 15000:
        return 0.2
    return 0.05


def industry_fit(industry: str | None) -> float:
    """Return how well an industry fits the ideal customer (1 = software, fintech, healthcare)."""
    if industry in STRONG_INDUSTRIES:
        return 1.0
    if industry in ("logistics", "media", "retail", "manufacturing", "telecom"):
        return 0.6
    return 0.35


@dataclass
class GroundTruth:
    """The hidden truth of a demo company, with the probabilities the simulation draws outcomes from."""

    accounts: dict[str, AccountTruth] = field(default_factory=dict)
    people: dict[str, PersonTruth] = field(default_factory=dict)
    rep_response_pace: dict[str, float] = field(default_factory=dict)  # median minutes to first touch

    def merge(self, other: GroundTruth) -> None:
        """Fold another chunk's truth into this one."""
        self.accounts.update(other.accounts)
        self.people.update(other.people)
        self.rep_response_pace.update(other.rep_response_pace)

    def account_of(self, person_id: str) -> AccountTruth | None:
        """Return the truth of the person's real employer, if they have one."""
        account_id = self.people[person_id].account_id
        return self.accounts.get(account_id) if account_id else None

    def in_timing(self, person_id: str, at: datetime | None = None) -> bool:
        """Tell whether the person's account is in market and (at `at`, when given) inside its window."""
        account = self.account_of(person_id)
        if account is None or not account.in_market or account.timing_start is None:
            return False
        if at is None:
            return True
        return account.timing_start - TIMING_SLACK <= at <= account.timing_end + TIMING_SLACK

    def fit(self, person_id: str) -> float:
        """Return the true firmographic fit (0-1) of the person's account."""
        account = self.account_of(person_id)
        if account is None:
            return 0.0
        return size_fit(account.employees) * math.sqrt(industry_fit(account.industry))

    def acceptance_probability(self, person_id: str, at: datetime | None = None) -> float:
        """Return the probability a rep accepts a handoff of this person (at handoff time `at`, if given)."""
        person = self.people[person_id]
        if person.duplicate_of:
            return 0.05
        if person.noise_kind != "none":
            return _NOISE_ACCEPTANCE[person.noise_kind]
        account = self.account_of(person_id)
        if account is None:
            return 0.05
        market = self._market_factor(person_id, account, at)
        score = self.fit(person_id) ** 0.8 * _ROLE_WEIGHT[person.buying_role] * market
        return round(0.03 + 0.92 * score * _INTENT_WEIGHT[person.intent], 4)

    def win_probability(self, person_id: str, at: datetime | None = None) -> float:
        """Return the probability an accepted handoff of this person ends in a won deal."""
        person = self.people[person_id]
        account = self.account_of(person_id)
        if person.noise_kind != "none" or person.duplicate_of or account is None:
            return 0.005
        if self.in_timing(person_id, at):
            market = 0.6
        elif account.in_market:
            market = 0.2
        else:
            market = 0.04
        intent = {"evaluating": 1.0, "researching": 0.6, "none": 0.35}[person.intent]
        return round(0.005 + self.fit(person_id) * _ROLE_WEIGHT[person.buying_role] * market * intent, 4)

    def likely_rejection_reason(self, person_id: str, rng: random.Random, at: datetime | None = None) -> str:
        """Draw the one-word reason a rep gives when rejecting this person, following what is true of them."""
        person = self.people[person_id]
        if person.duplicate_of:
            return "duplicate"
        noise = {"student": {"student_or_job_seeker": 9, "unreachable": 1},
                 "job_seeker": {"student_or_job_seeker": 9, "unreachable": 1},
                 "competitor": {"competitor": 1},
                 "consultant": {"wrong_role": 6, "no_budget": 4},
                 "freemail": {"unreachable": 5, "wrong_role": 3, "wrong_company_size": 2}}
        weights = noise.get(person.noise_kind) or self._commercial_reasons(person, at)
        reasons = list(weights)
        return rng.choices(reasons, weights=[weights[r] for r in reasons])[0]

    def _commercial_reasons(self, person: PersonTruth, at: datetime | None) -> dict[str, float]:
        account = self.account_of(person.person_id)
        if account is None:
            return {"unreachable": 1}
        weights = {"unreachable": 0.3, "duplicate": 0.05,
                   "wrong_company_size": 4.0 * (1 - size_fit(account.employees)),
                   "wrong_role": 3.0 * (1 - _ROLE_WEIGHT[person.buying_role]),
                   "no_budget": 1.0 * (1 - industry_fit(account.industry))}
        if not account.in_market:
            reason = "already_solved" if account.already_solved else "no_budget"
            weights[reason] = weights.get(reason, 0.0) + 2.0
        elif not self.in_timing(person.person_id, at):
            weights["wrong_timing"] = 2.5
        return weights

    def rep_response_minutes(self, rep_id: str, rng: random.Random) -> float:
        """Draw how many minutes a rep takes to first touch a new handoff (log-normal around their pace)."""
        pace = self.rep_response_pace[rep_id]
        return round(max(0.5, rng.lognormvariate(math.log(pace), 0.8)), 1)

    def _market_factor(self, person_id: str, account: AccountTruth, at: datetime | None) -> float:
        if self.in_timing(person_id, at):
            return 1.0
        if account.in_market:
            return 0.45
        return 0.15 if account.already_solved else 0.3

    def person_record(self, person_id: str) -> dict[str, Any]:
        """Return a person's truth with their acceptance and win probabilities, for the truth files."""
        return {**self.people[person_id].to_dict(),
                "acceptance_probability": self.acceptance_probability(person_id),
                "win_probability": self.win_probability(person_id)}
