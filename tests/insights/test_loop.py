"""The loop closes on the demo company: from the misaligned starting pact, the proposal leadpact derives from
feedback and outcomes alone raises acceptance by at least 15 points in its backtest while keeping at least 95 %
of the won deals the starting pact caught; and the run's summary, `leadpact metrics`, the reports and the API give
one set of numbers."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from leadpact.demo.backtest_story import backtest_lines
from leadpact.demo.run import run_demo
from tests.insights.agreement import assert_one_set_of_numbers


def test_the_proposal_raises_acceptance_and_keeps_the_won_deals(tmp_path: Path, demo_environment, monkeypatch):
    # The proposal must come from data only: the simulated reps act on the generator's hidden truth, but no
    # module of the proposal may even import it.
    from leadpact.insights import proposals

    for module in Path(proposals.__file__).parent.glob("*.py"):
        assert "leadpact.demo" not in module.read_text() and "truth" not in module.read_text(), module
    report = run_demo(directory=tmp_path / "demo", seed=7, people=4_000, accounts=1_000, console=Console(quiet=True))
    figures = report.figures
    proposal = figures["proposal"]
    test = proposal["backtest"]
    assert figures["dispositions"] >= 300, "the demo must give the loop enough feedback to learn from"
    assert test["active"]["qualified"] == figures["dispositions"]
    assert test["acceptance_gain_points"] >= 15, proposal["note"]
    assert test["won_deals_kept"] >= 0.95, proposal["note"]
    assert proposal["draft_version"] == 2
    assert all(Path(path).exists() for path in figures["reports"].values())
    # the same proposal replayed over the whole stored history, side by side as `leadpact pact backtest` shows it
    history = test["side_by_side"]
    assert figures["proposal_backtest"] == history  # the demo prints it and `--json` holds it at the top
    assert len(backtest_lines(history)) >= 7
    proposed, active = history["pacts"]
    assert (proposed["pact"], active["pact"]) == ("proposed", "v1 (active)")
    assert 0 < proposed["mqls"] <= active["mqls"]  # the proposal only adds disqualifiers
    assert proposed["with_feedback"] > 0 and active["with_feedback"] > 0
    assert proposed["predicted_acceptance"] > active["predicted_acceptance"], history
    assert active["won_deals"] > 0 and active["won_caught"] > 0
    earlier = history["earlier_than_active"]
    assert earlier["both"] > 0 and earlier["active_only"] == active["won_caught"] - earlier["both"]
    assert earlier["candidate_only"] == proposed["won_caught"] - earlier["both"]
    assert earlier["earlier"] == 0  # a stricter pact can qualify someone later or the same day, never earlier
    assert_one_set_of_numbers(figures)
