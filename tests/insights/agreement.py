"""One set of numbers: after a demo run, its summary, `leadpact metrics`, the monthly report and the metrics API
give the same figures for the same period, because they are one definition read one way. Checked on the demo run
that `test_loop` makes (one run serves both: a demo costs a minute of CI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.keys.service import create_key
from tests.conftest import LiveServer

SHARED = ("mqls", "handoffs", "dispositions", "accepted", "acceptance_rate", "sqls", "opportunities", "won", "lost",
          "rejection_reasons")


def assert_one_set_of_numbers(figures: dict[str, Any]) -> None:
    """Check the demo's figures against `leadpact metrics`, the monthly report and the API for the same period."""
    period, as_of = figures["period"]["label"], figures["period"]["as_of"]
    assert figures["handoffs"] > 50 and figures["won"] > 0 and figures["lost"] > 0
    # people by lifecycle status count the same wins and losses as the funnel
    assert (figures["statuses"].get("won", 0), figures["statuses"].get("lost", 0)) == (figures["won"],
                                                                                      figures["lost"])

    result = CliRunner().invoke(app, ["metrics", "--period", period, "--as-of", as_of, "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    total = cli["total"]
    assert cli["period"]["label"] == period
    assert {name: total[name] for name in SHARED} == {name: figures[name] for name in SHARED}
    assert total["speed_to_lead"]["median_minutes"] == figures["speed_to_lead_median_minutes"]
    assert total["speed_to_lead"]["breaches"] == figures["sla_breaches"]

    result = CliRunner().invoke(app, ["report", "monthly", "--period", period, "--as-of", as_of])
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    assert f"- **MQLs**: {figures['mqls']:,}" in markdown
    assert (f"- **Acceptance rate**: {figures['acceptance_rate'] * 100:.1f} % ({figures['accepted']:,} of "
            f"{figures['dispositions']:,} dispositions") in markdown
    assert f"| Won | {figures['won']:,} |" in markdown

    with session_scope() as session:
        read = create_key(session=session, scope="read", name="agreement", now=datetime.now(UTC))[1]
    with LiveServer() as server:
        answer = httpx.get(f"{server.url}/api/v1/metrics", params={"period": period, "as_of": as_of},
                           headers={"Authorization": f"Bearer {read}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert {name: answer.json()["total"][name] for name in SHARED} == {name: figures[name] for name in SHARED}
