"""The lifecycle: states, the allowed moves, and the one function that makes them."""

from leadpact.lifecycle.service import SYSTEM, TransitionRefused, history, move
from leadpact.lifecycle.states import OPEN, RANK, Status, is_allowed

__all__ = ["OPEN", "RANK", "SYSTEM", "Status", "TransitionRefused", "history", "is_allowed", "move"]
