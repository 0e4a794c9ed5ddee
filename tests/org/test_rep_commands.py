"""`leadpact reps set`: availability from the command line, and its refusals."""

from __future__ import annotations

from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.org.models import Rep
from tests.handoff.factories import make_rep, make_team


def test_a_rep_is_set_away_until_a_date_and_back(database_url: str, clock: object) -> None:
    with session_scope() as session:
        rep_id = make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america")).id
    result = CliRunner().invoke(app, ["reps", "set", "SAM@nw.example", "--away-until", "2026-10-20",
                                      "--capacity", "6", "--weight", "2"])
    assert result.exit_code == 0, result.output
    assert "away until 2026-10-20, capacity 6, weight 2" in result.output
    result = CliRunner().invoke(app, ["reps", "set", "sam@nw.example", "--back"])
    assert result.exit_code == 0 and "available" in result.output
    with session_scope() as session:
        rep = session.get(Rep, rep_id)
        assert (rep.is_away, rep.away_until, rep.capacity, rep.availability_changed_by) == (False, None, None, "cli")


def test_refusals_say_what_is_wrong(database_url: str, clock: object) -> None:
    with session_scope() as session:
        make_rep(session, "sam@nw.example", "Sam Park", make_team(session, "north_america"))
    for arguments, words in [(["nobody@nw.example"], "no rep with email nobody@nw.example"),
                             (["sam@nw.example", "--weight", "500"], "between 0 and 100"),
                             (["sam@nw.example", "--away-until", "2026-02-30"], "is not a date")]:
        result = CliRunner().invoke(app, ["reps", "set", *arguments])
        assert result.exit_code == 2 and words in result.output, result.output
