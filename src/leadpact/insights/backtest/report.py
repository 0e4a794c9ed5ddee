"""The comparison report: what a candidate pact would have done beside the active one, on the same history.

For each pact: who it would have qualified (mql or hot) and on which day first, MQL volume per month,
predicted acceptance (the acceptance rate of its MQLs among people sales gave feedback on), MQL → SQL,
and the share of won deals it qualified before the win, with how many days before (median). With two pacts,
the won deals both caught: by how many days the candidate's first MQL day preceded the active pact's (median
and mean; negative when it came later), and the won deals only one of them caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean, median
from typing import Any

import polars as pl

from leadpact.insights.backtest.engine import Backtest
from leadpact.insights.backtest.outcomes import Outcomes

QUALIFIED = ("mql", "hot")


def day_ends(start: date, end: date) -> list[datetime]:
    """Return the last microsecond of each UTC day from start to end, inclusive."""
    days = (end - start).days
    return [datetime.combine(start + timedelta(days=n + 1), time(), UTC) - timedelta(microseconds=1)
            for n in range(days + 1)]


def first_qualified(backtest: Backtest, start: date, end: date) -> pl.DataFrame:
    """Return person and `first_day`: the first day (start..end) each person was mql or hot at the day's end."""
    found: list[pl.DataFrame] = []
    seen = pl.DataFrame(schema={"person": pl.Int64})
    for moment in day_ends(start, end):
        qualified = backtest.at(moment).filter(pl.col("status").is_in(QUALIFIED)).select("person")
        new = qualified.join(seen, on="person", how="anti")
        if new.height:
            found.append(new.with_columns(pl.lit(moment.date()).alias("first_day")))
            seen = pl.concat([seen, new])
    if not found:
        return pl.DataFrame(schema={"person": pl.Int64, "first_day": pl.Date})
    return pl.concat(found)


@dataclass
class PactFigures:
    """One pact's figures over the period."""

    name: str
    qualified: pl.DataFrame  # person, first_day

    def summary(self, outcomes: Outcomes | None) -> dict[str, Any]:
        """Return the figures as JSON-ready data."""
        months = (self.qualified.group_by(pl.col("first_day").dt.strftime("%Y-%m").alias("month")).len()
                  .sort("month"))
        figures: dict[str, Any] = {"pact": self.name, "mqls": self.qualified.height,
                                   "mqls_per_month": dict(months.iter_rows())}
        if outcomes is not None:
            figures.update(outcomes.figures(self.qualified))
        return figures


def compare(pacts: Sequence[tuple[str, Backtest]], *, start: date, end: date,
            outcomes: Outcomes | None) -> dict[str, Any]:
    """Return the side-by-side report of several pacts (candidate first) on one history."""
    figures = [PactFigures(name, first_qualified(backtest, start, end)) for name, backtest in pacts]
    report: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(),
                              "pacts": [f.summary(outcomes) for f in figures]}
    if outcomes is None or not outcomes.has_feedback:
        report["note"] = ("no feedback recorded in this history (no accepted or rejected handoffs): "
                          "predicted acceptance cannot be estimated")
    if len(figures) == 2 and outcomes is not None:
        report["earlier_than_active"] = outcomes.days_earlier(figures[0].qualified, figures[1].qualified)
    return report


SHARES = ("predicted_acceptance", "mql_to_sql", "won_caught_share")  # the figures shown as percentages


def _cell(value: Any, share: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1%}" if share else f"{value:.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render(report: dict[str, Any]) -> str:
    """Return the report as a plain-text table, the pacts side by side."""
    pacts = report["pacts"]
    months = sorted({m for p in pacts for m in p["mqls_per_month"]})
    rows: list[tuple[str, list[str]]] = [("MQLs (first qualified in the period)", [_cell(p["mqls"]) for p in pacts])]
    rows += [(f"  {month}", [_cell(p["mqls_per_month"].get(month, 0)) for p in pacts]) for month in months]
    labels = {"with_feedback": "MQLs with feedback", "predicted_acceptance": "predicted acceptance",
              "mql_to_sql": "MQL → SQL", "won_deals": "won deals", "won_caught": "won deals caught before the win",
              "won_caught_share": "share of won deals caught",
              "median_days_before_win": "median days from qualified to won"}
    for key, label in labels.items():
        if any(key in p for p in pacts):
            rows.append((label, [_cell(p.get(key), key in SHARES) for p in pacts]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"Backtest {report['from']} → {report['to']}", " " * width + "".join(f"{p['pact'][:24]:>26}"
                                                                               for p in pacts)]
    lines += [f"{label:<{width}}" + "".join(f"{v:>26}" for v in values) for label, values in rows]
    if "earlier_than_active" in report:
        lines += _earlier_lines(report["earlier_than_active"], [p["pact"] for p in pacts])
    if "note" in report:
        lines.append(f"note: {report['note']}")
    return "\n".join(lines)


def _earlier_lines(earlier: dict[str, Any], names: list[str]) -> list[str]:
    """The days-earlier figures in words: won deals both pacts caught, and those only one caught."""
    lines = [f"won deals caught by both: {earlier['both']:,}"]
    if earlier["both"]:
        lines.append(f"  the candidate qualified them {_cell(earlier['median_days_earlier'])} days earlier (median), "
                     f"{_cell(earlier['mean_days_earlier'])} days earlier (mean) than {names[1]}; "
                     f"earlier for {earlier['earlier']:,}, the same day for {earlier['same_day']:,}, "
                     f"later for {earlier['later']:,}")
    lines.append(f"won deals caught only by {names[0]}: {earlier['candidate_only']:,}; "
                 f"only by {names[1]}: {earlier['active_only']:,}")
    return lines


def median_days(values: list[float]) -> float | None:
    """Return the median of a list of day counts (None when empty)."""
    return round(median(values), 1) if values else None


def mean_days(values: list[float]) -> float | None:
    """Return the mean of a list of day counts (None when empty)."""
    return round(fmean(values), 1) if values else None
