"""The lifecycle of SPEC §6 as one declared table: every state, its place on the path, and the allowed moves."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a person stands on the path from first visit to won or lost."""

    anonymous = "anonymous"
    known = "known"
    engaged = "engaged"
    nurture = "nurture"  # recycled after a rejection: may qualify again
    needs_context = "needs_context"  # qualified, but the brief's questions cannot be answered yet
    mql = "mql"
    hot = "hot"
    handed_off = "handed_off"
    accepted = "accepted"  # sales-accepted lead (SAL)
    rejected = "rejected"
    sql = "sql"
    opportunity = "opportunity"
    won = "won"
    lost = "lost"
    disqualified = "disqualified"


S = Status

# How far along the path each state is: automatic moves must go to a higher rank.
RANK: dict[Status, int] = {
    S.anonymous: 0,
    S.known: 1,
    S.engaged: 2,
    S.nurture: 2,
    S.needs_context: 3,
    S.mql: 4,
    S.hot: 5,
    S.handed_off: 6,
    S.accepted: 7,
    S.rejected: 7,
    S.sql: 8,
    S.opportunity: 9,
    S.won: 10,
    S.lost: 10,
    S.disqualified: 11,
}

BEFORE_HANDOFF = (S.anonymous, S.known, S.engaged, S.nurture, S.needs_context, S.mql, S.hot)

# Moves the engine makes on its own, from evaluation under the active pact.
AUTOMATIC: set[tuple[Status, Status]] = {
    (source, target)
    for source in BEFORE_HANDOFF
    for target in (S.known, S.engaged, S.needs_context, S.mql, S.hot, S.disqualified)
    if RANK[target] > RANK[source]
} | {(S.mql, S.handed_off), (S.hot, S.handed_off)}

# Moves people make (reps, managers, marketing, the CRM on their behalf), each with its name.
EXPLICIT: dict[tuple[Status, Status], str] = {
    (S.handed_off, S.accepted): "accept",
    (S.handed_off, S.rejected): "reject",
    (S.rejected, S.nurture): "recycle",
    (S.rejected, S.disqualified): "disqualify",
    (S.accepted, S.sql): "qualify",
    (S.accepted, S.rejected): "reject",
    (S.accepted, S.opportunity): "open_opportunity",
    (S.sql, S.opportunity): "open_opportunity",
    (S.accepted, S.lost): "lose",
    (S.sql, S.lost): "lose",
    (S.opportunity, S.won): "win",
    (S.opportunity, S.lost): "lose",
    (S.lost, S.nurture): "recycle",
    **{(source, S.nurture): "recycle" for source in (S.mql, S.hot, S.needs_context, S.engaged, S.known)},
    **{(source, S.disqualified): "disqualify" for source in (*BEFORE_HANDOFF, S.handed_off, S.accepted)},
    **{(source, S.handed_off): "hand_off" for source in (S.mql, S.hot, S.needs_context)},
}

OPEN = tuple(s for s in Status if s not in (S.won, S.lost, S.disqualified))


def is_allowed(source: Status, target: Status, *, automatic: bool) -> bool:
    """Tell whether a move is in the table for its kind (automatic moves only go forward)."""
    if automatic:
        return (source, target) in AUTOMATIC
    return (source, target) in EXPLICIT or (source, target) in AUTOMATIC
