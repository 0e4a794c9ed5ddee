"""Speed-to-lead figures over rows: median and p90 minutes to first touch, share inside the SLA, breaches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadpact.sla import speed_to_lead, speed_to_lead_by
from leadpact.sla.metrics import percentile, within_sla
from tests.sla.factories import NOW, minutes


def row(touch: float | None, *, due: float | None = 15, rep: int = 1, team: int = 1, tier: str = "hot",
        breached: bool = False, escalated: bool = False) -> dict:
    """A handoff row created at NOW, first touched `touch` minutes later, due `due` minutes later."""
    return {"created_at": NOW, "first_touch_at": None if touch is None else NOW + minutes(touch),
            "sla_due_at": None if due is None else NOW + minutes(due), "rep_id": rep, "team_id": team, "tier": tier,
            "sla_breached_at": NOW + minutes(due) if breached else None,
            "escalated_at": NOW + minutes(due) if escalated else None}


@pytest.mark.parametrize(("values", "share", "expected"), [
    ([], 0.5, None), ([7.0], 0.9, 7.0), ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5), ([1.0, 2.0, 3.0, 4.0, 5.0], 0.5, 3.0),
    (list(map(float, range(1, 11))), 0.9, 9.1), ([10.0, 0.0], 0.9, 9.0),
])
def test_percentiles_interpolate_between_ranks_like_numpy(values, share, expected) -> None:
    if expected is None:
        assert percentile(values, share) is None
    else:
        assert percentile(values, share) == pytest.approx(expected)
        import numpy

        assert percentile(values, share) == pytest.approx(numpy.percentile(values, share * 100))


@pytest.mark.parametrize(("handoff", "as_of", "expected"), [
    (row(10), None, True), (row(15), None, True), (row(16), None, False),
    (row(None), None, None), (row(None), NOW + minutes(20), False), (row(None, breached=True), None, False),
    (row(5, due=None), None, None),
])
def test_inside_the_sla(handoff, as_of, expected) -> None:
    assert within_sla(handoff, as_of=as_of) is expected


def test_speed_to_lead_of_a_set_of_handoffs() -> None:
    rows = [row(2), row(4), row(6), row(30, breached=True, escalated=True), row(None, breached=True, escalated=True),
            row(None)]
    figures = speed_to_lead(rows)
    assert figures.handoffs == 6 and figures.touched == 4
    assert figures.median_minutes == 5.0
    assert figures.p90_minutes == pytest.approx(22.8)
    assert (figures.decided, figures.inside_sla, figures.inside_sla_share) == (5, 3, 0.6)
    assert (figures.breaches, figures.escalations) == (2, 2)
    assert speed_to_lead(rows, as_of=NOW + timedelta(hours=1)).decided == 6


def test_grouped_by_rep_team_and_tier() -> None:
    rows = [row(1, rep=1, team=1), row(3, rep=1, team=1), row(20, rep=2, team=1, tier="mql", due=1440),
            row(None, rep=3, team=2, breached=True)]
    by_rep = speed_to_lead_by(rows, "rep")
    assert {rep: f.median_minutes for rep, f in by_rep.items()} == {1: 2.0, 2: 20.0, 3: None}
    by_team = speed_to_lead_by(rows, "team")
    assert {team: (f.handoffs, f.inside_sla_share) for team, f in by_team.items()} == {1: (3, 1.0), 2: (1, 0.0)}
    by_tier = speed_to_lead_by(rows, "tier")
    assert by_tier["hot"].breaches == 1 and by_tier["mql"].inside_sla == 1
    by_hour = speed_to_lead_by(rows, lambda r: r["created_at"].hour)
    assert by_hour[9].handoffs == 4
    assert speed_to_lead([]).as_dict()["median_minutes"] is None


def test_rows_may_be_objects(session) -> None:
    from tests.sla.factories import make_handoff, make_org

    handoff = make_handoff(session, rep=make_org(session).reps[0])
    handoff.first_touch_at = handoff.created_at + minutes(12)
    handoff.sla_due_at = handoff.created_at + minutes(15)
    figures = speed_to_lead([handoff])
    assert (figures.median_minutes, figures.inside_sla_share) == (12.0, 1.0)
