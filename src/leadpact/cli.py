"""The `leadpact` command line: thin wiring; each domain registers its own commands."""

from __future__ import annotations

import typer

from leadpact import operator_commands
from leadpact.crm import commands as crm_commands
from leadpact.demo import commands as demo_commands
from leadpact.demo import run as demo_run
from leadpact.feedback import commands as feedback_commands
from leadpact.handoff import commands as handoff_commands
from leadpact.imports import commands as import_commands
from leadpact.insights import commands as insights_commands
from leadpact.insights.proposals import commands as proposal_commands
from leadpact.insights.reports import commands as report_commands
from leadpact.org import commands as org_commands
from leadpact.org import rep_commands
from leadpact.outbox import commands as outbox_commands
from leadpact.pact import commands as pact_commands

app = typer.Typer(
    name="leadpact",
    help="The marketing-to-sales lead pact: one shared, testable definition of a ready lead.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

demo_run.register(app)
operator_commands.register(app)
demo_commands.register(app)
import_commands.register(app)
pact_commands.register(app)
proposal_commands.register(pact_commands.pact_app)
org_commands.register(app)
rep_commands.register(app)
handoff_commands.register(app)
feedback_commands.register(app)
outbox_commands.register(app)
crm_commands.register(app)
report_commands.register(app)
insights_commands.register(app)


def main() -> None:
    """Entry point of the `leadpact` console script."""
    app()


if __name__ == "__main__":
    main()
