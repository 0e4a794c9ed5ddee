"""The engine: applies the active pact to every person, live as events arrive and in bulk on activation."""

from leadpact.engine.activation import reevaluate_all
from leadpact.engine.live import (
    AWAITING_HANDOFF,
    LiveEngine,
    Moved,
    evaluate_and_move,
    evaluate_changed_people,
    forget_live_engines,
    live_engine,
)

__all__ = [
    "AWAITING_HANDOFF",
    "LiveEngine",
    "Moved",
    "evaluate_and_move",
    "evaluate_changed_people",
    "forget_live_engines",
    "live_engine",
    "reevaluate_all",
]
