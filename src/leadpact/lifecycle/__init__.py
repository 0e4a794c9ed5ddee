"""The lifecycle: states, the allowed moves, and the one function that makes them."""

from leadpact.lifecycle.service import (
    SYSTEM,
    Move,
    TransitionRefused,
    history,
    move,
    on_moves,
    remove_moves_listener,
)
from leadpact.lifecycle.states import OPEN, RANK, Status, is_allowed

__all__ = [
    "OPEN", "RANK", "SYSTEM", "Move", "Status", "TransitionRefused", "history", "is_allowed", "move", "on_moves",
    "remove_moves_listener",
]
