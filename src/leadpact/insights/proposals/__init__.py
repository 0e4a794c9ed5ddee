"""Proposals: the next pact, derived from feedback and outcomes (never from anything the data does not show)."""

from leadpact.insights.proposals.evidence import Decided, decided_handoffs
from leadpact.insights.proposals.replay import Replay, replay
from leadpact.insights.proposals.search import Proposal, propose

__all__ = ["Decided", "Proposal", "Replay", "decided_handoffs", "propose", "replay"]
