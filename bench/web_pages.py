"""The pages bench/web.py measures over a demo workspace, each with its reader, URL and main database query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadpact.app import create_app
from leadpact.clock import get_clock
from leadpact.db import get_engine, migrate, session_scope
from leadpact.handoff import describe
from leadpact.handoff.models import Handoff
from leadpact.insights import metrics
from leadpact.org.models import Rep, Team, User
from leadpact.pact.versions import active_version, signatures_of
from leadpact.people.models import Person
from leadpact.web.pages.dashboard import as_of_now, default_period
from leadpact.web.pages.inbox import inbox_statement


def _busiest_rep(session: Any) -> tuple[User, Rep]:
    rep_id = session.execute(select(Handoff.rep_id, func.count()).where(Handoff.state.in_(("open", "accepted")))
                             .group_by(Handoff.rep_id).order_by(func.count().desc()).limit(1)).scalar_one()
    rep = session.get(Rep, rep_id)
    return session.get(User, rep.user_id), rep


def _user(session: Any, role: str) -> User:
    return session.scalars(select(User).where(User.role == role).order_by(User.id)).first()


def pages() -> Iterator[tuple[str, str, Callable[[], Any], TestClient, Any]]:
    """Yield (name, url, main query, client signed in as the page's reader, timed app) per page."""
    from bench.web import Timed
    from bench.web_readers import client_for

    migrate(get_engine())  # a workspace made by an older version is brought up to date, as `leadpact serve` does
    with session_scope() as session:
        rep_user, rep = _busiest_rep(session)
        handoff = session.scalars(select(Handoff).where(Handoff.rep_id == rep.id)
                                  .order_by(Handoff.created_at.desc())).first()
        account_id, handoff_id, rep_id = handoff.account_id, handoff.id, rep.id
        manager = session.get(User, session.scalar(select(Team.manager_user_id).where(Team.id == rep.team_id)))
        marketer = _user(session, "marketing")
        version = active_version(session=session).version
        rep_email, marketer_email, manager_email = rep_user.email, marketer.email, manager.email
    app = Timed(create_app())
    rep_client = client_for(app, rep_email)
    marketing_client = client_for(app, marketer_email)

    def inbox_query() -> Any:
        with session_scope() as s:
            return s.execute(inbox_statement().where(Handoff.rep_id == rep_id)).all()

    def handoff_query() -> Any:
        with session_scope() as s:
            return describe(session=s, handoff_id=handoff_id)

    def account_query() -> Any:
        with session_scope() as s:
            return s.scalars(select(Person).where(Person.account_id == account_id)).all()

    def dashboard_query() -> Any:
        with session_scope() as s:
            as_of = as_of_now(session=s, now=get_clock().now())
            period = default_period(session=s, now=as_of)
            return metrics.read_frames(session=s, period=period, as_of=as_of)

    def pact_query() -> Any:
        with session_scope() as s:
            return active_version(session=s).source, signatures_of(session=s, version=version)

    yield "inbox", "/inbox", inbox_query, rep_client, app
    yield "handoff", f"/handoffs/{handoff_id}", handoff_query, rep_client, app
    yield "account", f"/accounts/{account_id}", account_query, rep_client, app
    yield "dashboard", "/dashboard", dashboard_query, marketing_client, app
    yield "pact", f"/pacts/{version}", pact_query, client_for(app, manager_email), app
