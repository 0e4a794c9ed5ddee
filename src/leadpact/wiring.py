"""The process's wiring: who hears of stored batches, of the engine's moves, of every lifecycle move and of new
handoffs, and which transport delivers each kind of outbox row.

A domain never registers anything, and importing a module never wires it: a composition root (the app factory,
the CLI, the demo; `leadpact.composition` builds what they install) builds one `Wiring` and installs it, and the
domains read what is installed when they have something to tell. The wiring is a frozen value, so what a process
runs with is decided in one place and can be read whole (`leadpact doctor` and the tests do)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# Each listener's signature is declared where it is called: ingest.service.PeopleChanged, engine.live.Moved,
# lifecycle.service.MovesMade, handoff.flows.HandoffOpened, outbox.transports.Transport. This module names no
# domain, so that every layer can read the wiring.
Listener = Callable[..., None]


@dataclass(frozen=True)
class Wiring:
    """The listeners and transports one process runs with."""

    # Told of each stored batch (and of people changed without new events: an import, a CRM pull).
    people_changed: tuple[Listener, ...] = ()
    # Each with the statuses whose entry it hears of (None: every move) among the engine's automatic moves.
    engine_moved: tuple[tuple[Listener, frozenset[str] | None], ...] = ()
    # Told of every set of lifecycle moves, whoever makes them, in the mover's transaction.
    lifecycle_moved: tuple[Listener, ...] = ()
    # Told of each handoff created, in its transaction.
    handoff_opened: tuple[Listener, ...] = ()
    # The transport of each kind of outbox row.
    transports: Mapping[str, Callable[[Any], None]] = field(default_factory=lambda: MappingProxyType({}))

    def heard_statuses(self) -> frozenset[str] | None:
        """The statuses some engine listener hears of entering: None when one hears every move."""
        heard: set[str] = set()
        for _listener, targets in self.engine_moved:
            if targets is None:
                return None
            heard |= targets
        return frozenset(heard)


UNWIRED = Wiring()
_installed = UNWIRED


def installed() -> Wiring:
    """The wiring this process runs with (UNWIRED until a composition root installs one)."""
    return _installed


def install(wiring: Wiring) -> Wiring:
    """Make `wiring` the process's wiring and return the one it replaces (composition roots only)."""
    global _installed
    previous, _installed = _installed, wiring
    return previous


@contextmanager
def wired(wiring: Wiring) -> Iterator[Wiring]:
    """Run the block with `wiring` installed, then put back the one before."""
    previous = install(wiring)
    try:
        yield wiring
    finally:
        install(previous)
