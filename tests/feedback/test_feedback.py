"""Feedback and outcomes through the service: the full path with its audit trail, rejections by the pact's
vocabulary, and who may act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.feedback import (
    REJECTION_OUTCOMES,
    FeedbackRefused,
    InvalidFeedback,
    NotPermitted,
    accept,
    lose,
    mark_contacted,
    open_opportunity,
    qualify,
    reject,
    win,
)
from leadpact.handoff import Handoff, Opportunity, person_by_email
from leadpact.lifecycle import history
from leadpact.sla import Timer
from tests.handoff.factories import NOW
from tests.handoff.fixtures import hot_lead

ALLOWED = "wrong_timing, wrong_company_size, wrong_role, no_budget, already_solved, unreachable, duplicate"


def handed_off():
    hot_lead()
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        return handoff.id, handoff.person_id


def test_the_full_path_from_hot_signal_to_won_leaves_an_audit_trail(world):
    handoff_id, person_id = handed_off()
    later = NOW + timedelta(minutes=9)
    with session_scope() as session:
        assert mark_contacted(session=session, handoff_id=handoff_id, by="sam@nw.example", now=later) is True
        assert mark_contacted(session=session, handoff_id=handoff_id, by="sam@nw.example", now=later) is False
        accept(session=session, handoff_id=handoff_id, by="sam@nw.example", now=later + timedelta(hours=1))
        qualify(session=session, handoff_id=handoff_id, by="sam@nw.example", now=later + timedelta(days=2),
                answers={"budget": "120k approved", "authority": "VP signs", "need": "warehouse cost",
                         "timeline": None})
        opportunity = open_opportunity(session=session, person_id=person_id, by="sam@nw.example", amount=48000,
                                       now=later + timedelta(days=3))
        won_on = datetime(2026, 11, 20, tzinfo=UTC)
        win(session=session, person_id=person_id, by="mia@nw.example", closed_at=won_on, now=later + timedelta(days=50))
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.state, handoff.first_touch_at, handoff.first_touch_source) == ("accepted", later, "leadpact")
        assert handoff.disposition_actor == "sam@nw.example"
        assert handoff.qualification["budget"] == "120k approved" and "timeline" not in handoff.qualification
        opportunity = session.get(Opportunity, opportunity.id)
        assert (opportunity.stage, opportunity.amount, opportunity.closed_at) == ("won", 48000, won_on)
        assert opportunity.handoff_id == handoff_id
        trail = [(t.from_status, t.to_status, t.actor) for t in history(session=session, person_id=person_id)]
        assert trail[-6:] == [
            ("engaged", "hot", "system"),
            ("hot", "handed_off", "system"),
            ("handed_off", "accepted", "user:sam@nw.example"),
            ("accepted", "sql", "user:sam@nw.example"),
            ("sql", "opportunity", "user:sam@nw.example"),
            ("opportunity", "won", "user:mia@nw.example"),
        ]
        assert all(t.pact_version == 1 for t in history(session=session, person_id=person_id))
        timers = {t.kind: t.cancelled_at for t in session.scalars(select(Timer).where(Timer.handoff_id == handoff_id))}
        assert timers == {"sla_breach": later, "feedback_due": later + timedelta(hours=1)}


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_rejection_without_a_reason_is_refused_with_the_allowed_list(world, reason):
    handoff_id, _ = handed_off()
    with session_scope() as session, pytest.raises(InvalidFeedback) as refused:
        reject(session=session, handoff_id=handoff_id, by="sam@nw.example", reason=reason, note="meh", now=NOW)
    assert str(refused.value) == f"a rejection needs exactly one reason, one of: {ALLOWED}"


def test_a_rejection_with_a_reason_the_pact_does_not_list_is_refused(world):
    handoff_id, person_id = handed_off()
    with session_scope() as session, pytest.raises(InvalidFeedback) as refused:
        reject(session=session, handoff_id=handoff_id, by="sam@nw.example", reason="bad_lead", note=None, now=NOW)
    assert str(refused.value) == f"unknown rejection reason 'bad_lead'; use one of: {ALLOWED}"
    with session_scope() as session:
        assert session.get(Handoff, handoff_id).state == "open"
        assert person_by_email(session=session, email="jo@acme.example").status == "handed_off"


@pytest.mark.parametrize(("reason", "outcome"), [("wrong_timing", "nurture"), ("duplicate", "disqualified")])
def test_a_rejection_recycles_or_disqualifies_by_reason(world, reason, outcome):
    handoff_id, person_id = handed_off()
    with session_scope() as session:
        reject(session=session, handoff_id=handoff_id, by="sam@nw.example", reason=reason, note=" next year ",
               now=NOW + timedelta(hours=2))
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.state, handoff.rejection_reason, handoff.rejection_note) == ("rejected", reason, "next year")
        trail = [(t.from_status, t.to_status, t.reasons.get("reason")) for t in
                 history(session=session, person_id=person_id)][-2:]
        assert trail == [("handed_off", "rejected", reason), ("rejected", outcome, reason)]
        assert REJECTION_OUTCOMES[reason].value == outcome


def test_only_the_rep_their_manager_or_an_admin_may_act(world):
    handoff_id, person_id = handed_off()
    with session_scope() as session, pytest.raises(NotPermitted, match="it is Sam Park's"):
        accept(session=session, handoff_id=handoff_id, by="kim@nw.example", now=NOW)
    with session_scope() as session:
        accept(session=session, handoff_id=handoff_id, by="mia@nw.example", now=NOW)  # Sam's manager
        lose(session=session, person_id=person_id, by="ada@nw.example", reason="went quiet", now=NOW)
        assert person_by_email(session=session, email="jo@acme.example").status == "lost"


def test_steps_out_of_order_are_refused_in_words(world):
    handoff_id, person_id = handed_off()
    with session_scope() as session, pytest.raises(FeedbackRefused, match="accept it before qualifying"):
        qualify(session=session, handoff_id=handoff_id, by="sam@nw.example", now=NOW)
    with session_scope() as session, pytest.raises(FeedbackRefused, match="handed_off"):
        open_opportunity(session=session, person_id=person_id, by="sam@nw.example", amount=10, now=NOW)
    with session_scope() as session, pytest.raises(FeedbackRefused, match="no open opportunity"):
        win(session=session, person_id=person_id, by="sam@nw.example", now=NOW)
    with session_scope() as session:
        accept(session=session, handoff_id=handoff_id, by="sam@nw.example", now=NOW)
    with session_scope() as session, pytest.raises(FeedbackRefused, match="only an open handoff can be accepted"):
        accept(session=session, handoff_id=handoff_id, by="sam@nw.example", now=NOW)
    with session_scope() as session, pytest.raises(InvalidFeedback, match="a loss needs a reason"):
        lose(session=session, person_id=person_id, by="sam@nw.example", reason=None, now=NOW)
