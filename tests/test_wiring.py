"""Explicit wiring (issue 16, item 3): importing leadpact registers nothing, and every entry point installs the same
wiring, the one `leadpact.composition` builds."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadpact import wiring
from leadpact.composition import standard_wiring

IMPORT_EVERYTHING = """
import importlib, pkgutil
import leadpact
from leadpact import wiring
for module in pkgutil.walk_packages(leadpact.__path__, "leadpact."):
    if not module.name.startswith("leadpact.migrations"):  # alembic's env.py runs a migration when imported
        importlib.import_module(module.name)
assert wiring.installed() is wiring.UNWIRED, wiring.installed()
print("unwired")
"""


def test_importing_every_module_wires_nothing() -> None:
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == "unwired"


def test_the_standard_wiring_hands_off_closes_pushes_and_delivers_every_kind() -> None:
    built = standard_wiring()
    assert len(built.people_changed) == 1 and len(built.lifecycle_moved) == 1 and len(built.handoff_opened) == 1
    assert built.heard_statuses() == frozenset({"mql", "hot", "needs_context"})
    assert set(built.transports) == {"email", "slack", "webhook", "crm"}


def test_the_app_factory_installs_the_standard_wiring(database_url) -> None:
    from leadpact.app import create_app

    with wiring.wired(wiring.UNWIRED):
        with TestClient(create_app()):
            assert wiring.installed() == standard_wiring()


def test_every_cli_command_runs_wired_and_puts_back_what_it_found(database_url) -> None:
    from leadpact.cli import app
    from leadpact.cli import wire as root

    seen = []

    @app.command("wiring-probe", hidden=True)
    def probe() -> None:
        seen.append(wiring.installed())

    try:
        with wiring.wired(wiring.UNWIRED):
            result = CliRunner().invoke(app, ["wiring-probe"])
            assert result.exit_code == 0, result.output
            assert wiring.installed() is wiring.UNWIRED
    finally:
        app.registered_commands[:] = [c for c in app.registered_commands if c.name != "wiring-probe"]
    assert seen == [standard_wiring()] and root.__doc__
