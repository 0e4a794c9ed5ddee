"""The demo's printout of the proposal's side-by-side backtest."""

from __future__ import annotations

from leadpact.demo.backtest_story import backtest_lines

PROPOSED = {"pact": "proposed", "mqls": 412, "mqls_per_month": {"2026-09": 412}, "with_feedback": 120,
            "predicted_acceptance": 0.385, "mql_to_sql": 0.121, "won_deals": 37, "won_caught": 35,
            "won_caught_share": 0.946, "median_days_before_win": 21.0}
ACTIVE = {**PROPOSED, "pact": "v1 (active)", "mqls": 1_980, "predicted_acceptance": 0.179, "mql_to_sql": 0.06,
          "won_caught": 36, "median_days_before_win": 23.5}
REPORT = {"from": "2026-08-03", "to": "2026-10-31", "pacts": [PROPOSED, ACTIVE],
          "earlier_than_active": {"both": 35, "median_days_earlier": -2.5, "mean_days_earlier": -3.1, "earlier": 0,
                                  "same_day": 20, "later": 15, "candidate_only": 0, "active_only": 1}}


def test_both_pacts_side_by_side_in_lines_that_fit_a_terminal() -> None:
    lines = backtest_lines(REPORT)
    assert lines[0] == "  the proposal beside v1 (active), everyone replayed 2026-08-03 → 2026-10-31:"
    text = "\n".join(lines)
    for row, proposed, active in (("MQLs", "412", "1,980"), ("predicted acceptance", "38.5%", "17.9%"),
                                  ("MQL → SQL", "12.1%", "6.0%"), ("won deals caught", "35 of 37", "36 of 37"),
                                  ("median days", "21.0", "23.5")):
        line = next(line for line in lines if line.strip().startswith(row))
        assert line.split()[-len(active.split()) - len(proposed.split()):] == [*proposed.split(), *active.split()]
    assert "won deals both caught 35: qualified 2.5 days later by the proposal (median)" in text
    assert "caught by one only: the proposal 0, v1 (active) 1" in text
    assert all(len(line) <= 80 for line in lines)


def test_nothing_without_a_history_and_a_note_without_feedback() -> None:
    assert backtest_lines(None) == []
    bare = {"from": "2026-08-03", "to": "2026-10-31", "note": "no feedback recorded",
            "pacts": [{"pact": "proposed", "mqls": 3, "mqls_per_month": {}},
                      {"pact": "v1 (active)", "mqls": 4, "mqls_per_month": {}}]}
    lines = backtest_lines(bare)
    assert "    note: no feedback recorded" in lines
    assert next(line for line in lines if "predicted acceptance" in line).split()[-2:] == ["–", "–"]
