"""The `leadpact` command line: thin wiring; each domain registers its own commands. It is the composition root
of every command (the worker, imports, activation, CRM pulls, the demo): each runs with the standard wiring."""

from __future__ import annotations

import typer

from leadpact import operator_commands
from leadpact.composition import standard_wiring
from leadpact.crm import commands as crm_commands
from leadpact.demo import commands as demo_commands
from leadpact.demo import run as demo_run
from leadpact.enrichment import commands as enrichment_commands
from leadpact.feedback import commands as feedback_commands
from leadpact.handoff import commands as handoff_commands
from leadpact.imports import commands as import_commands
from leadpact.insights import commands as insights_commands
from leadpact.insights.proposals import commands as proposal_commands
from leadpact.insights.reports import commands as report_commands
from leadpact.operations import commands as operations_commands
from leadpact.org import commands as org_commands
from leadpact.org import rep_commands
from leadpact.outbox import commands as outbox_commands
from leadpact.pact import commands as pact_commands
from leadpact.privacy import commands as privacy_commands
from leadpact.secrets import commands as secrets_commands
from leadpact.wiring import install

app = typer.Typer(
    name="leadpact",
    help="The marketing-to-sales lead pact: one shared, testable definition of a ready lead.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def wire(context: typer.Context) -> None:
    """The marketing-to-sales lead pact: one shared, testable definition of a ready lead."""
    # Every command runs wired as the API is: whatever path changes a person evaluates and hands them off.
    previous = install(standard_wiring())
    context.call_on_close(lambda: install(previous))


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
enrichment_commands.register(app)
operations_commands.register(app)
privacy_commands.register(app)
secrets_commands.register(app)


def main() -> None:
    """Entry point of the `leadpact` console script."""
    app()


if __name__ == "__main__":
    main()
