"""What the pages show, read from the database: the inbox's order, the dashboard's default period, the backtest
window's refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from leadpact.ingest.models import Event
from leadpact.insights.backtest.window import BacktestWindowError, window
from leadpact.web.pages.dashboard import default_period, months_with_data
from leadpact.web.pages.inbox import inbox
from tests.handoff.factories import NOW, make_handoff, make_person, make_rep, make_team


def everything(statement):  # noqa: ANN001, ANN201 - the identity row filter (an admin's)
    return statement


def _handoff(session: Session, rep, email: str, *, tier: str, due_in: timedelta | None, touched: bool = False,
             state: str = "open"):  # noqa: ANN001, ANN202
    handoff = make_handoff(session, make_person(session, email, None), rep, state=state)
    handoff.tier = tier
    handoff.sla_due_at = NOW + due_in if due_in is not None else None
    handoff.feedback_due_at = NOW + timedelta(days=5)
    handoff.first_touch_at = NOW if touched else None
    session.flush()
    return handoff


def test_the_inbox_puts_untouched_first_hot_first_then_by_deadline(session: Session) -> None:
    rep = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"))
    late_mql = _handoff(session, rep, "a@x.example", tier="mql", due_in=timedelta(hours=-3))
    soon_mql = _handoff(session, rep, "b@x.example", tier="mql", due_in=timedelta(hours=2))
    hot = _handoff(session, rep, "c@x.example", tier="hot", due_in=timedelta(minutes=10))
    overdue_hot = _handoff(session, rep, "d@x.example", tier="hot", due_in=timedelta(minutes=-5))
    touched = _handoff(session, rep, "e@x.example", tier="hot", due_in=timedelta(minutes=-60), touched=True)
    accepted = _handoff(session, rep, "f@x.example", tier="hot", due_in=timedelta(hours=-9), state="accepted")
    _handoff(session, rep, "g@x.example", tier="hot", due_in=timedelta(hours=-9), state="rejected")
    rows = inbox(session=session, visible=everything)
    assert [row.handoff.id for row in rows] == [overdue_hot.id, hot.id, late_mql.id, soon_mql.id, touched.id,
                                                accepted.id]
    assert [row.stage for row in rows] == [0, 0, 0, 0, 1, 2]


def test_the_dashboard_defaults_to_the_latest_month_with_data(session: Session) -> None:
    rep = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"))
    assert months_with_data(session=session) == []
    first = make_handoff(session, make_person(session, "a@x.example", None), rep)
    first.created_at = NOW - timedelta(days=70)
    make_handoff(session, make_person(session, "b@x.example", None), rep)
    session.flush()
    # The clock is far past the data (a demo workspace opened later): the data's month, not the clock's.
    assert default_period(session=session, now=NOW + timedelta(days=200)).label == f"{NOW:%Y-%m}"
    assert months_with_data(session=session) == ["2026-10", "2026-09", "2026-08", "2026-07"]


def _event(session: Session, day: date) -> None:
    session.add(Event(message_id=f"m-{day}", type="page", timestamp=NOW.replace(year=day.year, month=day.month,
                                                                                   day=day.day),
                      received_at=NOW, properties={}, context={}, traits={}))
    session.flush()


@pytest.mark.parametrize(("start", "end", "words"), [
    (date(2026, 9, 30), date(2026, 9, 1), r"starts \(2026-09-30\) after it ends"),
    (date(2020, 1, 1), date(2026, 9, 30), "replay at most"),
    (date(2025, 1, 1), date(2025, 1, 31), "holds none of it"),
])
def test_a_backtest_window_that_cannot_be_replayed_is_refused(session: Session, start: date, end: date,
                                                              words: str) -> None:
    _event(session, date(2026, 9, 1))
    _event(session, date(2026, 9, 30))
    with pytest.raises(BacktestWindowError, match=words):
        window(session=session, start=start, end=end)


def test_an_empty_backtest_window_is_the_last_90_days_of_history(session: Session) -> None:
    with pytest.raises(BacktestWindowError, match="no stored history"):
        window(session=session, start=None, end=None)
    _event(session, date(2026, 1, 1))
    _event(session, date(2026, 9, 30))
    assert window(session=session, start=None, end=None) == (date(2026, 7, 3), date(2026, 9, 30))


def test_a_dashboard_is_built_again_when_a_handoff_is_added(session: Session) -> None:
    from leadpact.insights.metrics import month
    from leadpact.web.pages.dashboard import dashboard

    rep = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"))
    make_handoff(session, make_person(session, "a@x.example", None), rep)
    first = dashboard(session=session, period=month(NOW), as_of=NOW)
    assert dashboard(session=session, period=month(NOW), as_of=NOW + timedelta(seconds=5)) is first
    make_handoff(session, make_person(session, "b@x.example", None), rep)
    assert dashboard(session=session, period=month(NOW), as_of=NOW) is not first
