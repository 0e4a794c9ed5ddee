"""The backtest: replay history under a pact, vectorised, with the live engine's decisions person for person.

- `read_database(engine)` / `read_export(directory, as_of=…, fields=…)` / `history_of(people, catalog)` → History
- `prepare(pact, history)` → Backtest; `Backtest.at(as_of)` → one row per person (see RESULT_SCHEMA);
  `backtest(pact, history, as_of)` does both
- `first_qualified(backtest, start, end)`, `compare(pacts, start=…, end=…, outcomes=…)`, `render(report)`
- `register_backtest(pact_app)` adds `leadpact pact backtest`
"""

from __future__ import annotations

from leadpact.insights.backtest.commands import register_backtest
from leadpact.insights.backtest.database import read_database
from leadpact.insights.backtest.engine import RESULT_SCHEMA, Backtest, backtest, prepare
from leadpact.insights.backtest.export import read_export
from leadpact.insights.backtest.history import History, LiveInputs
from leadpact.insights.backtest.memory import history_of
from leadpact.insights.backtest.outcomes import Outcomes, read_outcomes
from leadpact.insights.backtest.report import compare, first_qualified, render

__all__ = ["RESULT_SCHEMA", "Backtest", "History", "LiveInputs", "Outcomes", "backtest", "compare",
           "first_qualified", "history_of", "prepare", "read_database", "read_export", "read_outcomes",
           "register_backtest", "render"]
