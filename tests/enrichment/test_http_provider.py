"""The generic HTTP provider against a provider served on loopback: a held lead's account is asked about through
the outbox; a timeout, a 429 (its Retry-After honoured) and a 503 are retried; the answer fills only the gaps,
records its URL and time, and the lead is handed off. Plus pacing, 404s, bad configuration and plug-ins."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from leadpact.db import get_engine, session_scope
from leadpact.enrichment import Firmographics, register_provider, request_enrichment
from leadpact.enrichment.http import Pacer
from leadpact.outbox import OutboxMessage
from leadpact.outbox.delivery import deliver_due
from leadpact.people.models import Account
from tests.crm.servers.runner import ServerThread
from tests.enrichment.helpers import LATER, held_for_company_size, state

ANSWER = {"company": {"legal_name": "ACME Corporation", "sector": "Retail", "metrics": {"employees": "1,250"},
                      "geo": {"country": "United States"}}}
FIELDS = {"name": "company.legal_name", "industry": "company.sector", "employees": "company.metrics.employees",
          "country": "company.geo.country"}


class Provider:
    """A firmographics API on loopback that answers from a script: ("hang", s), (status, headers), or "answer"."""

    def __init__(self, script: list) -> None:
        self.script, self.asked = list(script), []

    async def company(self, request: Request) -> Response:
        self.asked.append((request.path_params["domain"], request.headers.get("authorization")))
        step = self.script.pop(0) if self.script else "answer"
        if step == "answer":
            return JSONResponse(ANSWER)
        if step[0] == "hang":
            await asyncio.sleep(step[1])
            return JSONResponse(ANSWER)
        status, headers = step
        return JSONResponse({"error": "try later"}, status_code=status, headers=headers)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/companies/{domain}", self.company)])


@pytest.fixture
def provider(request, monkeypatch) -> Iterator[tuple[Provider, str]]:
    """The provider on loopback, and leadpact configured to ask it."""
    api = Provider(getattr(request, "param", []))
    with ServerThread(api.app()) as server:
        url = f"{server.url}/v1/companies/{{domain}}"
        monkeypatch.setenv("LEADPACT_ENRICHMENT_PROVIDER", "http")
        monkeypatch.setenv("LEADPACT_ENRICHMENT_URL", url)
        monkeypatch.setenv("LEADPACT_ENRICHMENT_FIELDS", json.dumps(FIELDS))
        monkeypatch.setenv("LEADPACT_ENRICHMENT_HEADERS", json.dumps({"Authorization": "Bearer k3y"}))
        monkeypatch.setenv("LEADPACT_ENRICHMENT_TIMEOUT_SECONDS", "0.5")
        monkeypatch.setenv("LEADPACT_ENRICHMENT_REQUESTS_PER_SECOND", "50")
        yield api, url


def enrichment_row() -> OutboxMessage:
    with session_scope() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "enrichment")).one()
        session.expunge(row)
        return row


def work(clock) -> None:
    """One pass of a worker over the due outbox rows, at the simulated time."""
    deliver_due(engine=get_engine(), now=clock.now(), worker_id="test-worker", clock=clock)


@pytest.mark.parametrize("provider", [[("hang", 2.0), (429, {"Retry-After": "7"}), (503, {})]], indirect=True)
def test_a_held_lead_is_enriched_through_retries_and_handed_off_with_nothing_overwritten(live, clock, provider):
    api, url = provider  # `live` installs the standard wiring: enrichment hears of leads held for their company
    clock.set(LATER)
    held_for_company_size()  # held: the listener asks the provider about acme.example through the outbox
    row = enrichment_row()
    assert (row.destination, row.payload["domain"], row.state) == ("http", "acme.example", "pending")

    work(clock)  # the provider does not answer within the timeout
    row = enrichment_row()
    assert (row.state, row.attempts) == ("pending", 1) and "did not answer within 0.5 s" in row.last_error
    clock.set(row.next_attempt_at)
    work(clock)  # 429: wait as long as it says
    row = enrichment_row()
    assert (row.attempts, row.last_error) == (2, f"{url.replace('{domain}', 'acme.example')} answered 429")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=7)
    clock.set(row.next_attempt_at)
    work(clock)  # 503: back off
    assert enrichment_row().attempts == 3 and state()[0] == "needs_context"
    clock.set(enrichment_row().next_attempt_at)
    answered_at = clock.now()
    work(clock)

    row = enrichment_row()
    assert (row.state, row.attempts) == ("delivered", 4)
    assert api.asked == [("acme.example", "Bearer k3y")] * 4
    status, account, handoffs, enriched = state()
    assert (status, handoffs) == ("handed_off", 1)
    # Jo said Acme, software, US: they stay. Only the size, which nobody had said, comes from the provider.
    assert account == {"name": "Acme", "industry": "software", "employees": 1250, "country": "US"}
    assert enriched == {"employees": ("1250", "http", url.replace("{domain}", "acme.example"), answered_at)}


@pytest.mark.parametrize("provider", [[(404, {})]], indirect=True)
def test_a_company_the_provider_does_not_know_is_delivered_with_nothing_filled(database_url, clock, provider):
    with session_scope() as session:
        account = Account(domain="unknown.example", traits={}, created_at=clock.now(), updated_at=clock.now())
        session.add(account)
        session.flush()
        assert request_enrichment(session=session, account=account, now=clock.now()) is not None
        # Asked once per account: a second request is the same row.
        assert request_enrichment(session=session, account=account, now=clock.now()) is None
    work(clock)
    assert enrichment_row().state == "delivered"
    with session_scope() as session:
        assert session.scalars(select(Account.employees)).one() is None


def test_a_url_without_the_domain_is_a_dead_row_saying_why(database_url, clock, monkeypatch):
    monkeypatch.setenv("LEADPACT_ENRICHMENT_PROVIDER", "http")
    monkeypatch.setenv("LEADPACT_ENRICHMENT_URL", "http://127.0.0.1:9/v1/companies")
    with session_scope() as session:
        account = Account(domain="acme.example", traits={}, created_at=clock.now(), updated_at=clock.now())
        session.add(account)
        session.flush()
        request_enrichment(session=session, account=account, now=clock.now())
    work(clock)
    row = enrichment_row()
    assert row.state == "dead" and "has no {domain} for the company's domain" in row.last_error


def test_a_plug_in_provider_is_asked_by_name(database_url, clock, monkeypatch):
    class Directory:
        name = "directory"

        def __init__(self, session) -> None:
            self.session = session

        def lookup(self, domain: str) -> Firmographics | None:
            return Firmographics(source="directory:v2", industry="Software", employees=40)

    register_provider("directory", Directory)
    monkeypatch.setenv("LEADPACT_ENRICHMENT_PROVIDER", "directory")
    with session_scope() as session:
        account = Account(domain="acme.example", industry="fintech", traits={}, created_at=clock.now(),
                          updated_at=clock.now())
        session.add(account)
        session.flush()
        request_enrichment(session=session, account=account, now=clock.now())
    work(clock)
    with session_scope() as session:
        account = session.scalars(select(Account)).one()
        assert (account.industry, account.employees) == ("fintech", 40)


def test_the_pacer_spaces_requests_to_the_rate():
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert slept == [0.25, 0.25]
