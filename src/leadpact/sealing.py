"""Secrets at rest: CRM tokens and channel secrets are stored sealed with Fernet (`cryptography`) under the key
from the settings, and unsealed only where they are used.

The key: `LEADPACT_SECRETS_KEY` names one or more Fernet keys, newest first, separated by commas; the first seals,
any of them unseals (a rotation runs with the new key first and the old one after it until `leadpact secrets
rotate` has re-sealed everything). Unset, leadpact uses the key in `<data_dir>/secrets.key`, generating it once
(mode 0600) the first time a secret is stored: the embedded default and the demo need no setup. Keep that file
with the backups of the database, apart from them; with processes on several hosts, set LEADPACT_SECRETS_KEY to the
same key on each instead (a host that generated its own could not read the others' secrets, and says so).

A stored value is `fernet:` followed by the token. A value without the prefix (written before secrets were sealed,
or by hand) is read as it is and sealed when next written or rotated."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from leadpact.config import Settings, environment_stamp

log = logging.getLogger("leadpact.sealing")
PREFIX = "fernet:"
KEY_FILE = "secrets.key"
_creating = threading.Lock()


class SecretsKeyError(RuntimeError):
    """The secrets key is missing, malformed, or not the one a stored secret was sealed with."""


@dataclass(frozen=True)
class KeyRing:
    """The Fernet keys in use, newest first, and where they came from (for error messages)."""

    keys: tuple[str, ...]
    source: str

    @cached_property
    def fernet(self) -> MultiFernet:
        """Seals with the first key, unseals with any."""
        return MultiFernet([Fernet(key) for key in self.keys])


def new_key() -> str:
    """Return a fresh Fernet key (url-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode()


def key_file(settings: Settings | None = None) -> Path:
    """Where the generated key lives when LEADPACT_SECRETS_KEY is unset."""
    return (settings or Settings()).data_dir / KEY_FILE


def key_ring(*, create: bool = True) -> KeyRing:
    """The keys of the current settings; with `create`, a key file is generated when neither exists."""
    stamp = environment_stamp()
    settings = _settings(stamp)
    if settings.secrets_key:
        return _ring_from_text(settings.secrets_key, "LEADPACT_SECRETS_KEY")
    path = key_file(settings)
    if not path.exists():
        if not create:
            raise SecretsKeyError(f"no secrets key: LEADPACT_SECRETS_KEY is unset and {path} does not exist")
        _generate(path)
    found = path.stat()
    # Replacing the file (a rotation) changes its inode even when the clock is too coarse to change its time.
    return _ring_from_file(str(path.resolve()), (found.st_mtime_ns, found.st_ino, found.st_size))


@lru_cache(maxsize=8)
def _settings(_stamp: Any) -> Settings:
    return Settings()


@lru_cache(maxsize=8)
def _ring_from_text(text: str, source: str) -> KeyRing:
    keys = tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())
    if not keys:
        raise SecretsKeyError(f"{source} holds no key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SecretsKeyError(
                f"{source}: key {position} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded bytes); "
                "make one with `leadpact secrets new-key`") from None
    return KeyRing(keys, source)


@lru_cache(maxsize=8)
def _ring_from_file(path: str, _version: tuple[int, int, int]) -> KeyRing:
    return _ring_from_text(Path(path).read_text(), path)


def _generate(path: Path) -> None:
    """Write a fresh key to `path`, readable by its owner only; a process that loses the race keeps the winner's."""
    with _creating:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(handle, "w") as file:
            file.write(new_key() + "\n")
            file.flush()
            os.fsync(file.fileno())
    log.warning("generated the secrets key %s: back it up apart from the database (without it the stored CRM "
                "tokens and channel secrets cannot be read)", path)


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically with `keys`, newest first (owner-only permissions)."""
    temporary = path.with_name(path.name + ".new")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as file:
        file.write("\n".join(keys) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def is_sealed(value: str | None) -> bool:
    """Whether a stored value is sealed (as opposed to empty or written before sealing)."""
    return bool(value) and value.startswith(PREFIX)  # type: ignore[union-attr]


def seal(text: str, *, ring: KeyRing | None = None) -> str:
    """Return `text` sealed under the newest key, as it is stored."""
    ring = ring or key_ring()
    return PREFIX + ring.fernet.encrypt(text.encode()).decode()


def unseal(value: str, *, ring: KeyRing | None = None) -> str:
    """Return the text of a stored value (a value that was never sealed is returned as it is)."""
    if not is_sealed(value):
        return value
    # Unsealing never generates a key: a sealed value with no key to open it is an error worth reading.
    ring = ring or key_ring(create=False)
    try:
        return ring.fernet.decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise SecretsKeyError(
            f"cannot unseal a stored secret with the key from {ring.source}: it was sealed under another key. Set "
            "LEADPACT_SECRETS_KEY to the key it was stored with (during a rotation: the new key, a comma, the old "
            "one), or store the secret again") from None


def reseal(value: str, *, ring: KeyRing) -> str:
    """Return a stored value sealed again under the newest key of `ring` (one never sealed is sealed now)."""
    if not is_sealed(value):
        return seal(value, ring=ring)
    try:
        return PREFIX + ring.fernet.rotate(value[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise SecretsKeyError(
            f"cannot re-seal a stored secret: none of the keys from {ring.source} opens it; add the key it was "
            "sealed with after the new one in LEADPACT_SECRETS_KEY") from None


class Sealed:
    """A model attribute whose column (`column`, another attribute of the model) holds the value sealed: reading
    unseals, writing seals. Queries and raw reads see only the sealed text."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        SEALED_ATTRIBUTES.append((owner, name, self.column))

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        stored = getattr(instance, self.column)
        return None if stored is None else unseal(stored)

    def __set__(self, instance: Any, value: str | None) -> None:
        setattr(instance, self.column, seal(value) if value else None)


# (model, attribute, column attribute) of every sealed attribute: what `leadpact secrets rotate` re-seals.
SEALED_ATTRIBUTES: list[tuple[type, str, str]] = []


def sealed_attributes() -> Iterator[tuple[type, str, str]]:
    """Every sealed attribute of the models imported so far."""
    yield from SEALED_ATTRIBUTES
