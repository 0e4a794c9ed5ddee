"""The backtest: replay history under a pact, vectorised, with the live engine's decisions person for person."""

from __future__ import annotations

from leadpact.insights.backtest.engine import RESULT_SCHEMA, Backtest, backtest, prepare
from leadpact.insights.backtest.export import read_export
from leadpact.insights.backtest.history import History, LiveInputs

__all__ = ["RESULT_SCHEMA", "Backtest", "History", "LiveInputs", "backtest", "prepare", "read_export"]
