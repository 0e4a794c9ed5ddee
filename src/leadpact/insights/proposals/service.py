"""Proposing the next pact in a workspace: read the evidence, derive the edits, store them as a draft version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadpact.insights.proposals.evidence import decided_handoffs
from leadpact.insights.proposals.search import Proposal, propose
from leadpact.insights.proposals.side_by_side import side_by_side
from leadpact.pact.versions import active_version, add_draft


class NothingToPropose(ValueError):
    """No active pact, or no handoff with a disposition to learn from."""


def propose_next_pact(*, session: Session, author: str, now: datetime, store: bool = True) -> dict[str, Any]:
    """Derive the next pact from the decided handoffs under the active one; store it as a draft (unless
    `store` is off) and return the edits, the reasoning, the replay of both pacts on the decided handoffs and,
    when there are edits, both pacts side by side over the stored history (`backtest.side_by_side`)."""
    active = active_version(session=session)
    if active is None:
        raise NothingToPropose("no pact is active: activate one and let sales decide some handoffs first")
    decided, catalog = decided_handoffs(session)
    if not decided:
        raise NothingToPropose("no handoff has been accepted or rejected yet: there is nothing to learn from")
    proposal: Proposal = propose(active.source, decided, catalog)
    # the proposal's replay judges the handoffs sales decided; this one replays every person day by day, as
    # `leadpact pact backtest` does (volume, MQL → SQL, how much earlier won deals are caught); it reads the
    # history through its own connections, so before the draft is written
    history = (side_by_side(session=session, proposed=proposal.source, active=active.source,
                            active_label=f"v{active.version} (active)", now=now) if proposal.edits else None)
    draft = (
        add_draft(session=session, source=proposal.source, author=author, now=now, note=proposal.note)
        if store and proposal.edits
        else None
    )
    before, after = proposal.before, proposal.after
    return {
        "against_version": active.version,
        "draft_version": draft.version if draft else None,
        "edits": [
            {
                "id": e.id,
                "label": e.label,
                "when": e.when,
                "handoffs": e.excluded,
                "accepted": e.accepted,
                "won": e.won,
                "reasons": e.reasons,
                "sentence": e.sentence(),
            }
            for e in proposal.edits
        ],
        "note": proposal.note,
        "backtest": {
            "decided_handoffs": len(decided),
            "active": before.as_dict(),
            "proposed": after.as_dict(),
            "acceptance_gain_points": round(100 * ((after.acceptance_rate or 0) - (before.acceptance_rate or 0)), 1),
            "won_deals_kept": round(after.won / before.won, 4) if before.won else None,
            "side_by_side": history,
        },
        "source": proposal.source,
    }
