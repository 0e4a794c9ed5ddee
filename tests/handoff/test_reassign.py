"""Reassigning a handoff by hand: within its team, to an available rep, recorded, announced and pushed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.handoff import HandoffNotInYourTeam, ReassignRefused, reassign
from leadpact.org.models import Rep
from leadpact.outbox.models import OutboxMessage
from tests.handoff.factories import (
    NOW,
    listen_everywhere,
    make_account,
    make_handoff,
    make_person,
    make_rep,
    make_team,
    make_user,
)


@pytest.fixture
def team(session: Session) -> dict[str, Rep]:
    manager = make_user(session, "mia@nw.example", "Mia Manager", "manager")
    north = make_team(session, "north_america", manager=manager)
    south = make_team(session, "south")
    listen_everywhere(session)
    return {"sam": make_rep(session, "sam@nw.example", "Sam Park", north),
            "kim": make_rep(session, "kim@nw.example", "Kim Ode", north),
            "lee": make_rep(session, "lee@nw.example", "Lee South", south)}


def test_reassigning_records_who_and_tells_the_new_rep(session: Session, team: dict[str, Rep]) -> None:
    handoff = make_handoff(session, make_person(session, "jo@acme.example", make_account(session, "Acme", "acme.ex")),
                           team["sam"])
    reassign(session=session, handoff_id=handoff.id, to_rep_id=team["kim"].id, by="mia@nw.example",
             now=NOW + timedelta(hours=1), team_ids={team["sam"].team_id})
    assert (handoff.rep_id, handoff.reassigned_from_rep_id, handoff.reassigned_by) == (
        team["kim"].id, team["sam"].id, "mia@nw.example")
    assert handoff.reassigned_at == NOW + timedelta(hours=1)
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "handoff.reassigned")).all()
    assert told and told[0].payload["reassigned_by"] == "mia@nw.example"
    assert told[0].payload["reassigned_from"]["name"] == "Sam Park"


@pytest.mark.parametrize(("to", "state", "words"), [
    ("lee", "open", "not in this handoff's team"),
    ("sam", "open", "already has"),
    ("kim", "rejected", "only an open or accepted handoff"),
])
def test_refusals_say_why_and_change_nothing(session: Session, team: dict[str, Rep], to: str, state: str,
                                            words: str) -> None:
    handoff = make_handoff(session, make_person(session, "jo@acme.example", None), team["sam"], state=state)
    with pytest.raises(ReassignRefused, match=words):
        reassign(session=session, handoff_id=handoff.id, to_rep_id=team[to].id, by="mia@nw.example", now=NOW)
    assert handoff.rep_id == team["sam"].id and handoff.reassigned_at is None


def test_an_away_rep_cannot_be_given_a_handoff(session: Session, team: dict[str, Rep]) -> None:
    team["kim"].is_away, team["kim"].away_until = True, NOW + timedelta(days=2)
    handoff = make_handoff(session, make_person(session, "jo@acme.example", None), team["sam"])
    with pytest.raises(ReassignRefused, match="away until"):
        reassign(session=session, handoff_id=handoff.id, to_rep_id=team["kim"].id, by="mia@nw.example", now=NOW)


def test_a_manager_reassigns_only_in_their_teams(session: Session, team: dict[str, Rep]) -> None:
    handoff = make_handoff(session, make_person(session, "jo@acme.example", None), team["lee"])
    with pytest.raises(HandoffNotInYourTeam):
        reassign(session=session, handoff_id=handoff.id, to_rep_id=team["kim"].id, by="mia@nw.example", now=NOW,
                 team_ids={team["sam"].team_id})
