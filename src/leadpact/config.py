"""Settings from the environment (LEADPACT_*) and an optional settings file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything leadpact reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="LEADPACT_", env_file="leadpact.env", extra="ignore")

    database_url: str = "sqlite:///leadpact.db"
    # Segment's limits (REFERENCE §1): kept as settings so operators can see them, not to loosen them.
    max_message_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024
    max_batch_messages: int = 2500
    # Messages a write key may send, in the `limits` notation ("60000/minute", "1000 per second"); "none" turns the
    # limit off. A sliding window: a sender may burst up to the amount, then gets the steady rate.
    ingest_rate_limit: str = "60000/minute"
    # Where the counts live. "memory://" (the default): in each server process, which then enforces its share of
    # the budget (the amount divided by server_processes). A storage every process reaches, such as
    # "redis://host:6379" (with the redis client installed), holds one count for all of them, and the whole amount.
    ingest_rate_limit_storage: str = "memory://"
    # How many server processes share the tracking API's traffic (`leadpact serve --workers N` sets it for its
    # processes; set it to the total when several hosts serve the same database).
    server_processes: int = 1
    # How long a messageId is remembered for de-duplication; Segment keeps at least a day.
    dedup_window_days: int = 30
    # Events of people who never identified are deleted by the worker once older than this.
    anonymous_retention_days: int = 180
    data_dir: Path = Path(".")
    # `leadpact serve` and `leadpact worker` log to stderr at this level and above, as JSON lines (or text).
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Sign-in: how long a session lasts, the failed sign-ins allowed per account and per address, and the key the
    # session cookie is signed with (unset: a random one made once and kept in the database).
    session_hours: float = 12.0
    sign_in_limit: str = "10 per 15 minutes"
    secret_key: str | None = None
    # The Fernet key(s) that seal CRM tokens and channel secrets at rest, newest first, separated by commas (the
    # older ones only decrypt, during a rotation). Unset: a key generated once into `data_dir/secrets.key`.
    secrets_key: str | None = None


@lru_cache
def get_settings() -> Settings:
    """Return the settings, read once from the environment; tests clear the cache to override."""
    return Settings()


def environment_stamp() -> tuple[tuple[tuple[str, str], ...], int | None]:
    """The LEADPACT_ variables and the settings file's modification time: a key for settings cached until either
    changes (tests and operators change them; parsing settings per message costs milliseconds)."""
    snapshot = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LEADPACT_")))
    try:
        env_file: int | None = os.stat("leadpact.env").st_mtime_ns
    except OSError:
        env_file = None
    return snapshot, env_file
