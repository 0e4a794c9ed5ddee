"""The FastAPI application: tracking API, JSON API and, later, the web app."""

from __future__ import annotations

from fastapi import FastAPI

from leadpact import __version__
from leadpact.engine import start_live_evaluation
from leadpact.ingest.views import router as tracking_router
from leadpact.pact.views import router as pacts_router


def create_app() -> FastAPI:
    """Build the leadpact HTTP application."""
    app = FastAPI(title="leadpact", version=__version__, description="The executable marketing-to-sales lead pact.")
    app.include_router(tracking_router)
    app.include_router(pacts_router)
    start_live_evaluation()

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Tell a load balancer the process is up."""
        return {"status": "ok"}

    return app
