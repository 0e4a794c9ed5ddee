"""CRM connection settings (LEADPACT_HUBSPOT_*, LEADPACT_SALESFORCE_*, LEADPACT_CRM_*), and building connectors
from them and from `crm connect`'s stored connection; the environment wins where both say something."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadpact.config import environment_stamp
from leadpact.crm.base import CrmAuthError, CrmConnector, CrmInvalid
from leadpact.crm.mapping import CRMS, load_mapping
from leadpact.crm.models import CrmConnection
from leadpact.masking import mask_secret
from leadpact.sealing import SecretsKeyError


class CrmSettings(BaseSettings):
    """What the CRM connectors read from the environment."""

    model_config = SettingsConfigDict(env_prefix="LEADPACT_", env_file="leadpact.env", extra="ignore")

    hubspot_token: str | None = None
    hubspot_base_url: str | None = None
    # The public app's client secret: HubSpot signs webhooks (v3) with it.
    hubspot_webhook_secret: str | None = None
    # The URL HubSpot posts to, as HubSpot sees it (behind a proxy the request's own URL differs; v3 signs it).
    hubspot_webhook_url: str | None = None
    salesforce_instance_url: str | None = None
    salesforce_token: str | None = None
    salesforce_version: str = "59.0"
    salesforce_ca_bundle: str | None = None
    crm_mapping_file: Path | None = None
    crm_batch_size: int = 100
    # Each pull re-reads this far behind its cursor: the CRM's clock ticks in ms or s and writes land out of order.
    crm_pull_overlap_seconds: float = 120.0
    # The first pull of a connection looks back this far.
    crm_first_pull_hours: float = 24.0
    # Links in notes point at the web app here (the same setting the outbox's messages use).
    base_url: str = "http://127.0.0.1:8000"


def get_crm_settings() -> CrmSettings:
    """The CRM settings, re-read whenever the environment or the settings file changes (tests change them)."""
    return _settings_for(*environment_stamp())


@lru_cache(maxsize=8)
def _settings_for(_environment: tuple[tuple[str, str], ...], _env_file: int | None) -> CrmSettings:
    # Every handoff asks which CRMs are connected: parsing the settings each time cost milliseconds.
    return CrmSettings()


def stored_connection(*, session: Session, crm: str) -> CrmConnection | None:
    """The connection `crm connect` stored for a CRM, if any."""
    return session.scalar(select(CrmConnection).where(CrmConnection.crm == crm))


_cache: dict[tuple[object, ...], CrmConnector] = {}
_lock = threading.Lock()


def connector_for(crm: str, *, session: Session | None = None, settings: CrmSettings | None = None) -> CrmConnector:
    """The connector of `crm` from the environment and the stored connection (one per configuration per process)."""
    # One per process, so every push in the process shares the connector's rate-limit pacer.
    if crm not in CRMS:
        raise CrmInvalid(f"unknown CRM {crm!r}; use one of {', '.join(CRMS)}")
    settings = settings or get_crm_settings()
    stored = stored_connection(session=session, crm=crm) if session is not None else None

    def pick(env: object, column: str) -> str | None:
        try:
            value = env if env else getattr(stored, column, None) if stored is not None else None
        except SecretsKeyError as error:
            # The stored token is sealed under another key: a person must set the right key (or connect again).
            raise CrmAuthError(f"{crm}: {error}") from None
        return str(value) if value else None

    mapping_file = pick(settings.crm_mapping_file, "mapping_file")
    if crm == "hubspot":
        token, url = pick(settings.hubspot_token, "token"), pick(settings.hubspot_base_url, "base_url")
        secret = pick(settings.hubspot_webhook_secret, "webhook_secret")
        key: tuple[object, ...] = (crm, token, url, secret, mapping_file, settings.crm_batch_size)
    else:
        token, url = pick(settings.salesforce_token, "token"), pick(settings.salesforce_instance_url, "base_url")
        ca_bundle = pick(settings.salesforce_ca_bundle, "ca_bundle")
        key = (crm, token, url, ca_bundle, mapping_file, settings.salesforce_version, settings.crm_batch_size)
    if not token:
        raise CrmInvalid(f"no {crm} token: run `leadpact crm connect --to {crm} --token …` or set "
                         f"LEADPACT_{crm.upper()}_TOKEN")
    with _lock:
        if key not in _cache:
            _cache[key] = _build(crm, token, url, mapping_file, settings, stored)
        return _cache[key]


def _build(crm: str, token: str, url: str | None, mapping_file: str | None, settings: CrmSettings,
           stored: CrmConnection | None) -> CrmConnector:
    mapping = load_mapping(crm, mapping_file)
    if crm == "hubspot":
        from leadpact.crm.hubspot import HUBSPOT_API, HubSpotConnector

        secret = settings.hubspot_webhook_secret or (_stored_secret(stored, "webhook_secret") if stored else None)
        return HubSpotConnector(token=token, base_url=url or HUBSPOT_API, mapping=mapping, webhook_secret=secret,
                                batch_size=settings.crm_batch_size)
    from leadpact.crm.salesforce import SalesforceConnector

    if not url:
        raise CrmInvalid("no Salesforce instance URL: `leadpact crm connect --to salesforce --base-url https://…`")
    ca_bundle = settings.salesforce_ca_bundle or (stored.ca_bundle if stored else None)
    return SalesforceConnector(instance_url=url, token=token, version=settings.salesforce_version, mapping=mapping,
                               ca_bundle=ca_bundle)


def _stored_secret(stored: CrmConnection, attribute: str) -> str | None:
    try:
        return getattr(stored, attribute)  # type: ignore[no-any-return]
    except SecretsKeyError as error:
        raise CrmAuthError(f"{stored.crm}: {error}") from None


def shown_connection(*, session: Session, crm: str, settings: CrmSettings | None = None) -> dict[str, object]:
    """A CRM's connection as people see it: where, whether a token and webhook secret are set (masked), the pull."""
    settings = settings or get_crm_settings()
    stored = stored_connection(session=session, crm=crm)
    env_token = settings.hubspot_token if crm == "hubspot" else settings.salesforce_token
    env_secret = settings.hubspot_webhook_secret if crm == "hubspot" else None

    def shown(env: str | None, attribute: str) -> str | None:
        if env:
            return mask_secret(env)
        if stored is None or getattr(stored, "sealed_" + attribute) is None:
            return None
        try:
            return mask_secret(getattr(stored, attribute))
        except SecretsKeyError:
            return "•••• (sealed under another key)"

    url = (settings.hubspot_base_url if crm == "hubspot" else settings.salesforce_instance_url) or (
        stored.base_url if stored else None)
    return {"crm": crm, "base_url": url, "token": shown(env_token, "token"),
            "webhook_secret": shown(env_secret, "webhook_secret"),
            "last_pull_at": stored.last_pull_at if stored else None,
            "last_pull_changes": stored.last_pull_changes if stored else 0,
            "last_error": stored.last_error if stored else None}


def forget_connectors() -> None:
    """Drop the cached connectors (after `crm connect` changes a connection, and between tests)."""
    with _lock:
        for connector in _cache.values():
            connector.close()
        _cache.clear()
