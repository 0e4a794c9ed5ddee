"""The README's configuration table names every setting leadpact reads, with its default: a setting added without
its row, or a row left behind by a removed setting, fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

from leadpact.config import Settings
from leadpact.crm.settings import CrmSettings
from leadpact.outbox.settings import OutboxSettings

README = Path(__file__).parents[2] / "README.md"
SETTINGS: tuple[type[BaseSettings], ...] = (Settings, OutboxSettings, CrmSettings)
# Read by the Prometheus client itself, not by a settings class.
OTHERS = {"PROMETHEUS_MULTIPROC_DIR"}


def table() -> dict[str, tuple[str, str]]:
    """Each row of the configuration table: setting → (default, what it changes)."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.fullmatch(r"\| `([A-Z_]+)` \| (.+?) \| (.+) \|", line)
        if found:
            rows[found[1]] = (found[2], found[3])
    return rows


def shown(default: Any) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def test_every_setting_has_its_row_with_its_default_and_no_row_is_stale() -> None:
    rows = table()
    names = {}
    for settings in SETTINGS:
        prefix = settings.model_config.get("env_prefix", "")
        for field, info in settings.model_fields.items():
            names[(prefix + field).upper()] = info.default
    assert set(rows) == set(names) | OTHERS
    for name, default in names.items():
        cell, what = rows[name]
        assert what.strip(), f"{name} says nothing about what it changes"
        if default is None:
            assert "`" not in cell, f"{name} has no default, the table shows {cell}"
        elif shown(default) != "None":
            assert cell == f"`{shown(default)}`", f"{name}: the table says {cell}, the code {shown(default)}"
