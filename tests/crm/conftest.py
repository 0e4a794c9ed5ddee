"""Fixtures of the CRM tests: the CRM tables, HubSpot and Salesforce contract servers on loopback (Salesforce over
TLS with a CA made for the test), connectors built on them, and a small sales world with handoffs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine

from leadpact.clock import SimulatedClock
from leadpact.crm.hubspot import HubSpotConnector
from leadpact.crm.retry import RetryPolicy
from leadpact.crm.salesforce import SalesforceConnector
from leadpact.crm.settings import forget_connectors
from tests.crm.servers.hubspot_app import create_app as hubspot_app
from tests.crm.servers.hubspot_portal import HubSpotPortal
from tests.crm.servers.runner import ServerThread
from tests.crm.servers.salesforce_app import create_app as salesforce_app
from tests.crm.servers.salesforce_org import SalesforceOrg
from tests.crm.servers.tls import TestCertificates, make_certificates
from tests.handoff.fixtures import live, world  # noqa: F401 - the round trip runs the real handoff flow


def quick_policy() -> RetryPolicy:
    """Retries without real waiting between 5xx attempts (429 waits stay real: the server's window is real)."""
    return RetryPolicy(backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def crm_tables(engine: Engine) -> Engine:
    """This test's database, whose migrations create the CRM tables."""
    return engine


@pytest.fixture(autouse=True)
def fresh_connectors() -> Iterator[None]:
    """No connector cached from another test (each pins its own server and pacer)."""
    forget_connectors()
    yield
    forget_connectors()


@dataclass
class HubSpotServer:
    """A running HubSpot contract server and how to reach it."""

    portal: HubSpotPortal
    url: str

    def connector(self, **options: Any) -> HubSpotConnector:
        """A connector on this server (pacing off unless asked: tests exercise the server's limits)."""
        options.setdefault("requests_per_ten_seconds", None)
        options.setdefault("searches_per_second", None)
        options.setdefault("policy", quick_policy())
        return HubSpotConnector(token=self.portal.token, base_url=self.url, webhook_secret="app-secret", **options)


@pytest.fixture
def hubspot(clock: SimulatedClock) -> Iterator[HubSpotServer]:
    """A HubSpot contract server whose clock is the test's simulated one."""
    portal = HubSpotPortal(now=clock.now)
    with ServerThread(hubspot_app(portal)) as server:
        yield HubSpotServer(portal, server.url)


@pytest.fixture
def hubspot_env(hubspot: HubSpotServer, monkeypatch: pytest.MonkeyPatch) -> HubSpotServer:
    """LEADPACT_HUBSPOT_* pointing at the contract server, for code that builds its own connector."""
    monkeypatch.setenv("LEADPACT_HUBSPOT_TOKEN", hubspot.portal.token)
    monkeypatch.setenv("LEADPACT_HUBSPOT_BASE_URL", hubspot.url)
    monkeypatch.setenv("LEADPACT_HUBSPOT_WEBHOOK_SECRET", "app-secret")
    return hubspot


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> TestCertificates:
    """A test CA and a loopback certificate it signed."""
    return make_certificates(Path(tmp_path_factory.mktemp("tls")))


@dataclass
class SalesforceServer:
    """A running Salesforce contract server (TLS) and the CA that vouches for it."""

    org: SalesforceOrg
    url: str
    ca: Path

    def session(self) -> requests.Session:
        """A requests session trusting the test CA (and not the environment's bundle, which requests prefers)."""
        session = requests.Session()
        session.verify = str(self.ca)
        session.trust_env = False
        return session

    def connector(self, **options: Any) -> SalesforceConnector:
        """A connector on this server, through a session that trusts the test CA."""
        options.setdefault("policy", quick_policy())
        options.setdefault("session", self.session())
        return SalesforceConnector(instance_url=self.url, token=self.org.token, version="59.0", **options)

    def user(self, index: int = 0) -> str:
        """The id of one of the org's users (an owner)."""
        return list(self.org.records["User"])[index]


@pytest.fixture
def salesforce(clock: SimulatedClock, certificates: TestCertificates) -> Iterator[SalesforceServer]:
    """A Salesforce contract server over TLS whose clock is the test's simulated one."""
    org = SalesforceOrg(now=clock.now)
    with ServerThread(salesforce_app(org), certfile=certificates.cert, keyfile=certificates.key) as server:
        yield SalesforceServer(org, server.url, certificates.ca)


@pytest.fixture
def salesforce_env(salesforce: SalesforceServer, monkeypatch: pytest.MonkeyPatch) -> SalesforceServer:
    """LEADPACT_SALESFORCE_* pointing at the contract server and its CA."""
    monkeypatch.setenv("LEADPACT_SALESFORCE_TOKEN", salesforce.org.token)
    monkeypatch.setenv("LEADPACT_SALESFORCE_INSTANCE_URL", salesforce.url)
    monkeypatch.setenv("LEADPACT_SALESFORCE_CA_BUNDLE", str(salesforce.ca))
    return salesforce


__all__ = ["live", "world"]
