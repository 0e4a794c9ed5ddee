"""How many days earlier a candidate pact catches won deals than the active one, on a history built by hand: each
person's first MQL day under both pacts is known in advance, so the median and mean are worked out here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from leadpact.insights.backtest import Outcomes, compare, history_of, prepare, render
from leadpact.pact import load_pact

PACT = """
leadpact: 1
name: {name}
engagement:
  half_life_days: 100000          # next to no decay: each request scores ten points for the whole month
  criteria:
    - id: demo_request
      label: Requested a demo
      when: {{event: Demo Requested}}
      points: 10
stages:
  mql:
    when: {{score: engagement, op: gte, value: {floor}}}
"""
CANDIDATE = load_pact(PACT.format(name="eager", floor=5))  # the first request qualifies
ACTIVE = load_pact(PACT.format(name="patient", floor=25))  # the third request qualifies
# person → (days of October with a demo request, the day the deal was won or None)
PEOPLE: dict[str, tuple[list[int], int | None]] = {
    "ana": ([2, 5, 9], 20),  # candidate Oct 2, active Oct 9: 7 days earlier
    "ben": ([3, 4, 14], 25),  # candidate Oct 3, active Oct 14: 11 days earlier
    "cleo": ([6, 6, 6], 7),  # both Oct 6: the same day
    "dev": ([1], 10),  # only the candidate qualifies
    "eli": ([2, 3, 4], 3),  # the active pact qualifies on Oct 4, after the win on Oct 3: only the candidate
    "fay": ([1, 2, 3], None),  # never won
}


def _person(name: str, days: list[int]) -> tuple[dict[str, Any], None, list[dict[str, Any]]]:
    events = [{"type": "track", "event": "Demo Requested", "timestamp": datetime(2026, 10, day, 9 + n, tzinfo=UTC)}
              for n, day in enumerate(days)]
    return {"email": f"{name}@example.com"}, None, events


def test_days_earlier_on_won_deals_both_pacts_caught() -> None:
    names = list(PEOPLE)
    history = history_of([_person(name, PEOPLE[name][0]) for name in names], keys=names)
    won = pl.DataFrame([(names.index(n), date(2026, 10, day)) for n, (_, day) in PEOPLE.items() if day is not None],
                       schema={"person": pl.Int64, "won_day": pl.Date}, orient="row")
    outcomes = Outcomes(feedback=pl.DataFrame(schema={"person": pl.Int64, "accepted": pl.Boolean,
                                                      "rejection_reason": pl.String}),
                        sql=pl.DataFrame(schema={"person": pl.Int64}), won=won)
    report = compare([("eager", prepare(CANDIDATE, history)), ("patient", prepare(ACTIVE, history))],
                     start=date(2026, 10, 1), end=date(2026, 10, 31), outcomes=outcomes)
    eager, patient = report["pacts"]
    assert eager["mqls"] == 6 and patient["mqls"] == 5  # dev never reaches the active pact's floor
    assert eager["won_caught"] == 5 and patient["won_caught"] == 3  # eli was won before the active pact caught him
    days = sorted([9 - 2, 14 - 3, 6 - 6])  # ana, ben, cleo: the active pact's first day minus the candidate's
    assert report["earlier_than_active"] == {
        "both": 3, "median_days_earlier": float(days[1]), "mean_days_earlier": round(sum(days) / 3, 1),
        "earlier": 2, "same_day": 1, "later": 0, "candidate_only": 2, "active_only": 0}
    text = render(report)
    assert "7.0 days earlier (median), 6.0 days earlier (mean) than patient" in text
    assert "won deals caught only by eager: 2; only by patient: 0" in text


def test_a_later_candidate_counts_negative_days() -> None:
    names = ["ana", "ben"]
    history = history_of([_person("ana", [2, 5, 9]), _person("ben", [3, 4, 14])], keys=names)
    won = pl.DataFrame({"person": [0, 1], "won_day": [date(2026, 10, 20), date(2026, 10, 25)]})
    outcomes = Outcomes(feedback=pl.DataFrame(schema={"person": pl.Int64, "accepted": pl.Boolean,
                                                      "rejection_reason": pl.String}),
                        sql=pl.DataFrame(schema={"person": pl.Int64}), won=won)
    report = compare([("patient", prepare(ACTIVE, history)), ("eager", prepare(CANDIDATE, history))],
                     start=date(2026, 10, 1), end=date(2026, 10, 31), outcomes=outcomes)
    earlier = report["earlier_than_active"]
    assert (earlier["median_days_earlier"], earlier["mean_days_earlier"], earlier["later"]) == (-9.0, -9.0, 2)
