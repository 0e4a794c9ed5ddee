"""The FastAPI application: tracking API, JSON API, and in the embedded default the worker beside them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from leadpact import __version__, operations, telemetry
from leadpact.access import RefuseUndeclaredRoutes, declare_path, rules
from leadpact.access.admin_views import keys_router, users_router
from leadpact.access.views import router as session_router
from leadpact.api import PROBES, TRACKING
from leadpact.collector import tune_for_serving
from leadpact.composition import standard_wiring
from leadpact.config import get_settings
from leadpact.crm.views import router as crm_router
from leadpact.db import fold_log
from leadpact.feedback.views import people_router as outcomes_router
from leadpact.feedback.views import router as feedback_router
from leadpact.handoff.views import people_router as missing_router
from leadpact.handoff.views import router as handoffs_router
from leadpact.handoff.views import visitors_router
from leadpact.ingest.views import router as tracking_router
from leadpact.insights.reports.views import router as insights_router
from leadpact.outbox.views import channels_router
from leadpact.outbox.views import router as outbox_router
from leadpact.pact.views import router as pacts_router
from leadpact.privacy.views import router as privacy_router
from leadpact.web import install_web
from leadpact.wiring import install
from leadpact.worker import start_embedded_worker


def create_app() -> FastAPI:
    """Build the leadpact HTTP application (the composition root of the API process and its embedded worker)."""
    install(standard_wiring())
    # No docs_url: the web app serves /docs itself, from assets shipped in a package rather than a CDN.
    app = FastAPI(title="leadpact", version=__version__, description="The executable marketing-to-sales lead pact.",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    app.include_router(tracking_router, dependencies=[TRACKING])
    app.include_router(session_router)
    app.include_router(users_router)
    app.include_router(keys_router)
    app.include_router(pacts_router)
    app.include_router(handoffs_router)
    app.include_router(missing_router)
    app.include_router(visitors_router)
    app.include_router(feedback_router)
    app.include_router(outcomes_router)
    app.include_router(insights_router)
    app.include_router(outbox_router)
    app.include_router(channels_router)
    app.include_router(crm_router)
    operations.attach(app, dependencies=[PROBES])  # /healthz, /readyz, /metrics; request ids, metrics, access log
    app.include_router(privacy_router)
    install_web(app)
    start_embedded_worker(app)
    _fold_log_at_shutdown(app)
    # The API's own description is public: clients and the docs page read it before anyone signs in.
    for path in (app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url):
        if path:
            declare_path(app.router.routes, path, rules.PUBLIC)
    app.add_middleware(RefuseUndeclaredRoutes)
    return app


def _fold_log_at_shutdown(app: FastAPI) -> None:
    """When the server stops (after its worker), fold a SQLite write-ahead log into the database file."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        try:
            async with inner(served) as state:
                yield state
        finally:
            await run_in_threadpool(fold_log)

    app.router.lifespan_context = lifespan


def serving_app() -> FastAPI:
    """The application as `leadpact serve` runs it in each process: JSON logs to stderr, the collector tuned."""
    settings = get_settings()
    telemetry.configure_logging(level=settings.log_level, json_lines=settings.log_format == "json")
    app = create_app()
    tune_for_serving()
    return app
