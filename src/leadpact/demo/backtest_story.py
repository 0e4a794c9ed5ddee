"""The proposal's backtest in the demo's story: the proposed pact beside the active one over the replayed days
(`backtest.side_by_side` of `propose_next_pact`), in a few lines a person reads at the end of `leadpact demo`."""

from __future__ import annotations

from typing import Any

from leadpact.insights.reports import display

LABEL = 34  # the width of the row labels; two pacts' columns follow, so a line fits in 80 characters
COLUMN = 14


def _share(value: float | None) -> str:
    return "–" if value is None else display(value, "percent")


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _caught(pact: dict[str, Any]) -> str:
    if pact.get("won_caught") is None:
        return "–"
    return f"{pact['won_caught']:,} of {pact.get('won_deals', 0):,}"


def _row(label: str, values: list[str]) -> str:
    return f"    {label:<{LABEL}}" + "".join(f"{value[:COLUMN]:>{COLUMN}}" for value in values)


def backtest_lines(report: dict[str, Any] | None) -> list[str]:
    """Return the side-by-side backtest of the proposal as printed lines (none when there was no history)."""
    if not report or len(report.get("pacts", [])) != 2:
        return []
    pacts = report["pacts"]
    names = [p["pact"] for p in pacts]
    lines = [f"  the proposal beside {names[1]}, everyone replayed {report['from']} → {report['to']}:",
             _row("", names),
             _row("MQLs (first qualified in the days)", [f"{p['mqls']:,}" for p in pacts]),
             _row("predicted acceptance", [_share(p.get("predicted_acceptance")) for p in pacts]),
             _row("MQL → SQL", [_share(p.get("mql_to_sql")) for p in pacts]),
             _row("won deals caught before the win", [_caught(p) for p in pacts]),
             _row("median days qualified before win", [_days(p.get("median_days_before_win")) for p in pacts])]
    earlier = report.get("earlier_than_active")
    if earlier:
        lines.append(f"    won deals both caught {earlier['both']:,}"
                     + (f": qualified {_relative(earlier['median_days_earlier'])} by the proposal (median)"
                        if earlier["both"] else ""))
        lines.append(f"    caught by one only: the proposal {earlier['candidate_only']:,}, "
                     f"{names[1]} {earlier['active_only']:,}")
    if report.get("note"):
        lines.append(f"    note: {report['note']}")
    return lines


def _relative(days: float | None) -> str:
    """Days earlier in words: '3.0 days earlier', '2.5 days later', 'the same day'."""
    if days is None:
        return "–"
    if days == 0:
        return "the same day"
    return f"{abs(days):.1f} days {'earlier' if days > 0 else 'later'}"
