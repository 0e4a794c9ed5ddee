"""Metrics over the hand-built workspace of `fixtures_metrics`: every figure and slice worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.insights import metrics
from leadpact.insights.metrics import Figures, Period, PeriodError, UnknownSlice
from leadpact.keys.service import create_key
from tests.insights.fixtures_metrics import AS_OF, Workspace, build_workspace

SEPTEMBER = Period(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC), "2026-09")
runner = CliRunner()


@pytest.fixture
def workspace(database_url: str) -> Workspace:
    """The metrics workspace on this test's database."""
    return build_workspace()


def september(session: Session, by: str | None = None, **options: object) -> metrics.Metrics:
    return metrics.compute_metrics(session=session, period=SEPTEMBER, as_of=AS_OF, by=by, **options)  # type: ignore


def sliced(session: Session, by: str, period: Period = SEPTEMBER) -> dict[str, Figures]:
    result = metrics.compute_metrics(session=session, period=period, as_of=AS_OF, by=by)
    return {item.key: item for item in result.slices}


def counts(item: Figures) -> tuple:
    """MQLs, handoffs, accepted, rejected, acceptance rate, SQLs, MQL → SQL, won, SQL → won."""
    return (item.mqls, item.handoffs, item.accepted, item.rejected, item.acceptance_rate, item.sqls, item.mql_to_sql,
            item.won, item.sql_to_won)


def test_september_overall(workspace):
    with session_scope() as session:
        result = september(session)
    total = result.total
    # 11 MQLs (Jon's mql → hot is one MQL; Lee re-qualified after his August rejection), Hal never handed off.
    assert (total.mqls, total.hot, total.handed_off, total.accepted_leads) == (11, 2, 10, 5)
    # Ann, Ben, Fay reached sql; Jon went from accepted straight to an opportunity, which counts as reaching SQL.
    assert (total.sqls, total.opportunities, total.won, total.lost, total.won_amount) == (4, 3, 1, 1, 50000.0)
    assert (total.mql_to_sql, total.sql_to_won) == (0.3636, 0.25)
    assert (total.handoffs, total.dispositions, total.accepted, total.rejected, total.acceptance_rate) == (
        10, 8, 5, 3, 0.625)
    # Minutes to first touch: 5, 20, 30, 45, 60, 60, 240, 1080, 1560 (Gus untouched).
    speed = total.speed_to_lead
    assert (speed.touched, speed.median_minutes, speed.p90_minutes) == (9, 60.0, 1176.0)
    # Inside the SLA: Ann, Ben, Dan, Eva, Ivy, Jon, Lee; Cat and Fay late, Gus never touched.
    assert (speed.decided, speed.inside_sla, total.sla_compliance, speed.breaches, speed.escalations) == (
        10, 7, 0.7, 3, 3)
    # Feedback: 8 dispositions (Cat's a day late) + Gus past his deadline; Ivy's is not due yet.
    assert (total.feedback_decided, total.feedback_on_time, total.feedback_compliance) == (9, 7, 0.7778)
    assert total.rejection_reasons == {"wrong_company_size": 2, "no_budget": 1}


def test_volume_against_the_commitment(workspace):
    with session_scope() as session:
        result = september(session)
        quarter = metrics.compute_metrics(session=session, period=metrics.parse_period("2026-Q3", as_of=AS_OF),
                                          as_of=AS_OF)
        midway = metrics.compute_metrics(session=session, period=SEPTEMBER, as_of=datetime(2026, 9, 16, tzinfo=UTC))
    assert result.commitment == metrics.Commitment(1, 120, 0.6, "24 hours")
    assert [(v.month, v.mqls, v.commitment, v.share_of_commitment, v.elapsed_share) for v in result.mql_volume] == [
        ("2026-09", 11, 120, 0.0917, 1.0)]
    assert [(v.month, v.mqls) for v in quarter.mql_volume] == [("2026-07", 22), ("2026-08", 2), ("2026-09", 11)]
    assert [(v.mqls, v.elapsed_share) for v in midway.mql_volume] == [(7, 0.5)]


def test_rejection_reasons_by_month(workspace):
    with session_scope() as session:
        quarter = metrics.compute_metrics(session=session, period=metrics.parse_period("2026-Q3", as_of=AS_OF),
                                          as_of=AS_OF)
    assert quarter.rejection_reasons_by_month == [
        {"month": "2026-08", "reason": "wrong_timing", "count": 1},
        {"month": "2026-09", "reason": "wrong_company_size", "count": 2},
        {"month": "2026-09", "reason": "no_budget", "count": 1},
    ]


def test_slices_by_channel_source_and_medium(workspace):
    with session_scope() as session:
        channel = september(session, "channel")
        source, medium = sliced(session, "source"), sliced(session, "medium")
    assert [item.key for item in channel.slices] == ["paid_search", "organic", "email"]
    by = {item.key: item for item in channel.slices}
    assert counts(by["paid_search"]) == (4, 4, 2, 0, 1.0, 2, 0.5, 1, 0.5)
    assert counts(by["organic"]) == (4, 3, 1, 2, 0.3333, 0, 0.0, 0, None)
    assert counts(by["email"]) == (3, 3, 2, 1, 0.6667, 2, 0.6667, 0, 0.0)
    assert by["organic"].rejection_reasons == {"wrong_company_size": 2}
    assert {k: v.mqls for k, v in source.items()} == {"google": 8, "newsletter": 3}
    assert {k: v.mqls for k, v in medium.items()} == {"cpc": 4, "organic": 4, "email": 3}


def test_slices_by_persona_grade_segment_and_industry(workspace):
    with session_scope() as session:
        persona, grade = sliced(session, "persona"), sliced(session, "grade")
        segment = september(session, "segment")
        industry = sliced(session, "industry")
    # Hal's MQL recorded no persona: his evaluation's is used; Gus has none at all.
    assert counts(persona["data_leader"]) == (6, 5, 3, 1, 0.75, 3, 0.5, 1, 0.3333)
    assert counts(persona["practitioner"]) == (4, 4, 2, 2, 0.5, 1, 0.25, 0, 0.0)
    assert counts(persona["(none)"]) == (1, 1, 0, 0, None, 0, 0.0, 0, None)
    assert {k: v.mqls for k, v in grade.items()} == {"A": 4, "B": 5, "C": 2}
    assert [(s.key, s.mqls, s.handoffs, s.accepted, s.sqls) for s in segment.slices] == [
        ("1-49", 1, 1, 0, 0), ("50-199", 2, 2, 1, 0), ("200-999", 5, 4, 3, 3), ("1000-4999", 2, 2, 1, 1),
        ("5000+", 1, 1, 0, 0)]
    assert {k: v.mqls for k, v in industry.items()} == {"software": 8, "fintech": 3}


def test_slices_by_team_rep_pact_version_and_tier(workspace):
    with session_scope() as session:
        team = september(session, "team")
        rep, version, tier = sliced(session, "rep"), sliced(session, "pact_version"), sliced(session, "tier")
    assert [(t.key, t.mqls, t.handoffs, t.accepted, t.rejected, t.acceptance_rate) for t in team.slices] == [
        ("north_america", 7, 7, 3, 2, 0.6), ("emea", 3, 3, 2, 1, 0.6667), ("(none)", 1, 0, 0, 0, None)]
    kim, sam = rep["Kim Ode"].speed_to_lead, rep["Sam Park"].speed_to_lead
    assert (kim.touched, kim.median_minutes, kim.p90_minutes, kim.inside_sla_share) == (4, 570.0, 1416.0, 0.75)
    assert (sam.touched, sam.median_minutes, sam.p90_minutes, sam.inside_sla_share) == (2, 122.5, 216.5, 0.6667)
    assert counts(version["v1"]) == (6, 6, 3, 3, 0.5, 3, 0.5, 1, 0.3333)
    assert counts(version["v2"]) == (5, 4, 2, 0, 1.0, 1, 0.2, 0, 0.0)
    # Jon qualified as an mql but was handed off on the hot tier: MQLs count his entry, handoffs their tier.
    assert (tier["hot"].mqls, tier["hot"].handoffs, tier["mql"].mqls, tier["mql"].handoffs) == (2, 3, 9, 7)


def test_slices_by_month_over_the_quarter(workspace):
    with session_scope() as session:
        months = metrics.compute_metrics(session=session, period=metrics.parse_period("2026-Q3", as_of=AS_OF),
                                         as_of=AS_OF, by="period")
    assert [(m.key, m.mqls, m.handoffs, m.accepted, m.rejected, m.sqls) for m in months.slices] == [
        ("2026-07", 22, 1, 1, 0, 0), ("2026-08", 2, 2, 1, 1, 1), ("2026-09", 11, 10, 5, 3, 4)]


def test_where_keeps_one_slice(workspace):
    with session_scope() as session:
        email = september(session, "persona", where={"channel": "email"})
    assert counts(email.total) == (3, 3, 2, 1, 0.6667, 2, 0.6667, 0, 0.0)
    assert {s.key: s.mqls for s in email.slices} == {"practitioner": 2, "data_leader": 1}


def test_a_lead_is_followed_only_until_the_next_time_it_qualifies(workspace):
    with session_scope() as session:
        leads = metrics.lead_frame(session=session, start=SEPTEMBER.start, end=SEPTEMBER.end, as_of=AS_OF)
    lee = leads.filter(leads["person_id"] == workspace.people["p12"]).to_dicts()
    assert [(r["handoff_id"], r["disposition"], r["rejection_reason"]) for r in lee] == [
        (workspace.handoffs["p12"], "accepted", None)]
    jon = leads.filter(leads["person_id"] == workspace.people["p10"]).to_dicts()
    assert [(r["tier"], r["sql_at"], r["opportunity_stage"], r["amount"]) for r in jon] == [
        ("mql", datetime(2026, 9, 20, 12, tzinfo=UTC), "open", 20000.0)]


def test_as_of_a_past_moment_shows_what_was_known_then(workspace):
    as_of = datetime(2026, 9, 10, tzinfo=UTC)
    with session_scope() as session:
        result = metrics.compute_metrics(session=session, period=SEPTEMBER, as_of=as_of)
    total = result.total
    # Ann, Ben, Cat, Dan had qualified; Cat's rejection (11 Sep), Ben's SQL (12 Sep), Ann's opportunity not yet.
    assert counts(total) == (4, 4, 2, 1, 0.6667, 1, 0.25, 0, 0.0)
    assert (total.opportunities, total.feedback_decided, total.speed_to_lead.touched) == (0, 3, 4)


def test_an_empty_workspace_has_no_figures(database_url):
    with session_scope() as session:
        result = september(session, "channel")
    assert (result.total.mqls, result.total.acceptance_rate, result.total.speed_to_lead.median_minutes) == (
        0, None, None)
    assert result.slices == [] and result.commitment.mqls_per_month is None
    assert [(v.month, v.mqls, v.commitment) for v in result.mql_volume] == [("2026-09", 0, None)]


def test_pipeline_lists(workspace):
    week_start = AS_OF - timedelta(days=7)
    with session_scope() as session:
        risks = metrics.sla_risks(session=session, as_of=AS_OF)
        early = metrics.sla_risks(session=session, as_of=datetime(2026, 9, 30, 8, tzinfo=UTC),
                                  within=timedelta(hours=8))
        late = metrics.feedback_overdue(session=session, as_of=AS_OF)
        stuck = metrics.stuck_leads(session=session, as_of=AS_OF, days=14)
        held = metrics.held_for_context(session=session, as_of=AS_OF)
        broken = metrics.breaches(session=session, start=week_start, end=AS_OF, as_of=AS_OF)
        held_before = metrics.held_for_context(session=session, as_of=datetime(2026, 9, 26, tzinfo=UTC))
    assert risks.select("name", "minutes_left", "risk").rows() == [("Gus Test", -8040, "overdue")]
    assert early.select("name", "minutes_left", "risk").rows() == [
        ("Gus Test", -7080, "overdue"), ("Ivy Test", 420, "due soon")]
    assert late.select("name", "days_overdue").rows() == [("Gus Test", 1.6)]
    assert stuck.select("name", "rep", "days_since_accepted").rows() == [("Filler01 Test", "Sam Park", 89.6)]
    assert held.select("name", "days_held", "missing").rows() == [("Max Test", 4.6, "industry, problem")]
    assert broken.select("name").rows() == [("Gus Test",)] and held_before.height == 0


def test_periods_and_as_of_dates():
    now = datetime(2026, 10, 15, 13, tzinfo=UTC)
    assert metrics.parse_as_of("2026-09-30", now=now) == AS_OF
    assert metrics.parse_as_of("2026-09-30T12:00:00Z", now=now) == datetime(2026, 9, 30, 12, tzinfo=UTC)
    assert metrics.parse_as_of(None, now=now) == now
    assert metrics.parse_period("2026-Q4", as_of=now).start == datetime(2026, 10, 1, tzinfo=UTC)
    assert metrics.parse_period("2026-W40", as_of=now).start == datetime(2026, 9, 28, tzinfo=UTC)
    assert metrics.parse_period("2026", as_of=now).end == datetime(2027, 1, 1, tzinfo=UTC)
    span = metrics.parse_period("2026-09-01..2026-09-30", as_of=now)
    assert (span.start, span.end) == (SEPTEMBER.start, SEPTEMBER.end)
    assert metrics.parse_period("last-7d", as_of=now).start == now - timedelta(days=7)
    assert metrics.month_of(AS_OF).label == "2026-09"
    for bad in ("2026-13", "Q3", "2026-09-30..2026-09-01", "yesterday", "2026-W60"):
        with pytest.raises(PeriodError, match="bad period"):
            metrics.parse_period(bad, as_of=now)
    with pytest.raises(PeriodError, match="bad date '2026-02-30'"):
        metrics.parse_as_of("2026-02-30", now=now)
    with pytest.raises(UnknownSlice, match="unknown slice 'colour': use one of channel, grade"):
        metrics.slice_column("colour")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_metrics_from_the_command_line(workspace):
    code, out, _ = invoke("metrics", "--period", "2026-09", "--as-of", "2026-09-30", "--by", "team", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["period"]["label"], data["total"]["mqls"], data["total"]["acceptance_rate"]) == ("2026-09", 11, 0.625)
    assert [(s["key"], s["mqls"]) for s in data["slices"]] == [("north_america", 7), ("emea", 3), ("(none)", 1)]
    code, out, _ = invoke("metrics", "--as-of", "2026-09-30", "--by", "channel", "--where", "team=emea")
    assert code == 0 and "| email | 3 | 1 | 3 | 2 | 1 | 66.7 % |" in out and "Period 2026-09" in out


def test_metrics_command_refuses_bad_input(workspace):
    code, out, err = invoke("metrics", "--by", "colour")
    assert (code, out) == (2, "") and err.startswith("error: unknown slice 'colour': use one of channel,")
    code, _, err = invoke("metrics", "--as-of", "2026-02-30")
    assert code == 2 and err == "error: bad date '2026-02-30': use YYYY-MM-DD or an ISO-8601 timestamp\n"
    code, _, err = invoke("metrics", "--period", "September")
    assert code == 2 and err.startswith("error: bad period 'September': use YYYY-MM (month)")
    code, _, err = invoke("metrics", "--where", "channel")
    assert code == 2 and "use SLICE=VALUE" in err


def test_metrics_over_http(workspace, live_server):
    with session_scope() as session:
        read = create_key(session=session, scope="read", name="read", now=AS_OF)[1]
        ingest = create_key(session=session, scope="ingest", name="ingest", now=AS_OF)[1]

    def get(key: str | None, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.get(f"{live_server.url}/api/v1/metrics", params=params, headers=headers, timeout=10)

    response = get(read, period="2026-09", as_of="2026-09-30", by="persona", where="channel=email")
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["total"]["mqls"], data["by"], data["commitment"]["mqls_per_month"]) == (3, "persona", 120)
    assert {s["key"]: s["mqls"] for s in data["slices"]} == {"practitioner": 2, "data_leader": 1}
    assert data["total"]["speed_to_lead"]["median_minutes"] == 30.0
    refused = get(read, by="colour")
    assert refused.status_code == 422 and refused.json()["detail"].startswith("unknown slice 'colour'")
    assert get(read, as_of="tomorrow").status_code == 422
    assert get(None).status_code == 401 and get(ingest).status_code == 403
