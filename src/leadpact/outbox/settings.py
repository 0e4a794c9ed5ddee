"""Settings of delivery (LEADPACT_SMTP_*, LEADPACT_OUTBOX_*), read from the environment like the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from leadpact.config import environment_stamp


class OutboxSettings(BaseSettings):
    """How the outbox delivers: the SMTP relay, retries, leases and the link base for messages."""

    model_config = SettingsConfigDict(env_prefix="LEADPACT_", env_file="leadpact.env", extra="ignore")

    # The mail relay the reps' emails go through. Unset, emails wait in the outbox (without using up their attempts)
    # until one is set: a default relay that is not there would only fail them until they are given up on.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "leadpact <leadpact@localhost>"
    # Links in messages (the handoff's timeline) point at the web app here.
    base_url: str = "http://127.0.0.1:8000"
    outbox_max_attempts: int = 8
    outbox_backoff_base_seconds: float = 30.0
    outbox_backoff_cap_seconds: float = 6 * 3600.0
    # A claimed row is its worker's until the lease ends; the worker renews it every third of the lease while it
    # works, so a worker that dies lets it lapse within this many seconds and another delivers it.
    outbox_lease_seconds: float = 10.0
    # A worker stops renewing a row it has held this long (a wedged delivery), so another worker can take it.
    outbox_max_hold_seconds: float = 600.0
    outbox_batch_size: int = 50
    http_timeout_seconds: float = 15.0
    # `leadpact serve` runs a worker in-process unless this is off (run `leadpact worker` processes instead).
    embedded_worker: bool = True


def get_outbox_settings() -> OutboxSettings:
    """Return the delivery settings for the current environment (re-read whenever a LEADPACT_ variable changes)."""
    return _settings_for(*environment_stamp())


@lru_cache(maxsize=8)
def _settings_for(_environment: tuple[tuple[str, str], ...], _env_file: int | None) -> OutboxSettings:
    # Keyed on the environment so tests and operators can change it, without paying pydantic's parse per message.
    return OutboxSettings()
