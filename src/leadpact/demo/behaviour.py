"""How each kind of person behaves: how often they visit, what they read, which forms they fill, which
channel first brought them.

This is where the demo's lesson lives. Students, job seekers, consultants and rivals read a great deal
of awareness content and open every newsletter; real buyers at in-market accounts read less, focused
on their problem, and reach for pricing and demos inside their buying window.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from leadpact.demo.catalog import PROBLEMS
from leadpact.demo.draw import Weighted, pick


@dataclass(frozen=True)
class Behaviour:
    """Visit and action frequencies of one kind of person over the simulated months."""

    sessions: tuple[int, int]  # browsing sessions, besides those in which they act
    modes: dict[str, float]  # what a browsing session is about
    downloads: tuple[int, int]  # gated guides
    webinars: tuple[int, int]
    demo: float  # chance of requesting a demo
    pricing_request: float
    trial: float
    open_rate: float  # newsletter opens
    click_rate: float  # clicks, given an open
    attend_rate: float  # webinar attendance, given registration
    channels: dict[str, float]  # first-touch channel
    known_before: float  # already in the marketing database when the window opens
    office_hours: bool = True

    def __post_init__(self) -> None:
        # Drawn hundreds of thousands of times: build the cumulative weights once.
        object.__setattr__(self, "mode_draw", Weighted(self.modes))
        object.__setattr__(self, "channel_draw", Weighted(self.channels))


_NOISY_CHANNELS = {"organic": 50, "paid_social": 25, "paid_search": 10, "direct": 10, "events": 5}
BEHAVIOURS: dict[str, Behaviour] = {
    "student": Behaviour((2, 5), {"awareness": 80, "careers": 15, "decision": 5}, (1, 3), (0, 2), 0.01, 0.0,
                         0.08, 0.4, 0.35, 0.6, _NOISY_CHANNELS, 0.2, office_hours=False),
    "job_seeker": Behaviour((2, 5), {"careers": 55, "awareness": 40, "decision": 5}, (1, 3), (0, 2), 0.0, 0.0,
                            0.03, 0.35, 0.3, 0.5, {"organic": 55, "paid_social": 25, "direct": 15,
                                                  "paid_search": 5}, 0.2, office_hours=False),
    "consultant": Behaviour((2, 6), {"awareness": 50, "problem": 30, "decision": 10, "rival": 10}, (1, 4),
                            (1, 2), 0.06, 0.03, 0.05, 0.4, 0.35, 0.6,
                            {"organic": 40, "paid_social": 20, "events": 15, "partner": 15, "direct": 10}, 0.3),
    "competitor": Behaviour((2, 7), {"rival": 40, "decision": 30, "awareness": 30}, (1, 3), (1, 2), 0.1, 0.05,
                            0.2, 0.3, 0.3, 0.7, {"direct": 40, "organic": 40, "paid_search": 20}, 0.25),
    "freemail": Behaviour((2, 5), {"awareness": 60, "casual": 25, "decision": 15}, (0, 2), (0, 1), 0.01, 0.0,
                          0.25, 0.2, 0.25, 0.4, {"organic": 45, "paid_social": 25, "paid_search": 20,
                                                 "direct": 10}, 0.15, office_hours=False),
    "evaluating": Behaviour((3, 7), {"problem": 50, "decision": 35, "awareness": 15}, (0, 2), (0, 1), 0.55, 0.4,
                            0.15, 0.3, 0.15, 0.5, {"paid_search": 30, "organic": 20, "events": 15, "partner": 15,
                                                   "paid_social": 10, "direct": 10}, 0.35),
    "researching": Behaviour((1, 3), {"problem": 45, "awareness": 40, "decision": 15}, (0, 2), (0, 1), 0.05,
                             0.03, 0.04, 0.18, 0.15, 0.45, {"organic": 35, "paid_search": 20, "paid_social": 15,
                                                            "events": 10, "partner": 10, "direct": 10}, 0.35),
    "none": Behaviour((1, 2), {"awareness": 60, "casual": 30, "decision": 10}, (0, 1), (0, 0), 0.01, 0.005,
                      0.02, 0.08, 0.12, 0.35, {"organic": 45, "paid_social": 20, "direct": 20, "paid_search": 10,
                                               "events": 5}, 0.35),
    "duplicate": Behaviour((0, 1), {"awareness": 70, "casual": 30}, (0, 1), (0, 1), 0.0, 0.0, 0.0, 0.1, 0.1,
                           0.4, {"direct": 50, "organic": 50}, 0.0),
    "visitor": Behaviour((1, 3), {"awareness": 55, "casual": 30, "decision": 10, "careers": 5}, (0, 0), (0, 0),
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, {"organic": 45, "paid_social": 20, "direct": 20,
                                                        "paid_search": 10, "events": 5}, 0.0),
}

SEARCH_TERMS = {
    "data pipeline reliability": ["data pipeline monitoring", "etl failures", "pipeline orchestration tool"],
    "reporting is too slow": ["slow dashboards fix", "bi performance", "speed up reporting"],
    "compliance audits": ["data lineage for audits", "sox data controls", "gdpr data governance tool"],
    "cost of warehouse": ["reduce snowflake costs", "warehouse cost optimization", "query cost monitoring"],
    "data quality": ["data quality testing", "data observability", "bad data alerts"],
    "self-serve analytics": ["semantic layer", "self service bi", "metrics layer"],
}
EVENTS = [("data-summit", "data-summit-2026"), ("cloud-expo", "cloud-expo-emea"), ("analytics-week", "aw-2026")]
PARTNERS = ["cloudbridge", "dbt-partners", "northstar-consulting"]
REFERRERS = {"organic": "https://www.google.com/", "paid_search": "https://www.google.com/",
             "paid_social": "https://www.linkedin.com/", "events": "", "partner": "https://www.cloudbridge.example/",
             "email": "", "direct": ""}


def behaviour_key(noise_kind: str, intent: str, duplicate: bool) -> str:
    """Return which behaviour a person follows."""
    if duplicate:
        return "duplicate"
    return noise_kind if noise_kind != "none" else intent


def campaign_for(rng: random.Random, channel: str, problem: str | None, topic: str) -> dict[str, str] | None:
    """Return the UTM campaign of a session arriving by a channel (direct visits carry none).

    Organic search is labelled the way analytics tools report it (google / organic), so that
    first-touch channel reports have a row for it.
    """
    if channel == "direct":
        return None
    if channel == "organic":
        return {"name": "(organic)", "source": pick(rng, ("google", "google", "google", "bing")),
                "medium": "organic"}
    if channel == "paid_search":
        slug = PROBLEMS[problem]["slug"] if problem else "brand"
        term = pick(rng, SEARCH_TERMS[problem]) if problem else "northwind data"
        return {"name": f"search-{slug}", "source": "google", "medium": "cpc", "term": term,
                "content": pick(rng, ("ad-a", "ad-b"))}
    if channel == "paid_social":
        return {"name": f"li-{topic}-2026", "source": "linkedin", "medium": "paid-social",
                "content": pick(rng, ("carousel", "single-image", "video"))}
    if channel == "events":
        source, name = pick(rng, EVENTS)
        return {"name": name, "source": source, "medium": "events"}
    if channel == "partner":
        return {"name": "partner-referral", "source": pick(rng, PARTNERS), "medium": "partner"}
    raise ValueError(f"unknown channel {channel!r}")
