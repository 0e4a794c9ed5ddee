"""The vendor's sales org: territory teams, each with a manager and reps, and each rep's hidden pace."""

from __future__ import annotations

import random

from leadpact.demo.records import Rep, Team
from leadpact.demo.vocabulary import FIRST_NAMES, LAST_NAMES, VENDOR_DOMAIN

# (team id, label, countries it covers, home time zone, rep time zones, number of reps)
TEAM_LAYOUT: tuple[tuple[str, str, tuple[str, ...], str, tuple[str, ...], int], ...] = (
    ("north_america", "North America", ("US", "CA"), "America/New_York",
     ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Toronto"), 6),
    ("emea", "EMEA", ("GB", "DE", "FR", "NL", "ES", "SE"), "Europe/London",
     ("Europe/London", "Europe/Berlin", "Europe/Amsterdam", "Europe/Paris"), 5),
    ("apac", "APAC", ("IN", "AU", "SG", "JP"), "Asia/Singapore",
     ("Asia/Singapore", "Australia/Sydney", "Asia/Kolkata"), 4),
    ("global", "Global", (), "America/Sao_Paulo", ("America/Sao_Paulo", "America/New_York"), 3),
)


def build_sales_org(seed: int) -> tuple[list[Team], list[Rep], dict[str, float]]:
    """Return the teams, the reps and managers, and each one's hidden median minutes to first touch."""
    rng = random.Random(f"{seed}:sales")
    teams: list[Team] = []
    people: list[Rep] = []
    pace: dict[str, float] = {}
    used: set[str] = set()
    number = 0
    for team_id, label, countries, home, zones, size in TEAM_LAYOUT:
        manager_id = f"mgr_{team_id}"
        teams.append(Team(id=team_id, name=label, manager_id=manager_id, countries=countries, timezone=home))
        people.append(_member(rng, used, manager_id, team_id, "manager", home, capacity=10))
        pace[manager_id] = round(rng.uniform(45, 120), 1)
        for _ in range(size):
            number += 1
            rep_id = f"rep_{number:02d}"
            ramping = rng.random() < 0.15  # a new hire gets fewer leads while ramping
            people.append(_member(rng, used, rep_id, team_id, "rep", rng.choice(zones),
                                  capacity=rng.choice((20, 25, 30, 40)), weight=0.5 if ramping else 1.0))
            pace[rep_id] = round(rng.uniform(4, 40), 1)
    # Every org has a couple of reps who let leads sit for hours; the SLA reports should find them.
    slow = rng.sample([p.id for p in people if p.role == "rep"], 2)
    for rep_id in slow:
        pace[rep_id] = round(rng.uniform(240, 720), 1)
    return teams, people, pace


def _member(rng: random.Random, used: set[str], member_id: str, team: str, role: str, timezone: str,
            *, capacity: int, weight: float = 1.0) -> Rep:
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{VENDOR_DOMAIN}".lower()
        if email not in used:
            used.add(email)
            break
    return Rep(id=member_id, name=f"{first} {last}", email=email, team=team, role=role, weight=weight,
               capacity=capacity, timezone=timezone)


def team_for_country(teams: list[Team], country: str | None) -> Team:
    """Return the team whose territory covers a country, else the catch-all team."""
    for team in teams:
        if country in team.countries:
            return team
    return next(team for team in teams if not team.countries)
