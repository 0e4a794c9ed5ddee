"""The worker deletes anonymous events older than `anonymous_retention_days`, in simulated time: identified
people's events stay, and so does an anonymous person the metrics count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from leadpact.db import get_engine, session_scope
from leadpact.ingest.models import Event
from leadpact.lifecycle import move
from leadpact.people.models import Identity, Person
from leadpact.worker import work_once
from tests.handoff.factories import NOW
from tests.handoff.fixtures import send


def visit(who: dict[str, str], when: str, n: int) -> dict[str, object]:
    """A page view by `who` (an anonymousId or a userId) at `when`."""
    return {"type": "page", **who, "messageId": f"{next(iter(who.values()))}-{n}", "timestamp": when,
            "properties": {"path": f"/blog/{n}"}, "context": {"ip": "198.51.100.7"}}


def events_of(session, **where: str) -> list[str]:
    """Message ids of the events whose person has this identifier."""
    kind, value = next(iter(where.items()))
    person = select(Identity.person_id).where(Identity.kind == kind, Identity.value == value)
    return sorted(session.scalars(select(Event.message_id).where(Event.person_id.in_(person))))


def test_the_worker_deletes_expired_anonymous_events_in_simulated_time(database_url, clock) -> None:
    clock.set(NOW)
    old, recent = "2026-03-01T10:00:00Z", "2026-09-20T10:00:00Z"  # 214 and 11 days before NOW
    gone, staying, qualified = {"anonymousId": "anon-gone"}, {"anonymousId": "anon-recent"}, {"anonymousId": "anon-q"}
    send(visit(gone, old, 1), visit(gone, old, 2), visit(staying, old, 1), visit(staying, recent, 2),
         visit(qualified, old, 1),
         {"type": "identify", "userId": "u-known", "messageId": "known-0", "timestamp": old,
          "traits": {"email": "known@acme.example"}},
         visit({"userId": "u-known"}, old, 1), now=NOW)
    with session_scope() as session:
        # An anonymous visitor the metrics count (they reached mql): their row stays, their old events go.
        person = session.get(Person, session.scalar(select(Identity.person_id).where(Identity.value == "anon-q")))
        move(session=session, person=person, to="mql", at=NOW - timedelta(days=200))
        ids = {key: session.scalar(select(Identity.person_id).where(Identity.value == key))
               for key in ("anon-gone", "anon-recent", "anon-q")}

    assert work_once(engine=get_engine(), clock=clock, worker_id="w1") == 0

    with session_scope() as session:
        assert events_of(session, anonymous_id="anon-recent") == ["anon-recent-2"]
        assert events_of(session, user_id="u-known") == ["known-0", "u-known-1"]  # identified: kept
        assert session.get(Person, ids["anon-gone"]) is None  # nothing left that says anything
        assert session.scalar(select(func.count()).select_from(Identity).where(Identity.value == "anon-gone")) == 0
        kept = session.get(Person, ids["anon-q"])
        assert kept is not None and kept.event_count == 0
        assert session.get(Person, ids["anon-recent"]).event_count == 1

    # An old anonymous event arrives within the hour: the job does not run again until an hour has passed.
    send(visit({"anonymousId": "anon-late"}, old, 1), now=NOW)
    clock.advance(timedelta(minutes=30))
    work_once(engine=get_engine(), clock=clock, worker_id="w1")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Event).where(Event.message_id == "anon-late-1")) == 1
    clock.advance(timedelta(minutes=31))
    work_once(engine=get_engine(), clock=clock, worker_id="w1")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Event).where(Event.message_id == "anon-late-1")) == 0


def test_the_retention_is_a_setting(database_url, clock, monkeypatch) -> None:
    from leadpact.privacy.jobs import delete_expired_anonymous_events

    clock.set(NOW)
    send(visit({"anonymousId": "anon-week"}, "2026-09-20T10:00:00Z", 1), now=NOW)
    assert delete_expired_anonymous_events(engine=get_engine(), now=NOW) == 0  # 180 days by default
    monkeypatch.setenv("LEADPACT_ANONYMOUS_RETENTION_DAYS", "7")
    assert delete_expired_anonymous_events(engine=get_engine(), now=NOW) == 1


def test_an_erased_persons_events_expire_like_anonymous_ones(database_url, clock) -> None:
    from typer.testing import CliRunner

    from leadpact.cli import app

    clock.set(NOW)
    send({"type": "identify", "userId": "u-gone", "messageId": "gone-0", "timestamp": "2026-03-01T10:00:00Z",
          "traits": {"email": "gone@acme.example"}},
         visit({"userId": "u-gone"}, "2026-09-25T10:00:00Z", 1), now=NOW)
    work_once(engine=get_engine(), clock=clock, worker_id="w1")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2  # identified: both kept
    assert CliRunner().invoke(app, ["erase", "gone@acme.example"]).exit_code == 0
    clock.advance(timedelta(hours=1))
    work_once(engine=get_engine(), clock=clock, worker_id="w1")
    with session_scope() as session:
        # Detached by the erasure, the old event is now anonymous and past its retention; the recent one waits.
        assert list(session.scalars(select(Event.message_id))) == ["u-gone-1"]
