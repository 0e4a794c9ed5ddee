"""Replaying decided handoffs under a pact: would it have qualified each person when the handoff was made?"""

from __future__ import annotations

from dataclasses import dataclass

from leadpact.insights.proposals.evidence import Decided
from leadpact.pact import Catalog, Pact, compile_pact

QUALIFIED = ("mql", "hot")


@dataclass
class Replay:
    """How a pact fares on the handoffs sales decided: how many it qualifies, acceptance among them, wins kept."""

    qualified: int
    accepted: int
    won: int

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted share of the decided handoffs the pact qualifies."""
        return self.accepted / self.qualified if self.qualified else None

    def as_dict(self) -> dict[str, float | int | None]:
        """JSON-ready figures."""
        rate = self.acceptance_rate
        return {
            "qualified": self.qualified,
            "accepted": self.accepted,
            "won": self.won,
            "acceptance_rate": round(rate, 4) if rate is not None else None,
        }


def replay(pact: Pact, decided: list[Decided], catalog: Catalog) -> Replay:
    """Evaluate the pact for every decided handoff's person at the moment of the handoff (the live evaluator)."""
    compiled = compile_pact(pact)
    qualified = accepted = won = 0
    for item in decided:
        evaluation = item.evaluated(compiled, catalog)
        if evaluation.status in QUALIFIED:
            qualified += 1
            accepted += item.accepted
            won += item.won
    return Replay(qualified, accepted, won)
