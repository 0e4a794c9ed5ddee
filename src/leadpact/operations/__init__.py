"""Running leadpact: health and readiness probes, Prometheus metrics, request ids in structured logs, and
`leadpact doctor`, which checks a deployment and says what to fix."""

from fastapi import FastAPI

from leadpact.operations.doctor import Check, run_checks
from leadpact.operations.health import Readiness, check_readiness
from leadpact.operations.metrics import render_metrics
from leadpact.operations.requests import RequestTelemetry
from leadpact.operations.views import router


def attach(app: FastAPI) -> None:
    """Give `app` the operator's routes and the request middleware (request ids, metrics, access log)."""
    app.include_router(router)
    app.add_middleware(RequestTelemetry)


__all__ = ["Check", "Readiness", "RequestTelemetry", "attach", "check_readiness", "render_metrics", "router",
           "run_checks"]
