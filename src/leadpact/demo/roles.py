"""Job titles from seniority and department, and the hidden buying role and intent they imply."""

from __future__ import annotations

import random

from leadpact.demo.vocabulary import CXO_TITLES, DEPARTMENT_NOUNS, IC_TITLES

TECHNICAL = frozenset({"data", "engineering", "it"})
_LEADER_TEMPLATES = {
    "manager": ["{noun} Manager", "Senior {noun} Manager", "{noun} Team Lead"],
    "director": ["Director of {noun}", "Senior Director, {noun}", "Head of {noun}"],
    "vp": ["VP {noun}", "VP of {noun}", "SVP, {noun}"],
}


def title_for(rng: random.Random, seniority: str | None, department: str | None) -> str | None:
    """Return a plausible job title for a seniority and department."""
    if department is None:
        return None
    if seniority == "cxo":
        return CXO_TITLES[department]
    if seniority in _LEADER_TEMPLATES:
        noun = DEPARTMENT_NOUNS[department]
        if department == "data" and rng.random() < 0.4:
            noun = rng.choice(["Data Engineering", "Analytics", "Data Platform"])
        return rng.choice(_LEADER_TEMPLATES[seniority]).format(noun=noun)
    return rng.choice(IC_TITLES[department])


def buying_role_of(rng: random.Random, kind: str, seniority: str | None, department: str | None) -> str:
    """Draw a person's true role in a purchase: technical leaders buy and champion, others rarely do."""
    if kind != "none":
        return "influencer" if kind == "consultant" and rng.random() < 0.3 else "none"
    draw = rng.random()
    if department in TECHNICAL:
        table = {"cxo": (0.85, 1.0, 1.0), "vp": (0.7, 0.95, 1.0), "director": (0.25, 0.85, 1.0),
                 "manager": (0.05, 0.45, 0.95), "ic": (0.0, 0.05, 0.6)}[seniority or "ic"]
    elif department == "finance":
        table = {"cxo": (0.6, 0.6, 1.0), "vp": (0.4, 0.4, 0.9)}.get(seniority or "ic", (0.0, 0.0, 0.3))
    else:
        table = {"cxo": (0.2, 0.2, 0.5), "vp": (0.05, 0.1, 0.4)}.get(seniority or "ic", (0.0, 0.0, 0.15))
    # table holds cumulative cut-offs for economic_buyer, champion, influencer; the rest have no role.
    for role, cut in zip(("economic_buyer", "champion", "influencer"), table, strict=True):
        if draw < cut:
            return role
    return "none"


def intent_of(rng: random.Random, kind: str, role: str, in_market: bool) -> str:
    """Draw how far along a person is: evaluating (will ask for demo or pricing), researching, or none."""
    if kind != "none":
        return "none"
    draw = rng.random()
    if in_market:
        cut = {"economic_buyer": (0.65, 0.95), "champion": (0.6, 0.95), "influencer": (0.15, 0.75),
               "none": (0.02, 0.3)}[role]
    else:
        cut = (0.01, 0.25) if role in ("economic_buyer", "champion") else (0.0, 0.1)
    if draw < cut[0]:
        return "evaluating"
    return "researching" if draw < cut[1] else "none"
