"""Accounts of one chunk: unique firm names and domains, heavy-tailed sizes, and each account's truth."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from leadpact.demo.catalog import PROBLEMS
from leadpact.demo.records import Account, Rep, Team
from leadpact.demo.sales import team_for_country
from leadpact.demo.truth import AccountTruth, industry_fit, size_fit
from leadpact.demo.vocabulary import (
    COMPETITORS,
    COUNTRIES,
    FIRM_EXTRAS,
    FIRM_PREFIXES,
    FIRM_SUFFIXES,
    GENERIC_TLDS,
    INDUSTRIES,
    LEGAL_SUFFIX,
    UNIVERSITIES,
)

SPECIAL_ACCOUNTS = len(COMPETITORS) + len(UNIVERSITIES)  # the first account ids, when there is room
_COUNTRY_CODES = list(COUNTRIES)
_COUNTRY_WEIGHTS = [COUNTRIES[c][0] for c in _COUNTRY_CODES]
_INDUSTRY_NAMES = list(INDUSTRIES)
_INDUSTRY_WEIGHTS = list(INDUSTRIES.values())
_TLDS = list(GENERIC_TLDS)
_TLD_WEIGHTS = list(GENERIC_TLDS.values())
_PROBLEM_NAMES = list(PROBLEMS)
_WORDS = len(FIRM_PREFIXES) * len(FIRM_SUFFIXES)


def account_id(index: int) -> str:
    """Return the id of the account at a global index."""
    return f"acc_{index + 1:06d}"


def has_special_accounts(total_accounts: int) -> bool:
    """Tell whether a run is big enough to carry the competitor and university accounts."""
    return total_accounts >= 50


def firm_word(index: int, seed: int) -> tuple[str, str]:
    """Return a unique (domain word, display name) for an account index, with no shared state.

    An affine permutation of the prefix x suffix grid scatters names per seed; later tiers add a word.
    """
    tier, slot = divmod(index, _WORDS)
    slot = (slot * 7919 + seed * 104729) % _WORDS  # 7919 is prime and does not divide the grid size
    prefix, suffix = FIRM_PREFIXES[slot // len(FIRM_SUFFIXES)], FIRM_SUFFIXES[slot % len(FIRM_SUFFIXES)]
    word, name = prefix + suffix, (prefix + suffix).capitalize()
    if tier:
        extra = FIRM_EXTRAS[(tier - 1) % len(FIRM_EXTRAS)]
        round_ = (tier - 1) // len(FIRM_EXTRAS)
        word, name = f"{word}{extra}", f"{name} {extra.capitalize()}"
        if round_:  # beyond ~300,000 accounts names need a number to stay unique
            word, name = f"{word}{round_ + 1}", f"{name} {round_ + 1}"
    return word, name


def heavy_tailed_employees(rng: random.Random) -> int:
    """Draw a headcount: log-normal, median 60, clipped to 1-50,000 (most firms are small)."""
    return max(1, min(50_000, int(rng.lognormvariate(math.log(60), 2.0))))


def build_accounts(
    rng: random.Random, *, seed: int, indices: range, total_accounts: int, start: datetime, end: datetime,
    teams: list[Team], reps: list[Rep],
) -> tuple[list[Account], list[AccountTruth]]:
    """Return the accounts at these global indices and their truth."""
    accounts: list[Account] = []
    truths: list[AccountTruth] = []
    special = has_special_accounts(total_accounts)
    for index in indices:
        if special and index < SPECIAL_ACCOUNTS:
            account, truth = special_account(seed, index)
        else:
            account, truth = _regular_account(rng, index, seed, start, end, teams, reps)
        accounts.append(account)
        truths.append(truth)
    return accounts, truths


def special_account(seed: int, index: int) -> tuple[Account, AccountTruth]:
    """Return a rival's or a university's account; seeded by index alone, as every chunk needs them."""
    rng = random.Random(f"{seed}:special:{index}")
    identifier = account_id(index)
    if index < len(COMPETITORS):
        # Rivals look like ideal customers on paper: mid-size software firms in the US.
        name, domain = COMPETITORS[index]
        employees, industry, country = rng.randint(150, 900), "software", "US"
    else:
        name = UNIVERSITIES[index - len(COMPETITORS)]
        domain = name.split()[0].lower() + ".edu"
        employees, industry, country = rng.randint(1500, 12000), "education", rng.choice(["US", "GB", "CA"])
    account = Account(id=identifier, domain=domain, name=name, industry=industry, employees=employees,
                      country=country)
    truth = AccountTruth(account_id=identifier, industry=industry, employees=employees, problem=None,
                         in_market=False, timing_start=None, timing_end=None,
                         competitor=index < len(COMPETITORS))
    return account, truth


def _regular_account(
    rng: random.Random, index: int, seed: int, start: datetime, end: datetime, teams: list[Team], reps: list[Rep],
) -> tuple[Account, AccountTruth]:
    identifier = account_id(index)
    country = rng.choices(_COUNTRY_CODES, _COUNTRY_WEIGHTS)[0]
    word, name = firm_word(index, seed)
    cc_tld = COUNTRIES[country][3]
    tld = cc_tld if cc_tld and rng.random() < 0.45 else rng.choices(_TLDS, _TLD_WEIGHTS)[0]
    if rng.random() < 0.3:
        name = f"{name} {LEGAL_SUFFIX[country]}"
    industry = rng.choices(_INDUSTRY_NAMES, _INDUSTRY_WEIGHTS)[0]
    employees = heavy_tailed_employees(rng)
    # Enrichment is incomplete and a little off: the CRM's headcount is within about 20 % of the truth.
    observed_employees = None if rng.random() < 0.15 else _round_headcount(employees * rng.uniform(0.85, 1.2))
    observed_industry = None if rng.random() < 0.12 else industry
    owner = None
    if (observed_employees or 0) >= 1000 and rng.random() < 0.3 or rng.random() < 0.02:
        team = team_for_country(teams, country)
        owner = rng.choice([r.email for r in reps if r.team == team.id and r.role == "rep"])
    account = Account(id=identifier, domain=f"{word}.{tld}", name=name, industry=observed_industry,
                      employees=observed_employees, country=country, owner=owner)
    return account, _account_truth(rng, identifier, industry, employees, start, end)


def _account_truth(
    rng: random.Random, identifier: str, industry: str, employees: int, start: datetime, end: datetime,
) -> AccountTruth:
    weights = [3.0 if p == "compliance audits" and industry in ("fintech", "healthcare", "government") else 1.0
               for p in _PROBLEM_NAMES]
    problem = rng.choices(_PROBLEM_NAMES, weights)[0]
    fit = size_fit(employees) * math.sqrt(industry_fit(industry))
    in_market = rng.random() < 0.05 + 0.3 * fit
    timing_start = timing_end = None
    if in_market:
        # Windows skew late so that at "now" some committees are still active: live hot leads for the demo.
        span = (end - start).days + 40 - 21
        timing_end = start + timedelta(days=21 + span * rng.random() ** 0.7, hours=rng.uniform(0, 24))
        timing_start = timing_end - timedelta(days=rng.uniform(28, 84))
    return AccountTruth(account_id=identifier, industry=industry, employees=employees, problem=problem,
                        in_market=in_market, timing_start=timing_start, timing_end=timing_end,
                        already_solved=not in_market and rng.random() < 0.3)


def _round_headcount(value: float) -> int:
    """Round to two significant figures, the way enrichment providers report headcounts."""
    value = max(1, int(value))
    if value < 100:
        return value
    magnitude = 10 ** (len(str(value)) - 2)
    return round(value / magnitude) * magnitude
