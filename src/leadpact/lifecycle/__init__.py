"""The lifecycle: states, the allowed moves, and the one function that makes them."""

from leadpact.lifecycle.service import (
    SYSTEM,
    Move,
    MovesMade,
    TransitionRefused,
    history,
    move,
)
from leadpact.lifecycle.states import OPEN, RANK, Status, is_allowed

__all__ = [
    "OPEN", "RANK", "SYSTEM", "Move", "MovesMade", "Status", "TransitionRefused", "history", "is_allowed", "move",
]
