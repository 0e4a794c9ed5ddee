"""What every leadpact process is wired with, built in one place for the composition roots (the app factory, the
CLI, the demo) to install: live evaluation of each stored batch, handoffs of the leads it qualifies, handoffs
closed when their person leaves the path, CRM pushes of new handoffs, and a transport for each kind of outbox row.

Every entry point installs the same wiring, so a lead qualified by an import, a CLI activation or a CRM pull is
handed off exactly as one qualified through the tracking API."""

from __future__ import annotations

from types import MappingProxyType

from leadpact import crm, engine, enrichment, handoff, outbox
from leadpact.wiring import Wiring


def standard_wiring() -> Wiring:
    """The wiring of a leadpact process: the listeners and transports that make the pact's loop run."""
    return Wiring(
        people_changed=(engine.evaluate_changed_people,),
        engine_moved=((handoff.on_person_moved, handoff.HEARD), (enrichment.on_held, enrichment.HELD)),
        lifecycle_moved=(handoff.close_left_handoffs,),
        handoff_opened=(crm.on_handoff_opened,),
        transports=MappingProxyType({**outbox.NOTIFICATION_TRANSPORTS, crm.KIND: crm.deliver,
                                     crm.ERASURE_KIND: crm.deliver_erasure, enrichment.KIND: enrichment.deliver}),
    )
