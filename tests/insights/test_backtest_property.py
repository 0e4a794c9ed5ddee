"""Property: for generated pacts and histories, the backtest decides every person exactly as `evaluate` does."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leadpact.insights.backtest import prepare
from leadpact.insights.backtest.memory import history_of
from leadpact.pact import Pact, compile_pact, evaluate

from .strategies import AS_OF, pacts, people

CATALOG = {
    "a1": {"id": "a1", "path": "/pricing", "problem": "runaway cost"},
    "a2": {"id": "a2", "path": "/blog/a", "problem": " "},
    "2.5": {"id": "2.5", "path": "/guides/b", "problem": "slow pipelines"},
}
FALLBACKS: dict[str, int] = {"people": 0, "live": 0}


def decisions(row: dict[str, Any]) -> tuple[Any, ...]:
    """What a backtest row decided, in a comparable shape."""
    return (row["status"], row["fit_score"], row["grade"], row["persona"], row["buying_role"],
            row["engagement_score"], row["mql"], row["hot"], tuple(row["disqualified_by"]), tuple(row["missing"]))


def live_decisions(result: Any) -> tuple[Any, ...]:
    """What the live evaluator decided, in the same shape."""
    return (result.status, float(result.fit_score), result.grade, result.persona, result.buying_role,
            result.engagement_score, "mql" in result.stages, "hot" in result.stages,
            tuple(d.id for d in result.disqualified_by), result.missing)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(pact=pacts(), crowd=st.lists(people(), min_size=1, max_size=6))
def test_backtest_equals_the_live_evaluator(pact: dict[str, Any], crowd: list[Any]) -> None:
    try:  # the typed model, not the line-and-column checks: both evaluators read the same compiled pact
        compiled = compile_pact(Pact.model_validate(pact))
    except ValueError:
        assume(False)
    prepared = prepare(compiled, history_of(crowd, CATALOG))
    result = prepared.at(AS_OF)
    FALLBACKS["people"] += len(crowd)
    FALLBACKS["live"] += prepared.live.get("total", 0)
    assert result.height == len(crowd)
    for row in result.iter_rows(named=True):
        person, account, events = crowd[row["person"]]
        live = evaluate(compiled, person=person, account=account, events=events, content=CATALOG, as_of=AS_OF)
        assert decisions(row) == live_decisions(live)


def test_most_people_were_decided_without_the_live_evaluator() -> None:
    # runs after the property test in file order: the vectorised faces, not the fallback, did the work
    if FALLBACKS["people"]:
        assert FALLBACKS["live"] / FALLBACKS["people"] < 0.25
