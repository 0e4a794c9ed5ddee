"""The engine: applies the active pact to every person, live as events arrive and in bulk on activation."""

from leadpact.engine.activation import reevaluate_all
from leadpact.engine.live import (
    LiveEngine,
    evaluate_and_move,
    live_engine,
    on_moved,
    remove_moved_listener,
    start_live_evaluation,
    stop_live_evaluation,
)

__all__ = [
    "LiveEngine",
    "evaluate_and_move",
    "live_engine",
    "on_moved",
    "reevaluate_all",
    "remove_moved_listener",
    "start_live_evaluation",
    "stop_live_evaluation",
]
