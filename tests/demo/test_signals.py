"""The lesson the demo teaches: activity volume comes from noise; fit and decision-stage signals from buyers."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

from leadpact.clock import parse_time
from leadpact.demo import DemoCompany
from leadpact.demo.truth import TIMING_SLACK

AWARENESS_EVENTS = {"Content Downloaded", "Webinar Registered", "Webinar Attended", "Email Opened", "Email Clicked"}
DECISION_EVENTS = {"Demo Requested", "Pricing Requested"}


def _tally(company: DemoCompany, events: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    index = company.person_by_identifier
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for message in events:
        person = index.get(message["userId"]) or index.get(message["anonymousId"])
        if person is None:
            continue
        name = message.get("event") or message["type"]
        path = message["properties"]["path"] if message["type"] == "page" else ""
        if name in AWARENESS_EVENTS or path.startswith(("/blog", "/guides", "/webinars")):
            tally[person]["awareness"] += 1
        if name in DECISION_EVENTS or path.startswith("/pricing"):
            tally[person]["decision"] += 1
        tally[person]["all"] += 1
    return tally


def test_noise_reads_more_and_buyers_decide_more(small_company: DemoCompany,
                                                  small_events: list[dict[str, Any]]) -> None:
    tally, truth = _tally(small_company, small_events), small_company.truth
    noise = [pid for pid, p in truth.people.items() if p.noise_kind in ("student", "job_seeker", "consultant")]
    buyers = [pid for pid, p in truth.people.items() if p.intent == "evaluating"]
    assert len(noise) > 100 and len(buyers) > 20

    def average(people: list[str], key: str) -> float:
        return mean(tally[pid][key] for pid in people)

    assert average(noise, "awareness") > 1.5 * average(buyers, "awareness")
    assert average(buyers, "decision") > 3 * average(noise, "decision")


def test_decision_requests_fall_inside_buying_windows(small_company: DemoCompany,
                                                      small_events: list[dict[str, Any]]) -> None:
    index, truth = small_company.person_by_identifier, small_company.truth
    inside = outside = 0
    for message in small_events:
        if message.get("event") not in DECISION_EVENTS:
            continue
        person = truth.people[index[message["userId"]]]
        account = truth.accounts.get(person.account_id or "")
        if person.intent != "evaluating" or account is None or not account.in_market:
            continue
        # A request may slip past the window's end by a few days (weekends, a busy week): the truth itself
        # counts a committee as reachable within TIMING_SLACK of its window.
        within = account.timing_start <= parse_time(message["timestamp"]) <= account.timing_end + TIMING_SLACK
        inside += within
        outside += not within
    assert inside > 10 and outside == 0


def test_decision_requests_mostly_come_from_real_buyers(small_company: DemoCompany,
                                                        small_events: list[dict[str, Any]]) -> None:
    index, truth = small_company.person_by_identifier, small_company.truth
    requesters = [truth.people[index[m["userId"]]] for m in small_events if m.get("event") in DECISION_EVENTS]
    evaluating = sum(p.intent == "evaluating" for p in requesters)
    noise = sum(p.noise_kind != "none" for p in requesters)
    assert evaluating / len(requesters) > 0.45  # in-market committees, a few percent of all people
    assert noise / len(requesters) < 0.25  # some consultants and rivals ask too: the signal is good, not pure
