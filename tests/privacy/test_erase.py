"""`leadpact erase EMAIL`: no trace of the person in any column of any table, the month's metrics unchanged, the
audit trail redacted only through the erasure it names, and bad requests refused with nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.handoff.models import Handoff, Opportunity
from leadpact.ingest.models import Event
from leadpact.insights.metrics.dimensions import SLICES
from leadpact.insights.metrics.periods import month
from leadpact.insights.metrics.service import compute_metrics
from leadpact.lifecycle.models import Transition
from leadpact.models import Base
from leadpact.outbox.models import OutboxMessage
from leadpact.people.models import Person
from leadpact.privacy.models import Erasure
from leadpact.sla.models import Timer
from tests.handoff.factories import NOW
from tests.privacy.conftest import EMAIL, NEEDLES, every_value, snapshot

AS_OF = NOW + timedelta(days=10)


def month_metrics() -> dict[str, object]:
    """October's metrics, overall and by every slice, as the metrics service computes them."""
    with session_scope() as session:
        return {by or "total": compute_metrics(session=session, period=month(NOW), as_of=AS_OF, by=by).as_dict()
                for by in [None, *SLICES]}


def found(engine, needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle appears."""
    return [(table, column, needle) for table, column, value in every_value(engine)
            for needle in needles if needle.lower() in value]


def test_erase_leaves_no_trace_in_any_column_of_any_table_and_the_months_metrics_unchanged(story, engine) -> None:
    assert len(Base.metadata.sorted_tables) >= 20  # the scan covers the whole schema, generated from the metadata
    before = found(engine, NEEDLES)
    # She is everywhere before: the scan would see her.
    assert {table for table, _c, _n in before} >= {"people", "identities", "events", "handoffs", "outbox",
                                                 "crm_links", "lifecycle_transitions"}
    metrics = month_metrics()
    assert metrics["total"]["total"]["mqls"] == 2 and metrics["total"]["total"]["handoffs"] == 2
    with session_scope() as session:
        moves = [(t.person_id, t.from_status, t.to_status, t.at, t.actor) for t in
                 session.scalars(select(Transition).order_by(Transition.id))]
        kept = [(h.id, h.state, h.tier, h.created_at, h.rep_id, h.rejection_reason) for h in
                session.scalars(select(Handoff).order_by(Handoff.id))]
        deals = [(o.amount, o.stage, o.opened_at, o.closed_at) for o in session.scalars(select(Opportunity))]
        events = session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
        pending = select(Timer).where(Timer.handoff_id == story.handoffs["zephyrine"], Timer.fired_at.is_(None),
                                      Timer.cancelled_at.is_(None))
        assert session.scalars(pending).all()  # her SLA clock still runs: she was never marked contacted

    result = CliRunner().invoke(app, ["erase", EMAIL.upper(), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["people"] == 1 and report["actor"].startswith("cli:") and report["crm_deletes"] == ["hubspot"]
    assert report["rows"]["events"] == 4 and report["rows"]["handoffs"] == 1 and report["rows"]["crm_links"] == 3
    assert found(engine, NEEDLES) == []
    assert month_metrics() == metrics
    with session_scope() as session:
        # The trail keeps every move, who made it and when; only the reasons were redacted, naming the erasure.
        assert [(t.person_id, t.from_status, t.to_status, t.at, t.actor) for t in
                session.scalars(select(Transition).order_by(Transition.id))] == moves
        erasure = session.scalars(select(Erasure)).one()
        redacted = session.scalars(select(Transition).where(Transition.person_id == story.zephyrine)).all()
        assert redacted and all(t.reasons["erasure_id"] == erasure.id for t in redacted)
        assert erasure.actor == report["actor"] and erasure.summary["rows"] == report["rows"]
        assert [(h.id, h.state, h.tier, h.created_at, h.rep_id, h.rejection_reason) for h in
                session.scalars(select(Handoff).order_by(Handoff.id))] == kept
        assert [(o.amount, o.stage, o.opened_at, o.closed_at) for o in session.scalars(select(Opportunity))] == deals
        # Her events stay as anonymous signals: no person, no ids, the campaign kept.
        assert session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) == events
        detached = session.scalars(select(Event).where(Event.message_id.like("zq-%"))).all()
        assert len(detached) == 4 and all(e.person_id is None for e in detached)
        assert {e.utm_source for e in detached} == {"google"} and detached[0].context["campaign"]["medium"] == "cpc"
        shell = session.get(Person, story.zephyrine)
        assert shell.erased_at is not None and shell.status == "won" and shell.first_touch_channel is not None
        # Nothing more will fire about her: her handoff's timers still pending are cancelled.
        assert not session.scalars(pending).all()
        # Her pending notifications are cancelled; the CRM delete waits in the outbox, its request sealed.
        [erase] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "crm_erase")).all()
        assert erase.destination == "hubspot" and erase.payload["_sealed"].startswith("fernet:")
        # Jo is untouched.
        jo = session.get(Person, story.jo)
        assert (jo.email, jo.first_name, jo.erased_at) == ("jo@acme.example", "Jo", None)
        assert session.get(Handoff, story.handoffs["jo"]).rejection_note == "Jo Smith says next year"


def test_erasing_twice_finds_nobody_the_second_time_and_changes_nothing(story, engine) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["erase", EMAIL]).exit_code == 0
    before = snapshot(engine)
    again = runner.invoke(app, ["erase", EMAIL])
    assert again.exit_code == 2
    assert f"nobody is known by {EMAIL}: nothing was changed" in again.output
    assert snapshot(engine) == before
    with session_scope() as session:
        assert len(session.scalars(select(Erasure)).all()) == 1


@pytest.mark.parametrize(("email", "message"), [
    ("nobody@acme.example", "nobody is known by nobody@acme.example: nothing was changed"),
    ("not an address", "'not an address' is not an email address"),
    ("", "'' is not an email address"),
])
def test_a_bad_or_unknown_email_is_refused_with_nothing_changed(story, engine, email, message) -> None:
    before = snapshot(engine)
    result = CliRunner().invoke(app, ["erase", email])
    assert result.exit_code == 2 and message in result.output
    assert snapshot(engine) == before


def test_the_audit_trail_refuses_every_edit_but_an_erasures_redaction(story, engine) -> None:
    assert CliRunner().invoke(app, ["erase", EMAIL]).exit_code == 0
    with engine.connect() as connection:
        jo_move = connection.scalar(select(Transition.id).where(Transition.person_id == story.jo).limit(1))
        erasure_id = connection.scalar(select(Erasure.id))
    edits = [
        update(Transition).where(Transition.id == jo_move).values(to_status="won"),
        update(Transition).where(Transition.id == jo_move).values(reasons={"erased": True, "erasure_id": 999}),
        # Even naming a real erasure, a redaction cannot change the move itself.
        update(Transition).where(Transition.id == jo_move).values(actor="someone", reasons={"erasure_id": erasure_id}),
        Transition.__table__.delete().where(Transition.id == jo_move),
        update(Erasure).values(actor="someone else"),
        Erasure.__table__.delete(),
    ]
    for edit in edits:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(edit)
    with engine.begin() as connection:  # the one path: reasons only, naming a recorded erasure
        connection.execute(update(Transition).where(Transition.id == jo_move)
                           .values(reasons={"erased": True, "erasure_id": erasure_id}))
        assert connection.scalar(text("SELECT count(*) FROM erasures")) == 1


def test_erasing_a_person_also_removes_where_a_colleagues_rows_name_them(story, engine) -> None:
    # Zephyrine was routed to Jo's rep: her handoff, its notifications and her trail name "Jo Smith".
    jo = ["jo@acme.example", "jo smith"]
    assert {table for table, _c, _n in found(engine, jo)} >= {"handoffs", "outbox", "lifecycle_transitions"}
    with session_scope() as session:
        reason = session.get(Handoff, story.handoffs["zephyrine"]).routing_reason
    result = CliRunner().invoke(app, ["erase", "jo@acme.example", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["mentions_elsewhere"] >= 2
    assert found(engine, jo) == []
    with session_scope() as session:
        # Only the mention went: the rest of her routing reason, and her own data, stay.
        assert session.get(Handoff, story.handoffs["zephyrine"]).routing_reason == reason.replace("Jo Smith",
                                                                                                   "[erased]")
        assert session.get(Person, story.zephyrine).email == EMAIL
    assert found(engine, [EMAIL, "zephyrine quagmire"])
