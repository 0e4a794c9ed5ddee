"""The FastAPI application: tracking API, JSON API, and in the embedded default the worker beside them."""

from __future__ import annotations

from fastapi import FastAPI

from leadpact import __version__
from leadpact.collector import tune_for_serving
from leadpact.crm.views import router as crm_router
from leadpact.engine import start_live_evaluation
from leadpact.feedback.views import people_router as outcomes_router
from leadpact.feedback.views import router as feedback_router
from leadpact.handoff import start_handoffs
from leadpact.handoff.views import people_router as missing_router
from leadpact.handoff.views import router as handoffs_router
from leadpact.ingest.views import router as tracking_router
from leadpact.insights.reports.views import router as insights_router
from leadpact.outbox.views import router as outbox_router
from leadpact.pact.views import router as pacts_router
from leadpact.web import install_web
from leadpact.worker import start_embedded_worker


def create_app() -> FastAPI:
    """Build the leadpact HTTP application."""
    app = FastAPI(title="leadpact", version=__version__, description="The executable marketing-to-sales lead pact.")
    app.include_router(tracking_router)
    app.include_router(pacts_router)
    app.include_router(handoffs_router)
    app.include_router(missing_router)
    app.include_router(feedback_router)
    app.include_router(outcomes_router)
    app.include_router(insights_router)
    app.include_router(outbox_router)
    app.include_router(crm_router)
    install_web(app)
    start_live_evaluation()
    start_handoffs()
    start_embedded_worker(app)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Tell a load balancer the process is up."""
        return {"status": "ok"}

    return app


def serving_app() -> FastAPI:
    """The application as `leadpact serve` runs it in each process, with the collector tuned for serving."""
    app = create_app()
    tune_for_serving()
    return app
